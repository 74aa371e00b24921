/**
 * A reload (SIGHUP) with a configuration that changed the pools while requests and streams are in
 * flight: they finish on the member that took them, its slot is given back where it was taken (no
 * member left busy, no negative count), a re-keyed member starts fresh, and no request goes out with a
 * removed member's key afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import { reloadConfig } from '../../src/server/reload.ts';
import { Logger } from '../../src/util/log.ts';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { eventually } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-reload-changed-'));
let a: MockServer;
let a2: MockServer;
let b: MockServer;
let c: MockServer;
let proxy: TestProxy | undefined;
let configFile = '';

beforeAll(async () => {
  [a, a2, b, c] = await Promise.all([
    startOpenAIMock({ key: 'sk-changed-a-0000' }),
    startOpenAIMock({ key: 'sk-changed-a2-2222' }),
    startOpenAIMock({ key: 'sk-changed-b-1111' }),
    startAnthropicMock({ key: 'sk-ant-changed-c-3333' }),
  ]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  for (const m of [a, a2, b, c]) m.reset();
});
afterAll(async () => {
  await Promise.all([a, a2, b, c].map((m) => m.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const member = (name: string, m: MockServer, extra = '') => `    - {name: ${name}, api_key: ${m.key}, base_url: "${m.url}"${extra}}\n`;
const openaiPool = (...members: string[]) => `provider_pools:\n  openai-custom:\n${members.join('')}`;

async function start(yaml: string): Promise<TestProxy> {
  configFile = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(configFile, yaml);
  proxy = await startProxy(['--config', configFile]);
  return proxy;
}
/** What SIGHUP does: the file read again with the same flags, then applied. */
function reloadWith(p: TestProxy, yaml: string): void {
  writeFileSync(configFile, yaml);
  const load = () =>
    loadConfig({
      flags: parseArgs(['--host', '127.0.0.1', '--port', '0', '--api-key', p.key, '--log-level', 'debug', '--config', configFile]).flags,
      env: {},
      cwd: '/nonexistent',
    });
  const result = reloadConfig(p.app, load, new Logger('error', () => {}));
  expect(result.ok).toBe(true);
}
const chat = (p: TestProxy, stream = false) =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
type View = Record<string, { members: Array<{ name: string; health: string; in_flight: number }> }>;
/** What is left of a stream, read to its end. */
async function rest(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }): Promise<string> {
  let text = '';
  const utf8 = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + utf8.decode();
    text += utf8.decode(value, { stream: true });
  }
}

