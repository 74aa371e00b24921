import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anthropicErrorBody, startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockReply, MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { eventually } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-pools-'));
let a: MockServer;
let b: MockServer;
let c: MockServer;
let claude: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [a, b, c, claude] = await Promise.all([
    startOpenAIMock({ key: 'sk-member-a-0000' }),
    startOpenAIMock({ key: 'sk-member-b-1111' }),
    startOpenAIMock({ key: 'sk-member-c-2222' }),
    startAnthropicMock({ key: 'sk-ant-member-9999' }),
  ]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  for (const m of [a, b, c, claude]) m.reset();
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop(), c.stop(), claude.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const member = (name: string, m: MockServer, extra = '') => `    - {name: ${name}, api_key: ${m.key}, base_url: "${m.url}"${extra}}\n`;

async function start(yaml: string): Promise<TestProxy> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  proxy = await startProxy(['--config', file]);
  return proxy;
}
const client = (p: TestProxy, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0, defaultHeaders: headers });
const ask = (p: TestProxy, headers?: Record<string, string>) =>
  client(p, headers).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

const repeat = (r: MockReply, n: number): MockReply[] => Array.from({ length: n }, () => r);
const err500: MockReply = { error: { status: 500, body: openaiErrorBody({ message: 'The server had an error', type: 'server_error', param: null, code: null }) } };

