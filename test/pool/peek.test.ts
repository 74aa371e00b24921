import { describe, expect, test } from 'bun:test';
import { Member, type MemberSpec } from '../../src/pool/member.ts';
import { Pool } from '../../src/pool/pool.ts';
import { DEFAULT_POOL_SETTINGS } from '../../src/pool/settings.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';

const member = (name: string, extra: Partial<MemberSpec> = {}): Member =>
  new Member({ name, provider: 'gemini-cli', adapter: {} as ProviderAdapter, weight: 1, modelMap: {}, disabled: false, fingerprint: name, ...extra });
const s = DEFAULT_POOL_SETTINGS;

/** Pool.peek: who could take a model now, for a call on the side (a token count) that must not change the pool. */
describe('Pool.peek', () => {
  test('skips disabled, cooling and model-cooled members and those that do not serve the model', () => {
    const [off, cooling, spent, other, ok] = [member('off', { disabled: true }), member('cooling'), member('spent'), member('other', { models: new Set(['x']) }), member('ok')];
    cooling.record({ kind: 'rate_limited', status: 429, message: 'slow down', retryAfterMs: 60_000 }, 1000, s);
    spent.record({ kind: 'rate_limited', status: 429, message: 'quota', retryAfterMs: 60_000, model: 'gemini-2.5-pro' }, 1000, s);
    const pool = new Pool('gemini-cli', [off, cooling, spent, other, ok], s);
    expect(pool.peek('gemini-2.5-pro', 2000)?.name).toBe('ok');
    expect(pool.peek('gemini-2.5-flash', 2000)?.name).toBe('spent');
    ok.record({ kind: 'auth_failed', status: 401, message: 'bad key' }, 1000, s);
    expect(pool.peek('gemini-2.5-pro', 2000)).toBeUndefined();
  });

  test("an alias: a member that defines it, not one that would send it upstream as it is", () => {
    const [plain, mapping] = [member('plain'), member('mapping', { modelMap: { smart: 'gemini-2.5-pro' } })];
    const pool = new Pool('gemini-cli', [plain, mapping], s);
    expect(pool.peek('smart', 2000)?.name).toBe('mapping');
    expect(pool.peek('gemini-2.5-flash', 2000)?.name).toBe('plain');
  });

  test('takes neither a slot nor the half-open probe; prefers a healthy member to one due for its probe', () => {
    const [due, healthy] = [member('due'), member('healthy', { maxConcurrency: 1 })];
    due.record({ kind: 'server_error', status: 500, message: 'x' }, 0, { ...s, errorThreshold: 1 });
    const pool = new Pool('gemini-cli', [due, healthy], s);
    const later = 24 * 3600_000;
    // At its max_concurrency still: a side call takes no slot.
    healthy.acquire(later);
    expect(pool.peek('m', later)?.name).toBe('healthy');
    healthy.release({ kind: 'success' }, later, s);
    const alone = new Pool('gemini-cli', [due], s);
    expect(alone.peek('m', later)?.name).toBe('due');
    expect(due.inflight).toBe(0);
    expect(due.probing).toBe(false);
    // The probe is still there for a real request.
    expect(alone.pick('m', {}, later)?.name).toBe('due');
    expect(due.probing).toBe(true);
  });
});
