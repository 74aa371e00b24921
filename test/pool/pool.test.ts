import { describe, expect, test } from 'bun:test';
import { Member, type MemberSpec } from '../../src/pool/member.ts';
import { Pool } from '../../src/pool/pool.ts';
import { DEFAULT_POOL_SETTINGS, type PoolSettings } from '../../src/pool/settings.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';

const adapter = {} as ProviderAdapter;
const member = (name: string, extra: Partial<MemberSpec> = {}): Member =>
  new Member({ name, provider: 'openai-custom', adapter, weight: 1, modelMap: {}, disabled: false, fingerprint: name, ...extra });
const settings = (s: Partial<PoolSettings> = {}): PoolSettings => ({ ...DEFAULT_POOL_SETTINGS, ...s });

/** Picks `model` n times, releasing each pick as a success; returns the member names in order. */
function picks(pool: Pool, n: number, now = 1000, model = 'gpt-4o'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = pool.pick(model, {}, now)!;
    out.push(m.name);
    m.release({ kind: 'success' }, now, pool.settings);
  }
  return out;
}

describe('strategies', () => {
  test('round_robin rotates and keeps its order when a member drops out', () => {
    const [a, b, c] = [member('a'), member('b'), member('c')];
    const pool = new Pool('openai-custom', [a, b, c], settings());
    expect(picks(pool, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    b.record({ kind: 'rate_limited', status: 429, message: 'slow down', retryAfterMs: 10_000 }, 1000, pool.settings);
    expect(picks(pool, 4)).toEqual(['a', 'c', 'a', 'c']);
  });

  // One cursor for every model let the traffic of one model steer another's: with flash and pro requests
  // taking turns and b's pro quota spent, flash always landed on a, pro always on c, and b idled
  // (vllm-project/production-stack#915, router-for-me/CLIProxyAPI#506).
  // Weighted kept one running weight per member for every model alike: pro then always went to c.
  for (const strategy of ['round_robin', 'weighted'] as const) {
    test(`${strategy} rotates each model over the members that serve it, however requests for models interleave`, () => {
      const [a, b, c] = [member('a'), member('b'), member('c')];
      const pool = new Pool('gemini-cli', [a, b, c], settings({ strategy }));
      b.record({ kind: 'rate_limited', status: 429, message: 'quota', retryAfterMs: 60_000, model: 'gemini-2.5-pro' }, 0, pool.settings);
      const got: Record<string, string[]> = { 'gemini-2.5-flash': [], 'gemini-2.5-pro': [] };
      for (let i = 0; i < 6; i++) {
        for (const model of ['gemini-2.5-flash', 'gemini-2.5-pro']) {
          const m = pool.pick(model, {}, 1000)!;
          got[model]!.push(m.name);
          m.release({ kind: 'success' }, 1000, pool.settings);
        }
      }
      expect(got['gemini-2.5-flash']).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
      expect(got['gemini-2.5-pro']).toEqual(['a', 'c', 'a', 'c', 'a', 'c']);
    });
  }

  test('weighted spreads in proportion, evenly', () => {
    const pool = new Pool('openai-custom', [member('a', { weight: 3 }), member('b', { weight: 1 })], settings({ strategy: 'weighted' }));
    const got = picks(pool, 8);
    expect(got.filter((n) => n === 'a').length).toBe(6);
    expect(got.slice(0, 4).filter((n) => n === 'b').length).toBe(1);
  });

  test('fill_first uses the first member until it cannot take more', () => {
    const a = member('a', { maxConcurrency: 1 });
    const pool = new Pool('openai-custom', [a, member('b')], settings({ strategy: 'fill_first' }));
    expect(picks(pool, 3)).toEqual(['a', 'a', 'a']);
    const first = pool.pick('gpt-4o', {}, 1)!;
    expect(first.name).toBe('a');
    expect(pool.pick('gpt-4o', {}, 1)!.name).toBe('b');
  });

  test('least_inflight picks the least busy member', () => {
    const pool = new Pool('openai-custom', [member('a'), member('b'), member('c')], settings({ strategy: 'least_inflight' }));
    const held = [pool.pick('gpt-4o', {}, 1)!, pool.pick('gpt-4o', {}, 2)!, pool.pick('gpt-4o', {}, 3)!];
    expect(new Set(held.map((m) => m.name)).size).toBe(3);
    held[1]!.release({ kind: 'success' }, 4, pool.settings);
    expect(pool.pick('gpt-4o', {}, 5)!.name).toBe(held[1]!.name);
  });

  test('affinity keeps a session on its member while it is healthy', () => {
    const pool = new Pool('openai-custom', [member('a'), member('b'), member('c')], settings({ affinity: true }));
    const first = pool.pick('gpt-4o', { sessionKey: 's1' }, 1)!;
    first.release({ kind: 'success' }, 1, pool.settings);
    for (let i = 0; i < 5; i++) {
      const m = pool.pick('gpt-4o', { sessionKey: 's1' }, 2)!;
      expect(m.name).toBe(first.name);
      m.release({ kind: 'success' }, 2, pool.settings);
    }
    first.record({ kind: 'auth_failed', status: 401, message: 'bad key' }, 3, pool.settings);
    expect(pool.pick('gpt-4o', { sessionKey: 's1' }, 3)!.name).not.toBe(first.name);
  });
});

describe('health', () => {
  test('a 429 cools a member down for its retry-after, then a half-open probe brings it back', () => {
    const s = settings();
    const a = member('a');
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 5000 }, 0, s);
    expect(a.available(4999)).toBe(false);
    expect(a.available(5000)).toBe(true);
    a.acquire(5000);
    expect(a.available(5001)).toBe(false); // one probe at a time
    a.release({ kind: 'success' }, 5002, s);
    expect(a.state.health).toBe('healthy');
  });

  test('a 429 without retry-after uses cooldown_ms', () => {
    const a = member('a');
    a.record({ kind: 'rate_limited', status: 429, message: 'x' }, 0, settings({ cooldownMs: 700 }));
    expect(a.state.cooldownUntil).toBe(700);
  });

  test('5xx count in a sliding window; old errors decay; the threshold cools the member with backoff', () => {
    const s = settings({ errorThreshold: 3, errorWindowMs: 1000, cooldownMs: 100 });
    const a = member('a');
    a.record({ kind: 'server_error', status: 500, message: 'x' }, 0, s);
    a.record({ kind: 'server_error', status: 500, message: 'x' }, 100, s);
    a.record({ kind: 'server_error', status: 500, message: 'x' }, 1500, s); // the first two have decayed
    expect(a.state.health).toBe('healthy');
    a.record({ kind: 'server_error', status: 502, message: 'x' }, 1600, s);
    a.record({ kind: 'server_error', status: 503, message: 'x' }, 1700, s);
    expect(a.state.health).toBe('cooling');
    expect(a.state.cooldownUntil).toBe(1800);
    const probe = a.acquire(1800);
    a.release({ kind: 'server_error', status: 500, message: 'still down' }, 1810, s, probe); // failed probe: longer backoff
    expect(a.state.cooldownUntil).toBe(1810 + 200);
  });

  test('client errors do not count against a member', () => {
    const s = settings({ errorThreshold: 1 });
    const a = member('a');
    for (let i = 0; i < 5; i++) a.record({ kind: 'client_error', status: 400 }, i, s);
    expect(a.state.health).toBe('healthy');
  });

  test('401 marks a member unhealthy until a probe succeeds', () => {
    const s = settings({ cooldownMs: 1000 });
    const a = member('a');
    a.record({ kind: 'auth_failed', status: 401, message: 'invalid key' }, 0, s);
    expect(a.state.health).toBe('unhealthy');
    expect(a.available(999)).toBe(false);
    expect(a.state.lastError).toEqual({ status: 401, message: 'invalid key', at: 0 });
  });

  // A team's requests in flight on one key all fail together when it is revoked or the upstream goes
  // down: each late failure doubled the rest, so six of them kept the member out 32 cooldowns (15 min
  // with the defaults) instead of one.
  test('failures of requests in flight together are one strike, not one each; a failed probe is the next', () => {
    const s = settings({ cooldownMs: 1000, errorThreshold: 3 });
    const a = member('a');
    for (let i = 0; i < 6; i++) a.acquire(0);
    for (let i = 0; i < 6; i++) a.release({ kind: 'auth_failed', status: 401, message: 'invalid key' }, 10 + i, s);
    expect(a.state.health).toBe('unhealthy');
    expect(a.state.strikes).toBe(1);
    expect(a.state.cooldownUntil).toBe(15 + 1000);
    const probe = a.acquire(1015);
    a.release({ kind: 'auth_failed', status: 401, message: 'invalid key' }, 1020, s, probe);
    expect(a.state.cooldownUntil).toBe(1020 + 2000);

    const b = member('b');
    for (let i = 0; i < 12; i++) b.acquire(0);
    for (let i = 0; i < 12; i++) b.release({ kind: 'server_error', status: 502, message: 'down' }, 10 + i, s);
    expect(b.state.health).toBe('cooling');
    expect(b.state.strikes).toBe(1);
    expect(b.state.cooldownUntil).toBeLessThanOrEqual(21 + 1000);
  });

  test('unavailable() tells the soonest recovery, and when everyone is busy', () => {
    const s = settings();
    const a = member('a', { maxConcurrency: 1 });
    const b = member('b');
    const pool = new Pool('openai-custom', [a, b], s);
    b.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 3000 }, 0, s);
    expect(pool.pick('gpt-4o', {}, 10)!.name).toBe('a');
    expect(pool.pick('gpt-4o', {}, 10)).toBeUndefined();
    expect(pool.unavailable('gpt-4o', 10)).toEqual({ retryAfterMs: 2990, busy: true });
  });

  test('models allowlist and model_map', () => {
    const a = member('a', { models: new Set(['gpt-4o']) });
    const b = member('b', { modelMap: { fast: 'gpt-4o-mini' } });
    const pool = new Pool('openai-custom', [a, b], settings({ strategy: 'fill_first' }));
    expect(pool.pick('fast', {}, 1)!.name).toBe('b');
    expect(b.upstreamModel('fast')).toBe('gpt-4o-mini');
    expect(a.serves('gpt-4.1')).toBe(false);
    expect(pool.pick('gpt-4o', {}, 1)!.name).toBe('a');
  });

  test("an alias goes to the members that define it while one can take it, not round-robin to one that would send it as it is", () => {
    // README's example: team-a maps fast, team-b has no list.
    const a = member('team-a', { models: new Set(['gpt-4o', 'fast']), modelMap: { fast: 'gpt-4o-mini' } });
    const b = member('team-b');
    const c = member('team-c', { modelMap: { fast: 'gpt-4.1-mini' } });
    const pool = new Pool('openai-custom', [a, b, c], settings());
    expect(picks(pool, 4, 1000, 'fast')).toEqual(['team-a', 'team-c', 'team-a', 'team-c']);
    // Other models still rotate over every member that serves them.
    expect(new Set(picks(pool, 3))).toEqual(new Set(['team-a', 'team-b', 'team-c']));
    // With both cooling down, the member without it is the last resort (an alias may be a real model name too).
    a.record({ kind: 'rate_limited', status: 429, message: 'slow down', retryAfterMs: 10_000 }, 1000, pool.settings);
    c.record({ kind: 'rate_limited', status: 429, message: 'slow down', retryAfterMs: 10_000 }, 1000, pool.settings);
    expect(pool.pick('fast', {}, 2000)!.name).toBe('team-b');
  });

  test("a name of the provider's own family that one member pins to a dated id is served by every member alike", () => {
    const pinned = member('pinned', { provider: 'claude-custom', modelMap: { 'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929' } });
    const plain = member('plain', { provider: 'claude-custom' });
    const pool = new Pool('claude-custom', [pinned, plain], settings());
    expect(picks(pool, 4, 1000, 'claude-sonnet-4-5')).toEqual(['pinned', 'plain', 'pinned', 'plain']);
    // Another family's name mapped on a Gemini pool is an alias: only the member that maps it takes it.
    const mapping = member('mapping', { provider: 'gemini-cli', modelMap: { 'claude-sonnet-4-5': 'gemini-2.5-pro' } });
    const gemini = new Pool('gemini-cli', [member('other', { provider: 'gemini-cli' }), mapping], settings());
    expect(gemini.pick('claude-sonnet-4-5', {}, 1000)!.name).toBe('mapping');
    expect(gemini.pick('claude-sonnet-4-5', {}, 1000)!.name).toBe('mapping');
  });
});