describe('provider pools', () => {
  test('round_robin spreads requests over the members', async () => {
    const p = await start(`provider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}${member('c', c)}`);
    for (let i = 0; i < 6; i++) await ask(p);
    expect([a.calls.length, b.calls.length, c.calls.length]).toEqual([2, 2, 2]);
  });

  test('weighted follows the weights', async () => {
    const p = await start(`pool: {strategy: weighted}\nprovider_pools:\n  openai-custom:\n${member('a', a, ', weight: 3')}${member('b', b)}`);
    for (let i = 0; i < 8; i++) await ask(p);
    expect([a.calls.length, b.calls.length]).toEqual([6, 2]);
  });

  test('a failing member is stepped around within the request: the client sees success', async () => {
    a.queue(...repeat(err500, 5));
    const p = await start(`pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
    const res = await ask(p);
    expect(res.choices[0]!.message.content).toBe('mock(openai) heard: hi');
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    const log = p.logs.find((l) => l.includes('status=200') && l.includes('member=b'));
    expect(log).toContain('attempts=2');
  });

  test('when every member fails, the log line names the account that failed last', async () => {
    a.queue(...repeat(err500, 5));
    b.queue(...repeat(err500, 5));
    const p = await start(`pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
    const err = await ask(p).catch((e) => e);
    expect(err.status).toBe(500);
    await eventually(() => p.logs.some((l) => l.includes(' request ') && l.includes('status=500')));
    const log = p.logs.find((l) => l.includes(' request ') && l.includes('status=500'))!;
    expect(log).toContain('provider=openai-custom');
    expect(log).toContain('member=b');
    expect(log).toContain('attempts=2');
  });

  test('when the last attempt cannot reach its member, the log line and metrics still name it and the attempts', async () => {
    a.queue(...repeat(err500, 5));
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    const dead = `http://127.0.0.1:${closed.port}/v1`;
    closed.stop(true);
    const p = await start(
      `pool: {strategy: fill_first, max_attempts: 2}\nprovider_pools:\n  openai-custom:\n${member('a', a)}    - {name: gone, api_key: sk-gone-3333, base_url: "${dead}"}\n`,
    );
    const err = await ask(p).catch((e) => e);
    expect(err.status).toBe(502);
    await eventually(() => p.logs.some((l) => l.includes(' request ') && l.includes('status=502')));
    const log = p.logs.find((l) => l.includes(' request ') && l.includes('status=502'))!;
    expect(log).toContain('provider=openai-custom');
    expect(log).toContain('member=gone');
    expect(log).toContain('attempts=2');
    const metrics = await (await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${p.key}` } })).text();
    expect(metrics).toContain('aiproxy_upstream_retries_total{provider="openai-custom"} 1');
  });

  test('a 429 cools the member for its retry-after, then it comes back', async () => {
    a.queue({ error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': '1' } } });
    const p = await start(`pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
    await ask(p); // a 429 → b
    await ask(p); // a cooling → b
    expect([a.calls.length, b.calls.length]).toEqual([1, 2]);
    const pools = (await (await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } })).json()) as {
      providers: Record<string, { members: Array<{ name: string; health: string; cooldown_remaining_ms: number; last_error: { status: number } | null }> }>;
    };
    const ma = pools.providers['openai-custom']!.members.find((m) => m.name === 'a')!;
    expect(ma).toMatchObject({ health: 'cooling', last_error: { status: 429 } });
    expect(ma.cooldown_remaining_ms).toBeGreaterThan(0);
    await Bun.sleep(1100);
    await ask(p); // the cooldown is over: a takes the half-open probe and recovers
    expect(a.calls.length).toBe(2);
    await ask(p);
    expect(a.calls.length).toBe(3);
  });

  test('every member rate-limited in turn: the retry-after is the soonest any comes back, not the last one’s', async () => {
    const limited = (seconds: number): MockReply => ({
      error: {
        status: 429,
        body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }),
        headers: { 'retry-after': String(seconds), 'retry-after-ms': String(seconds * 1000) },
      },
    });
    a.queue(limited(2));
    b.queue(limited(30));
    const p = await start(`pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
    const res = await fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(429);
    // a is back in 2 s: an SDK honouring b's 30 (the OpenAI SDK reads retry-after-ms first) would wait for nothing.
    expect(res.headers.get('retry-after')).toBe('2');
    expect(Number(res.headers.get('retry-after-ms'))).toBeLessThanOrEqual(2000);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    // As the fast answer that follows says.
    const next = await ask(p).catch((e: unknown) => e);
    expect((next as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('2');
  });

  test('a member left that could take the request now: the last upstream’s retry-after stands', async () => {
    const limited = (seconds: number): MockReply => ({
      error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': String(seconds) } },
    });
    a.queue(limited(2));
    b.queue(limited(30));
    const p = await start(`pool: {strategy: fill_first, max_attempts: 1}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}${member('c', c)}`);
    await ask(p).catch(() => {}); // a cools for 2 s
    // b answers 429 for 30 s; a would be back sooner, but c could take the request now: a retry goes there.
    const err = await ask(p).catch((e: unknown) => e);
    expect([a.calls.length, b.calls.length, c.calls.length]).toEqual([1, 1, 0]);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('30');
  });

  test('no retry after the first streamed byte, and none for a client error', async () => {
    a.queue({ text: 'one two three four', midStreamErrorAfter: 1 });
    const p = await start(`pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
    const stream = await client(p).chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const err = await (async () => {
      for await (const _ of stream) {
        /* drain */
      }
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(b.calls.length).toBe(0);

    const bad = await client(p)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], frobnicate: 1 } as never)
      .catch((e) => e);
    expect(bad.status).toBe(400);
    expect(b.calls.length).toBe(0);
  });

  test('max_concurrency: a member at its limit is skipped; all busy is a fast 429 with retry-after', async () => {
    a.queue({ headerDelayMs: 600 });
    const p = await start(`provider_pools:\n  openai-custom:\n${member('a', a, ', max_concurrency: 1')}`);
    const slow = ask(p);
    await Bun.sleep(100);
    const started = performance.now();
    const res = await fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('max_concurrency');
    expect(performance.now() - started).toBeLessThan(500);
    await slow;
    expect(a.calls.length).toBe(1);
  });

  test('affinity keeps a session on one member', async () => {
    const p = await start(`pool: {affinity: true}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}${member('c', c)}`);
    for (let i = 0; i < 4; i++) await ask(p, { 'x-session-id': 'conv-1' });
    const counts = [a.calls.length, b.calls.length, c.calls.length].sort();
    expect(counts).toEqual([0, 0, 4]);
  });

  test("affinity follows Codex's conversation (prompt_cache_key on the Responses API) without a session header", async () => {
    const p = await start(`pool: {affinity: true}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}${member('c', c)}`);
    const turn = (conversation: string) => client(p).responses.create({ model: 'gpt-4o', input: 'hi', prompt_cache_key: conversation, store: false });
    for (let i = 0; i < 4; i++) await turn('codex-conv-1');
    const afterFirst = [a.calls.length, b.calls.length, c.calls.length];
    expect([...afterFirst].sort()).toEqual([0, 0, 4]);
    // Another conversation is spread as usual: it is not pinned to the first one's member.
    for (let i = 0; i < 3; i++) await turn(`codex-conv-${i + 2}`);
    expect([a.calls.length, b.calls.length, c.calls.length].filter((n, i) => n > afterFirst[i]!).length).toBeGreaterThan(1);
  });

  test('fallbacks: a whole pool down moves to the next provider, with model_map applied', async () => {
    claude.queue(...repeat({ error: { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') } }, 3));
    const p = await start(
      `model_providers: [claude-custom]\nfallbacks:\n  claude-custom: [openai-custom]\nprovider_pools:\n  claude-custom:\n    - {name: main, api_key: ${claude.key}, base_url: "${claude.url}"}\n  openai-custom:\n${member('spare', a, ', model_map: {claude-sonnet-4-6: gpt-4o}')}`,
    );
    const anthropic = new Anthropic({ apiKey: p.key, baseURL: p.url, maxRetries: 0 });
    const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(openai) heard: hi' });
    expect(claude.calls.length).toBe(1);
    expect((a.calls[0]!.body as { model: string }).model).toBe('gpt-4o');
  });

  test("the original project's provider_pools.json is read", async () => {
    const file = join(dir, 'provider_pools.json');
    writeFileSync(
      file,
      JSON.stringify({
        'openai-custom': [
          { uuid: 'u1', OPENAI_API_KEY: a.key, OPENAI_BASE_URL: a.url, isHealthy: true, usageCount: 3 },
          { uuid: 'u2', OPENAI_API_KEY: b.key, OPENAI_BASE_URL: b.url, isDisabled: true },
        ],
      }),
    );
    proxy = await startProxy(['--provider-pools-file', file]);
    for (let i = 0; i < 3; i++) await ask(proxy);
    expect([a.calls.length, b.calls.length]).toEqual([3, 0]);
  });

  test('/pools shows state without secrets; /health reports degraded', async () => {
    const wrong = await startOpenAIMock({ key: 'sk-other' });
    try {
      const p = await start(`provider_pools:\n  openai-custom:\n    - {name: stale, api_key: sk-wrong-key-xyz, base_url: "${wrong.url}"}\n`);
      const res = await fetch(`${p.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(401);
      const text = await (await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } })).text();
      expect(text).toContain('"stale"');
      expect(text).toContain('"unhealthy"');
      expect(text).not.toContain('sk-wrong-key-xyz');
      expect(text).not.toContain(p.key);
      expect((await fetch(`${p.url}/pools`)).status).toBe(401);
      expect(await (await fetch(`${p.url}/health`)).json()).toMatchObject({ status: 'degraded', degraded: ['openai-custom'] });
    } finally {
      await wrong.stop();
    }
  });
});

describe('fallbacks respect the caller key', () => {
  test('a key limited to one provider never falls back to another', async () => {
    claude.queue(...repeat({ error: { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') } }, 3));
    const p = await start(
      `api_keys:\n  - {key: team-key-123, name: team, allowed_providers: [claude-custom]}\nmodel_providers: [claude-custom]\nfallbacks:\n  claude-custom: [openai-custom]\nprovider_pools:\n  claude-custom:\n    - {name: main, api_key: ${claude.key}, base_url: "${claude.url}"}\n  openai-custom:\n${member('spare', a)}`,
    );
    const anthropic = new Anthropic({ apiKey: 'team-key-123', baseURL: p.url, maxRetries: 0 });
    const err = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err.status).toBe(529);
    expect(a.calls.length).toBe(0);
  });
});
