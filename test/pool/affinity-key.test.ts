import { describe, expect, test } from 'bun:test';
import { Member } from '../../src/pool/member.ts';
import { Pool } from '../../src/pool/pool.ts';
import { DEFAULT_POOL_SETTINGS } from '../../src/pool/settings.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { sessionKeyOf } from '../../src/proxy/failover.ts';

const member = (name: string): Member =>
  new Member({ name, provider: 'openai-custom', adapter: {} as ProviderAdapter, weight: 1, modelMap: {}, disabled: false, fingerprint: name });
const req = (sessionId?: string): Request =>
  new Request('http://proxy/v1/chat/completions', { method: 'POST', headers: sessionId === undefined ? {} : { 'x-session-id': sessionId } });
const HUGE = 's'.repeat(4 * 1024 * 1024);

describe('session affinity keys', () => {
  test('a key of megabytes is kept as a short digest, whichever field carried it', () => {
    for (const input of [
      { request: req(HUGE), body: {} },
      { request: req(), body: { metadata: { user_id: HUGE } } },
      { request: req(), body: { prompt_cache_key: HUGE } },
    ]) {
      const key = sessionKeyOf(input)!;
      expect(key.length).toBeLessThanOrEqual(16);
      expect(key).toBe(sessionKeyOf(input)!);
    }
  });

  test('the same session gets the same key, different sessions different ones, and an empty one none', () => {
    const a = sessionKeyOf({ request: req('conv-a'), body: {} });
    expect(sessionKeyOf({ request: req('conv-a'), body: { metadata: { user_id: 'other' }, prompt_cache_key: 'other' } })).toBe(a!);
    expect(sessionKeyOf({ request: req('conv-b'), body: {} })).not.toBe(a!);
    // The order of the sources is kept: user_id before prompt_cache_key, and an empty user_id names none.
    expect(sessionKeyOf({ request: req(), body: { metadata: { user_id: 'u' }, prompt_cache_key: 'p' } })).toBe(sessionKeyOf({ request: req(), body: { metadata: { user_id: 'u' } } })!);
    expect(sessionKeyOf({ request: req(), body: { metadata: { user_id: '' }, prompt_cache_key: 'p' } })).toBeUndefined();
    expect(sessionKeyOf({ request: req(''), body: { prompt_cache_key: '' } })).toBeUndefined();
  });

  test('the pool remembers the digest, not the client key, and still keeps the session on its member', () => {
    const pool = new Pool('openai-custom', [member('a'), member('b'), member('c')], { ...DEFAULT_POOL_SETTINGS, affinity: true });
    const key = sessionKeyOf({ request: req(), body: { prompt_cache_key: HUGE } });
    const first = pool.pick('gpt-4o', { sessionKey: key }, 1)!;
    first.release({ kind: 'success' }, 1, pool.settings);
    for (let i = 0; i < 4; i++) {
      const m = pool.pick('gpt-4o', { sessionKey: sessionKeyOf({ request: req(), body: { prompt_cache_key: `s${HUGE.slice(1)}` } }) }, 2)!;
      expect(m.name).toBe(first.name);
      m.release({ kind: 'success' }, 2, pool.settings);
    }
    const remembered = [...(pool as unknown as { affinity: Map<string, string> }).affinity.keys()];
    expect(remembered).toEqual([key!]);
    expect(remembered[0]!.length).toBeLessThanOrEqual(16);
  });
});