async function poolsView(p: TestProxy): Promise<View> {
  return ((await (await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } })).json()) as { providers: View }).providers;
}
async function inFlightGauges(p: TestProxy): Promise<string[]> {
  const text = await (await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${p.key}` } })).text();
  return text.split('\n').filter((l) => l.startsWith('aiproxy_pool_member_in_flight{'));
}
const rateLimited = {
  error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': '600' } },
};
const keyOf = (call: { headers: Record<string, string> }) => call.headers.authorization;

describe('a reload that changes the pools while requests are in flight', () => {
  test('a removed member finishes its stream; nothing is sent with its key afterwards; no slot is left taken', async () => {
    a.queue({ text: 'one two three four five six', chunkDelayMs: 100 });
    const p = await start(`pool: {strategy: fill_first}\n${openaiPool(member('a', a), member('b', b, ', max_concurrency: 1'))}`);
    const res = await chat(p, true);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the stream has begun on a
    reloadWith(p, `pool: {strategy: fill_first}\n${openaiPool(member('b', b, ', max_concurrency: 1'))}`);
    for (let i = 0; i < 3; i++) expect((await chat(p)).status).toBe(200);
    const text = await rest(reader);
    expect(text).toContain('[DONE]');
    expect(text).toContain('six');
    expect(a.calls.length).toBe(1);
    expect(b.calls.length).toBe(3);
    expect((await poolsView(p))['openai-custom']!.members.map((m) => [m.name, m.in_flight])).toEqual([['b', 0]]);
    expect(await inFlightGauges(p)).toEqual(['aiproxy_pool_member_in_flight{provider="openai-custom",member="b"} 0']);
  });

  test('a re-keyed member: the old request finishes with the old key, new ones use the new key, its cooldown is gone', async () => {
    a.queue({ headerDelayMs: 600 });
    b.queue(rateLimited);
    const p = await start(`pool: {strategy: fill_first}\n${openaiPool(member('b', b), member('a', a, ', max_concurrency: 1'))}`);
    const first = chat(p); // b 429 (cools 10 min) → a, answered in 0.6 s
    await a.waitForCalls(1, 2000);
    // a gets a new key and endpoint under the same name; b is unchanged and stays cooling.
    reloadWith(p, `pool: {strategy: fill_first}\n${openaiPool(member('b', b), member('a', a2, ', max_concurrency: 1'))}`);
    try {
      expect((await chat(p)).status).toBe(200); // the new account has a free slot of its own
      expect(a2.calls.length).toBe(1);
      expect(keyOf(a2.calls[0]!)).toBe(`Bearer ${a2.key}`);
    } finally {
      expect((await first).status).toBe(200);
    }
    expect(a.calls.length).toBe(1);
    expect(b.calls.length).toBe(1);
    const view = (await poolsView(p))['openai-custom']!.members;
    expect(view.map((m) => [m.name, m.health, m.in_flight])).toEqual([
      ['b', 'cooling', 0],
      ['a', 'healthy', 0],
    ]);
  });

  test('a re-keyed member does not keep the old key cooldown; an unchanged one keeps its own', async () => {
    a.queue(rateLimited);
    b.queue(rateLimited);
    const p = await start(`pool: {strategy: fill_first}\n${openaiPool(member('a', a), member('b', b))}`);
    expect((await chat(p)).status).toBe(429); // both cool down for 10 minutes
    reloadWith(p, `pool: {strategy: fill_first}\n${openaiPool(member('a', a2), member('b', b))}`);
    expect((await chat(p)).status).toBe(200);
    expect(a2.calls.length).toBe(1);
    const view = (await poolsView(p))['openai-custom']!.members;
    expect(view.map((m) => [m.name, m.health])).toEqual([
      ['a', 'healthy'],
      ['b', 'cooling'],
    ]);
  });

  test('max_concurrency raised: the new limit counts the requests still in flight', async () => {
    a.queue({ headerDelayMs: 600 }, { headerDelayMs: 600 });
    const p = await start(openaiPool(member('a', a, ', max_concurrency: 1')));
    const first = chat(p);
    await a.waitForCalls(1, 2000);
    reloadWith(p, openaiPool(member('a', a, ', max_concurrency: 2, weight: 3')));
    const second = chat(p);
    await a.waitForCalls(2, 2000);
    expect((await chat(p)).status).toBe(429); // two in flight, limit two
    expect((await poolsView(p))['openai-custom']!.members[0]!.in_flight).toBe(2);
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    await eventually(() => a.calls.length === 2, 1000);
    expect((await poolsView(p))['openai-custom']!.members[0]!.in_flight).toBe(0);
  });

  test('a provider removed entirely: its stream finishes, its pool no longer listed, fallbacks changed', async () => {
    a.queue({ text: 'one two three four', chunkDelayMs: 100 }, rateLimited);
    const both = (fallbacks: string) =>
      `model_providers: [openai-custom, claude-custom]\n${fallbacks}provider_pools:\n  openai-custom:\n${member('a', a)}  claude-custom:\n    - {name: c, api_key: ${c.key}, base_url: "${c.url}", model_map: {gpt-4o: claude-sonnet-4-5}}\n`;
    const p = await start(both(''));
    const res = await chat(p, true);
    const reader = res.body!.getReader();
    await reader.read();
    reloadWith(p, both('fallbacks: {openai-custom: [claude-custom]}\n'));
    expect((await chat(p)).status).toBe(200); // a 429 → c by the new fallback
    expect(c.calls.length).toBe(1);
    reloadWith(p, `model_providers: [claude-custom]\nprovider_pools:\n  claude-custom:\n    - {name: c, api_key: ${c.key}, base_url: "${c.url}", model_map: {gpt-4o: claude-sonnet-4-5}}\n`);
    const text = await rest(reader);
    expect(text).toContain('[DONE]');
    expect(Object.keys(await poolsView(p))).toEqual(['claude-custom']);
    expect(a.calls.length).toBe(2);
    expect(await inFlightGauges(p)).toEqual(['aiproxy_pool_member_in_flight{provider="claude-custom",member="c"} 0']);
  });
});
