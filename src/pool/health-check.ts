import type { CanonicalRequest } from '../core/index.ts';
import { ProxyError } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import { codecs } from '../protocols/index.ts';
import { outcomeOfInfo } from '../proxy/failover.ts';
import { readLimited, upstreamRequestTimeout } from '../upstream/fetch.ts';
import { followRedirects } from '../upstream/redirects.ts';
import { resending } from '../upstream/resend.ts';
import { credentialsOf, scrubSecrets } from '../upstream/scrub.ts';
import type { Logger } from '../util/log.ts';
import type { Member, Outcome } from './member.ts';
import type { Pool } from './pool.ts';

const CHECK_TIMEOUT_MS = 30_000;

/** A cheap model per provider when a member names no health_check_model. */
const DEFAULT_CHECK_MODEL: Record<ProviderName, string> = {
  'openai-custom': 'gpt-4o-mini',
  'claude-custom': 'claude-haiku-4-5',
  'gemini-cli': 'gemini-2.5-flash-lite',
  'gemini-cli-oauth': 'gemini-2.5-flash-lite',
  'openaiResponses-custom': 'gpt-4.1-mini',
};

export interface HealthCheckDeps {
  pools: ReadonlyMap<ProviderName, Pool>;
  fetch: typeof fetch;
  log: Logger;
  intervalMs: number;
}

/**
 * Active checks: every interval, a one-word request to each member that is cooling down or unhealthy
 * and whose cooldown is over, so it comes back without waiting for a real request to risk it.
 * Jittered, one check at a time per member, never a storm. Returns a stop function.
 */
export function startHealthChecks(deps: HealthCheckDeps): () => void {
  if (deps.intervalMs <= 0) return () => {};
  const checking = new Set<Member>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const tick = (): void => {
    const now = Date.now();
    for (const pool of deps.pools.values()) {
      for (const m of pool.members) {
        if (m.spec.disabled || m.state.health === 'healthy' || checking.has(m) || m.probing || now < m.state.cooldownUntil) continue;
        checking.add(m);
        const t = setTimeout(() => {
          timers.delete(t);
          void checkMember(m, pool, deps).finally(() => checking.delete(m));
        }, Math.random() * Math.min(deps.intervalMs, 5_000) * 0.5);
        t.unref?.();
        timers.add(t);
      }
    }
  };
  const interval = setInterval(tick, deps.intervalMs);
  interval.unref?.();
  return () => {
    clearInterval(interval);
    for (const t of timers) clearTimeout(t);
  };
}

/** Checks one member, unless a real request took its probe meanwhile (the jitter leaves time): then undefined. */
export async function checkMember(m: Member, pool: Pool, deps: Pick<HealthCheckDeps, 'fetch' | 'log'>): Promise<Outcome | undefined> {
  const probe = m.beginCheck(Date.now());
  if (!probe) return undefined;
  const adapter = m.spec.adapter;
  // Through the member's model_map, as a real request's model goes: an alias unmapped would test nothing.
  const model = m.upstreamModel(m.spec.healthCheckModel ?? DEFAULT_CHECK_MODEL[m.spec.provider]);
  const req: CanonicalRequest = {
    model,
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }],
    tools: [],
    maxTokens: 16,
    stream: false,
    extras: {},
  };
  let outcome: Outcome;
  try {
    const body = codecs[adapter.protocol].encodeRequest(req, { model, defaultMaxTokens: 16 });
    const r = await adapter.generate(model, 'unary', JSON.stringify(body));
    const init = { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS), redirect: 'manual', proxy: r.proxy } as RequestInit;
    // A stale pooled connection would mark a healthy member down: sent again as a request's is.
    const send = resending(deps.fetch);
    const res = await followRedirects(await send(r.url, init), r.url, init, send);
    if (res.status === 408) {
      // The check did not reach the model: no sign of health, nor (as a client error would be) a recovery.
      await res.body?.cancel();
      throw upstreamRequestTimeout(r.url);
    }
    if (res.ok) {
      // Only the status counts: the body is not read (a hostile upstream could make it any size).
      await res.body?.cancel();
      outcome = { kind: 'success' };
    } else {
      // Fetched directly, not through callUpstream: the body is scrubbed here as it scrubs a request's
      // (an echoed key, OpenAI's starred-out one), since its message is logged and kept as lastError.
      const text = scrubSecrets(await readLimited(res), credentialsOf(r));
      outcome = checked(outcomeOfInfo(codecs[adapter.protocol].decodeError(res.status, text, res.headers)), model);
    }
  } catch (e) {
    // The adapter's own refusal before anything was sent is judged as a request's: a Google sign-in
    // refused for good (invalid_grant) leaves the member unhealthy (401), not cooling as after a 502
    // (a revoked grant shown as a passing fault hides it: lidge-jun/opencodex#4120, UsefulSoftwareCo/executor#1316).
    outcome =
      e instanceof ProxyError
        ? checked(outcomeOfInfo(e.info), model)
        : { kind: 'server_error', status: 502, message: `health check failed: ${(e as Error).message}` };
  }
  m.record(outcome, Date.now(), pool.settings, probe);
  // Why a check failed, so the operator need not wait for a real request to find out.
  const error = outcome.kind === 'success' || outcome.kind === 'client_error' ? undefined : outcome.message;
  deps.log.info('health check', { provider: m.spec.provider, member: m.name, result: outcome.kind, health: m.state.health, error });
  return outcome;
}

/** A quota scoped to a model is the check model's, however Google names it (as in failover). */
function checked(o: Outcome, model: string): Outcome {
  return o.kind === 'rate_limited' && o.model ? { ...o, model } : o;
}
