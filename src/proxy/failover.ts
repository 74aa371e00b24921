import { ProxyError, type ProxyErrorInfo } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import type { Outcome } from '../pool/member.ts';
import { ClientGoneError } from '../upstream/fetch.ts';
import { isRecord } from '../util/json.ts';
import type { AppContext } from './context.ts';
import type { DoneFields, GenerateInput } from './generate.ts';

/** Statuses worth another member: rate limits, auth failures of this account, upstream faults. */
export function isRetryable(status: number): boolean {
  return status === 429 || status === 401 || status === 403 || status >= 500;
}

/**
 * Thrown by an attempt whose upstream failed before any byte reached the client, when the request may
 * still go elsewhere. `respond` renders this failure should it turn out to be the last one.
 */
export class RetryNext extends Error {
  constructor(
    readonly info: ProxyErrorInfo,
    readonly outcome: Outcome,
    readonly respond: () => Response,
  ) {
    super(info.message);
  }
}

export function outcomeOfInfo(info: ProxyErrorInfo): Outcome {
  return outcomeOf({ status: info.status, error: info.message, retryAfter: info.retryAfter, quotaModel: info.quotaModel });
}

/** How a finished request counts for the member that served it. */
export function outcomeOf(f: Pick<DoneFields, 'status' | 'error' | 'retryAfter' | 'quotaModel'>): Outcome {
  const message = f.error ?? `HTTP ${f.status}`;
  if (f.status < 400) {
    // A stream the upstream broke off counts against it; one the client left does not.
    return f.error && f.error !== 'client disconnected' ? { kind: 'server_error', status: 502, message } : { kind: 'success' };
  }
  // Also a 503 that names its model: Google out of capacity for one model (MODEL_CAPACITY_EXHAUSTED)
  // says nothing about the account, which must go on serving its other models.
  if (f.status === 429 || (f.status === 503 && f.quotaModel)) {
    const limited: Outcome = { kind: 'rate_limited', status: f.status, message, retryAfterMs: f.retryAfter === undefined ? undefined : f.retryAfter * 1000 };
    return f.quotaModel ? { ...limited, model: f.quotaModel } : limited;
  }
  if (f.status === 401 || f.status === 403) return { kind: 'auth_failed', status: f.status, message };
  if (f.status >= 500 && f.status !== 501) return { kind: 'server_error', status: f.status, message };
  return { kind: 'client_error', status: f.status };
}

/** An exception out of an attempt, as the member's outcome. */
export function thrownOutcome(e: unknown): Outcome {
  if (e instanceof ProxyError) return outcomeOfInfo(e.info);
  if (e instanceof ClientGoneError) return { kind: 'client_error', status: 499 };
  // Our own bug or bad input: not the member's fault.
  return { kind: 'client_error', status: 500 };
}

export function once<A>(fn: (a: A) => void): (a: A) => void {
  let done = false;
  return (a) => {
    if (done) return;
    done = true;
    fn(a);
  };
}

/** Session affinity key: `X-Session-Id`, else Anthropic's `metadata.user_id`. */
export function sessionKeyOf(input: GenerateInput): string | undefined {
  const header = input.request.headers.get('x-session-id');
  if (header) return header;
  const meta = input.body.metadata;
  return isRecord(meta) && typeof meta.user_id === 'string' ? meta.user_id : undefined;
}

/** The fast answer when no member of any provider in the chain can take the request right now. */
export function noMemberAvailable(ctx: AppContext, chain: ProviderName[], model: string): ProxyError {
  const pools = chain.flatMap((p) => (ctx.pools.get(p) ? [ctx.pools.get(p)!] : []));
  if (!pools.some((p) => p.members.some((m) => !m.spec.disabled && m.serves(model)))) {
    return new ProxyError({ kind: 'not_found', code: 'model_not_found', message: `model ${model} is not offered by provider ${chain.join(', ')} (see its members' models lists)` });
  }
  const states = pools.map((p) => p.unavailable(model));
  const waits = states.flatMap((s) => (s.retryAfterMs === undefined ? [] : [s.retryAfterMs]));
  const retryAfter = waits.length ? Math.max(1, Math.ceil(Math.min(...waits) / 1000)) : 1;
  const busy = states.some((s) => s.busy);
  return new ProxyError({
    kind: 'rate_limit',
    retryAfter,
    message: busy
      ? `every account of ${chain.join(', ')} is at its max_concurrency; retry in ${retryAfter} s`
      : `every account of ${chain.join(', ')} is cooling down after errors or rate limits; retry in ${retryAfter} s`,
  });
}
