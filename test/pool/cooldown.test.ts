/**
 * A member out of rotation and how it comes back: its cooldown runs its course, then one real request
 * (the half-open probe) decides. Only an answer that says something about the account counts, and the
 * 429 a client gets meanwhile says when to retry.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Member } from '../../src/pool/member.ts';
import { Pool } from '../../src/pool/pool.ts';
import { DEFAULT_POOL_SETTINGS } from '../../src/pool/settings.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-probe-'));
let a: MockServer;
let b: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [a, b] = await Promise.all([startOpenAIMock({ key: 'sk-probe-a-0000' }), startOpenAIMock({ key: 'sk-probe-b-1111' })]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  a.reset();
  b.reset();
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function start(yaml: string): Promise<TestProxy> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  proxy = await startProxy(['--config', file]);
  return proxy;
}
const chat = (p: TestProxy, signal?: AbortSignal) =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    signal,
  });
async function memberState(p: TestProxy, name: string): Promise<{ health: string; in_flight: number }> {
  const view = (await (await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } })).json()) as {
    providers: Record<string, { members: Array<{ name: string; health: string; in_flight: number }> }>;
  };
  return view.providers['openai-custom']!.members.find((m) => m.name === name)!;
}

const rateLimited = (retryAfter: string) => ({
  error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': retryAfter } },
});
const twoMembers = () =>
  `pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n    - {name: a, api_key: ${a.key}, base_url: "${a.url}"}\n    - {name: b, api_key: ${b.key}, base_url: "${b.url}"}\n`;

describe('all busy', () => {
  test('a member at its max_concurrency frees a slot any moment: retry-after says so even when another is cooling for long', async () => {
    a.queue({ headerDelayMs: 700 });
    b.queue(rateLimited('600'));
    const p = await start(
      `pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n    - {name: a, api_key: ${a.key}, base_url: "${a.url}", max_concurrency: 1}\n    - {name: b, api_key: ${b.key}, base_url: "${b.url}"}\n`,
    );
    const slow = chat(p); // holds a's only slot
    try {
      await a.waitForCalls(1, 2000);
      expect((await chat(p)).status).toBe(429); // b's own 429: b cools down for 10 minutes
      const res = await chat(p);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('max_concurrency');
    } finally {
      expect((await slow).status).toBe(200);
    }
  });

  test('a member at its limit that is cooling down too is not busy: its slot freeing lets nothing through', () => {
    const a = new Member({ name: 'a', provider: 'openai-custom', adapter: {} as ProviderAdapter, weight: 1, modelMap: {}, disabled: false, maxConcurrency: 1, fingerprint: 'a' });
    const pool = new Pool('openai-custom', [a], DEFAULT_POOL_SETTINGS);
    expect(pool.pick('gpt-4o', {}, 0)).toBe(a);
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 60_000 }, 0, pool.settings);
    expect(pool.unavailable('gpt-4o', 1000)).toEqual({ retryAfterMs: 59_000, busy: false });
  });
});

describe('cooldown', () => {
  test('a request admitted before the 429 that ends well does not cut the cooldown short', async () => {
    a.queue({ headerDelayMs: 500 }, rateLimited('600'));
    const p = await start(twoMembers());
    const earlier = chat(p); // on a, answered in 0.5 s
    try {
      await a.waitForCalls(1, 2000);
      expect((await chat(p)).status).toBe(200); // a 429 → b; a cools for 10 minutes
    } finally {
      expect((await earlier).status).toBe(200);
    }
    expect((await chat(p)).status).toBe(200);
    expect([a.calls.length, b.calls.length]).toEqual([2, 2]);
    expect((await memberState(p, 'a')).health).toBe('cooling');
  });

  // Requests sent together in a burst all come back limited, each with its own wait.
  const member = () => new Member({ name: 'a', provider: 'openai-custom', adapter: {} as ProviderAdapter, weight: 1, modelMap: {}, disabled: false, fingerprint: 'a' });
  const s = { ...DEFAULT_POOL_SETTINGS, cooldownMs: 1000 };

  test("a shorter 429 or 401 of a request admitted earlier does not cut a retry-after short", () => {
    const a = member();
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 30_000 }, 0, s);
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 2_000 }, 5, s);
    a.record({ kind: 'auth_failed', status: 401, message: 'x' }, 6, s);
    a.record({ kind: 'rate_limited', status: 429, message: 'x' }, 7, s);
    expect(a.available(29_000)).toBe(false);
    expect(a.available(30_000)).toBe(true);
  });

  test('a longer rest replaces a shorter one, and a model keeps its longest quota wait', () => {
    const a = member();
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 500 }, 0, s);
    a.record({ kind: 'auth_failed', status: 401, message: 'x' }, 1, s); // rests cooldown_ms
    expect(a.state).toMatchObject({ health: 'unhealthy', cooldownUntil: 1_001 });
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 60_000, model: 'gemini-2.5-pro' }, 10, s);
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 1_000, model: 'gemini-2.5-pro' }, 11, s);
    expect(a.availableAt('gemini-2.5-pro')).toBe(60_010);
  });
});

describe('half-open probe', () => {
  test('a streamed probe the upstream accepted brings the member back without waiting for the stream to end', async () => {
    a.queue(rateLimited('1'), { text: 'one two three four five six', chunkDelayMs: 150 });
    const p = await start(twoMembers());
    expect((await chat(p)).status).toBe(200); // a 429 → b
    await Bun.sleep(1100);
    const stream = await fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    try {
      expect(stream.status).toBe(200); // a's probe: headers in, the stream still running for ~1 s
      expect((await chat(p)).status).toBe(200);
      expect([a.calls.length, b.calls.length]).toEqual([3, 1]);
    } finally {
      await stream.text();
    }
  });

  test('a request admitted before the 429 whose client leaves while the probe is out does not let a second one through', async () => {
    a.queue({ headerDelayMs: 3000 }, rateLimited('1'), { headerDelayMs: 800 });
    const p = await start(twoMembers());
    const gone = new AbortController();
    const earlier = chat(p, gone.signal).catch((e: Error) => e); // on a, slow
    await a.waitForCalls(1, 2000);
    // fill_first with a at no limit: this one goes to a too, gets the 429 and moves to b.
    expect((await chat(p)).status).toBe(200);
    await Bun.sleep(1100);
    const probe = chat(p); // a's cooldown is over: this one is its probe
    try {
      await a.waitForCalls(3, 2000);
      gone.abort(); // the earlier request's client leaves while the probe is out
      expect(await earlier).toBeInstanceOf(Error);
      for (let i = 0; i < 100 && (await memberState(p, 'a')).in_flight > 1; i++) await Bun.sleep(10);
      expect((await chat(p)).status).toBe(200);
      expect([a.calls.length, b.calls.length]).toEqual([3, 2]); // to b: a's probe is still out
    } finally {
      expect((await probe).status).toBe(200);
    }
  });

  test("only the probe's own outcome settles it", () => {
    const s = { ...DEFAULT_POOL_SETTINGS, cooldownMs: 1000, errorThreshold: 3 };
    const m = new Member({ name: 'a', provider: 'openai-custom', adapter: {} as ProviderAdapter, weight: 1, modelMap: {}, disabled: false, fingerprint: 'a' });
    expect(m.acquire(0)).toBeUndefined(); // healthy: not a probe
    m.acquire(1);
    m.release({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 1000 }, 2, s);
    const probe = m.acquire(1100);
    expect(probe).toBeDefined();
    // The earlier request fails now: one 5xx in the window, not the probe's failure.
    m.release({ kind: 'server_error', status: 502, message: 'x' }, 1200, s);
    expect(m.state.cooldownUntil).toBe(1002);
    expect(m.available(1201)).toBe(false); // the probe is still out
    m.release({ kind: 'success' }, 1300, s, probe);
    expect(m.state.health).toBe('healthy');
    expect(m.available(1301)).toBe(true);
  });

  test('a client that leaves before the upstream answers the probe does not bring the member back', async () => {
    a.queue(
      { error: { status: 401, body: openaiErrorBody({ message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' }) } },
      { headerDelayMs: 1500 },
    );
    const p = await start(
      `pool: {strategy: fill_first, cooldown_ms: 100}\nprovider_pools:\n  openai-custom:\n    - {name: a, api_key: ${a.key}, base_url: "${a.url}"}\n    - {name: b, api_key: ${b.key}, base_url: "${b.url}"}\n`,
    );
    expect((await chat(p)).status).toBe(200); // a 401 → b
    expect((await memberState(p, 'a')).health).toBe('unhealthy');
    await Bun.sleep(150);
    const gone = new AbortController();
    const probe = chat(p, gone.signal).catch((e: Error) => e);
    await a.waitForCalls(2, 2000); // the probe reached a
    gone.abort();
    expect(await probe).toBeInstanceOf(Error);
    for (let i = 0; i < 100 && (await memberState(p, 'a')).in_flight > 0; i++) await Bun.sleep(10);
    expect(await memberState(p, 'a')).toMatchObject({ in_flight: 0, health: 'unhealthy' });
    // Its cooldown is still over: the next request is its probe, and this one's answer counts.
    expect((await chat(p)).status).toBe(200);
    expect(a.calls.length).toBe(3);
    expect((await memberState(p, 'a')).health).toBe('healthy');
  });
});

describe('a usage limit that says its reset in the body only', () => {
  test("Codex's usage_limit_reached rests the account until resets_in_seconds, and the client gets that retry-after once all are out", async () => {
    // As Codex gateways relay it: no retry-after header, the reset only in the body (icebear0828/codex-proxy#65).
    const usageLimit = {
      error: {
        status: 429,
        body: JSON.stringify({ error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'free', resets_at: Math.floor(Date.now() / 1000) + 602705, resets_in_seconds: 602705 } }),
      },
    };
    a.queue(usageLimit);
    const p = await start(
      `model_providers: [openaiResponses-custom]\npool: {strategy: fill_first}\nprovider_pools:\n  openaiResponses-custom:\n    - {name: a, api_key: ${a.key}, base_url: "${a.url}"}\n    - {name: b, api_key: ${b.key}, base_url: "${b.url}"}\n`,
    );
    const client = new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0 });
    expect((await client.responses.create({ model: 'gpt-5-codex', input: 'hi' })).output_text).toContain('hi'); // a: 429 → b
    // a rests for the week, not for cooldown_ms: the next requests go straight to b.
    await client.responses.create({ model: 'gpt-5-codex', input: 'again' });
    expect([a.calls.length, b.calls.length]).toEqual([1, 2]);
    const view = (await (await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } })).json()) as {
      providers: Record<string, { members: Array<{ name: string; cooldown_remaining_ms: number }> }>;
    };
    expect(view.providers['openaiResponses-custom']!.members.find((m) => m.name === 'a')!.cooldown_remaining_ms).toBeGreaterThan(602_000_000);

    b.queue(usageLimit);
    const err = await client.responses.create({ model: 'gpt-5-codex', input: 'once more' }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number(err.headers.get('retry-after'))).toBeGreaterThan(602_000);
    expect(a.calls.length).toBe(1);
  });
});