describe('per-model rate limits', () => {
  test('a 429 naming its model cools only that model (aliases included) for its retry-after', () => {
    const a = member('a', { modelMap: { smart: 'gemini-2.5-pro' } });
    const b = member('b');
    const pool = new Pool('gemini-cli', [a, b], settings({ strategy: 'fill_first' }));
    a.record({ kind: 'rate_limited', status: 429, message: 'quota', retryAfterMs: 5000, model: 'gemini-2.5-pro' }, 0, pool.settings);
    expect(a.state.health).toBe('healthy');
    expect(a.available(1000, 'gemini-2.5-pro')).toBe(false);
    expect(a.available(1000, 'smart')).toBe(false);
    expect(a.available(1000, 'gemini-2.5-flash')).toBe(true);
    expect(pool.pick('gemini-2.5-pro', {}, 1000)!.name).toBe('b');
    expect(pool.pick('gemini-2.5-flash', {}, 1000)!.name).toBe('a');
    b.record({ kind: 'rate_limited', status: 429, message: 'quota', retryAfterMs: 9000, model: 'gemini-2.5-pro' }, 1000, pool.settings);
    expect(pool.pick('gemini-2.5-pro', {}, 1000)).toBeUndefined();
    expect(pool.unavailable('gemini-2.5-pro', 1000).retryAfterMs).toBe(4000);
    expect(a.available(5000, 'gemini-2.5-pro')).toBe(true);
  });

  test('a 429 without a model still cools the whole member', () => {
    const a = member('a');
    a.record({ kind: 'rate_limited', status: 429, message: 'x', retryAfterMs: 5000 }, 0, settings());
    expect(a.state.health).toBe('cooling');
    expect(a.available(1000, 'anything')).toBe(false);
  });
});
