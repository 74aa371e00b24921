import { ProxyError, type ProxyErrorInfo } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import type { Member, Outcome } from '../pool/member.ts';
import type { Pool } from '../pool/pool.ts';
import type { Protocol } from '../protocols/index.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import { providerHeader, selectProvider } from '../routing/select-provider.ts';
import { ClientGoneError } from '../upstream/fetch.ts';
import { scrubSecrets } from '../upstream/scrub.ts';
import { isRecord } from '../util/json.ts';
import { currentRequest } from '../util/request-context.ts';
import { retryAfterFromHeaders } from '../util/retry-after.ts';
import type { AppContext } from './context.ts';
import { clientStatus, errorResponse } from './errors.ts';
import { CLIENT_STALLED } from './stream-pump.ts';

export interface DoneFields {
  provider?: string;
  /** The pool member that served the request. */
  member?: string;
  status: number;
  error?: string;
  /** Seconds, from the upstream's 429/503. */
  retryAfter?: number;
  /** The upstream model a 429's quota belongs to, when the upstream named it. */
  quotaModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** Upstream attempts made (failover included). */
  attempts?: number;
  /** The failure was the account's (ProxyErrorInfo.accountFault): the member rests as after a 401; false: the request's, even in a 401/403. */
  accountFault?: boolean;
}

/** One try against one pool member. */
export interface Attempt {
  adapter: ProviderAdapter;
  /** The model to send upstream (after the member's model_map). */
  model: string;
  /** When true, a retryable upstream failure throws RetryNext instead of answering the client. */
  canRetry: boolean;
  /** Reports how the attempt ended (once the stream is over, for a stream): releases the member, logs. */
  done: (fields: DoneFields) => void;
}

/** What the failover loop needs to know of a request, whatever it asks the upstream for. */
export interface FailoverInput {
  /** The protocol the client speaks: failures are rendered in it. */
  protocol: Protocol;
  request: Request;
  model: string;
  /** Provider named by the path prefix. */
  prefix?: string;
  /** The caller's key may use only these providers: fallbacks outside it are skipped. */
  allowedProviders?: ReadonlySet<ProviderName>;
  sessionKey?: string;
  /** Called once the request is over (stream end included), for the request log line. */
  onDone: (fields: DoneFields) => void;
  /** A provider whose pool cannot serve this kind of request; it is passed over before a member is taken. */
  skip?: (provider: ProviderName, pool: Pool) => boolean;
  /** The error when every provider was passed over (skip) and no member tried; else "no member available". */
  noneTried?: () => ProxyError | undefined;
}

export function selectProviderName(ctx: AppContext, input: { request: Request; prefix?: string; model?: string }): ProviderName {
  return selectProvider({
    header: providerHeader(input.request),
    prefix: input.prefix,
    model: input.model,
    configured: ctx.config.modelProviders,
    aliases: ctx.aliases,
  });
}

/** The providers a request routed to `name` may be served by, in order: it, then its fallbacks the key may use. */
export function providerChain(ctx: AppContext, name: ProviderName, allowed?: ReadonlySet<ProviderName>): ProviderName[] {
  const fallbacks = ctx.config.fallbacks[name];
  return fallbacks?.length ? [...new Set([name, ...fallbacks.filter((p) => !allowed || allowed.has(p))])] : [name];
}

/**
 * Runs a request against one pool member after another. A failure before the first byte (connect
 * error, 5xx, 429, 401/403) moves on to the next member, then along the provider's fallbacks, up to
 * pool.max_attempts; the last such failure is what the client gets.
 */
export async function withFailover(ctx: AppContext, input: FailoverInput, run: (attempt: Attempt) => Promise<Response>): Promise<Response> {
  const name = selectProviderName(ctx, input);
  const chain = providerChain(ctx, name, input.allowedProviders);
  const tried = new Set<Member>();
  const max = ctx.config.pool.maxAttempts;
  let last: RetryNext | undefined;
  // Who failed last: the log line of a request every attempt failed names that account.
  let lastTried: { provider: ProviderName; member: string } | undefined;
  // Why the last member was passed over, told once it is known whether another member is tried.
  let passedOver: PassedOver | undefined;
  // A stream ends outside the request; what it reports is blanked of the request's upstream credentials
  // all the same: a key echoed in an in-band error must not be kept as the member's last error (/pools,
  // pool.state_file) nor logged.
  const scope = currentRequest();
  const clean = (message: string): string => (scope?.secrets ? scrubSecrets(message, scope.secrets) : message);
  for (const provider of chain) {
    const pool = ctx.pools.get(provider);
    if (!pool) continue;
    // Checked before a member is taken: no attempt is spent (nor a cooling member's probe) on it.
    if (input.skip?.(provider, pool)) continue;
    for (;;) {
      if (tried.size >= max) break;
      const taken = pool.take(input.model, { exclude: tried, sessionKey: input.sessionKey });
      if (!taken) break;
      // `probe`: set when the member was on probation: this request is its half-open probe.
      const { member, probe } = taken;
      if (passedOver) movedOn(ctx, passedOver, true);
      passedOver = undefined;
      tried.add(member);
      let released = false;
      // A quota the upstream scoped to a model cools the model this member was asked for: Google may
      // name it differently (an alias such as gemini-flash-latest, a dated id, a models/ prefix).
      const release = once((o: Outcome) => {
        released = true;
        const outcome = 'message' in o ? { ...o, message: clean(o.message) } : o;
        member.release(outcome.kind === 'rate_limited' && outcome.model ? { ...outcome, model: member.upstreamModel(input.model) } : outcome, Date.now(), pool.settings, probe);
      });
      const attempt: Attempt = {
        adapter: member.spec.adapter,
        model: member.upstreamModel(input.model),
        canRetry: tried.size < max,
        done(f) {
          if (f.error) f.error = clean(f.error);
          release(outcomeOf(f));
          f.provider = provider;
          f.member = member.name;
          f.attempts = tried.size;
          input.onDone(f);
        },
      };
      lastTried = { provider, member: member.name };
      try {
        const res = await run(attempt);
        // A stream reports when it ends; the upstream accepting it already settles the probe.
        if (probe && !released && res.ok) member.accepted(probe);
        return res.status === 429 ? withSoonestRetry(ctx, input, chain, res) : res;
      } catch (e) {
        // The client left while the answer was being read (a whole body, a stream's opening): the read
        // fails then with whatever the cut connection gives (a body that "is not JSON", a stream that
        // broke off), which is the client's doing, not the member's. Counted as the upstream's fault, a
        // few Esc presses in Claude Code or Cline would cool a healthy account down and move the request
        // on to the next member for nobody (diegosouzapw/OmniRoute#7907, tombii/better-ccflare#360); an
        // upstream's own refusal (a 429, a 401) stays what it said.
        if (clientLeft(input.request, e)) {
          attempt.done({ status: 499, error: 'client disconnected' });
          throw new ClientGoneError();
        }
        if (e instanceof RetryNext) {
          release(e.outcome);
          last = e;
          passedOver = { provider, member, info: e.info, outcome: e.outcome };
          continue;
        }
        const outcome = thrownOutcome(e);
        release(outcome);
        if (attempt.canRetry && e instanceof ProxyError && outcome.kind !== 'client_error') {
          last = new RetryNext(e.info, outcome, () => errorResponse(input.protocol, e.info));
          passedOver = { provider, member, info: e.info, outcome };
          continue;
        }
        // Ended without an answer to relay (the client left; the last attempt unreachable or timed out):
        // the log line still names who and after how many attempts (done: the release is already made).
        if (e instanceof ClientGoneError) attempt.done({ status: 499, error: 'client disconnected' });
        else if (e instanceof ProxyError) attempt.done(failureFields(input.protocol, e.info));
        throw e;
      }
    }
  }
  if (passedOver) movedOn(ctx, passedOver, false);
  if (last) {
    input.onDone({ ...failureFields(input.protocol, last.info), provider: lastTried?.provider ?? name, member: lastTried?.member, attempts: tried.size });
    return withSoonestRetry(ctx, input, chain, last.respond());
  }
  const refusal = tried.size === 0 ? input.noneTried?.() : undefined;
  throw refusal ?? noMemberAvailable(ctx, chain, input.model);
}

/**
 * A failure that ends the request with a retry-after (a 429; after failover also a 503 or 529 that sent
 * one) says when to come back: the upstream's, unless a member of the chain comes back sooner (one
 * rate-limited earlier in this request or before it, with a shorter wait) and none could take the request
 * now: a retry then goes to that member, whatever the last one answered. The soonest then, as the fast 429 that follows says
 * (noMemberAvailable): the last member's 30 s after another's 2 s had an SDK wait for nothing. Only ever
 * shortened, never added where the upstream gave none (the client's own backoff stands). A Gemini
 * client's hint is in the body (RetryInfo), which goes as it came; so does its header, to agree with it.
 */
function withSoonestRetry(ctx: AppContext, input: FailoverInput, chain: ProviderName[], res: Response): Response {
  if (input.protocol === 'gemini') return res;
  const stated = retryAfterFromHeaders(res.headers);
  if (stated === undefined) return res;
  const now = Date.now();
  let soonestMs = Infinity;
  for (const provider of chain) {
    const pool = ctx.pools.get(provider);
    if (!pool || input.skip?.(provider, pool)) continue;
    if (pool.peek(input.model, now)) return res;
    soonestMs = Math.min(soonestMs, pool.unavailable(input.model, now).retryAfterMs ?? Infinity);
  }
  if (!(soonestMs < stated * 1000)) return res;
  res.headers.set('retry-after', String(Math.max(1, Math.ceil(soonestMs / 1000))));
  if (res.headers.has('retry-after-ms')) res.headers.set('retry-after-ms', String(Math.max(1, Math.ceil(soonestMs))));
  return res;
}

/**
 * Whether an attempt failed after the client went away, other than by the upstream's own answer (a
 * RetryNext carries a status the upstream sent; one made of a cut read is thrown as ClientGoneError).
 */
function clientLeft(request: Request, e: unknown): boolean {
  return request.signal.aborted && !(e instanceof ClientGoneError) && !(e instanceof RetryNext);
}

interface PassedOver {
  provider: ProviderName;
  member: Member;
  info: ProxyErrorInfo;
  outcome: Outcome;
}

/**
 * Says why a member was passed over: when the next one serves the request, its log line names only that
 * one, and the operator would not learn that an account's sign-in was revoked or its quota spent
 * (tombii/better-ccflare#110). A warning when the account needs the operator (auth, credit), whether or
 * not another member is tried (`next`); without a next member another failure is the request's own log
 * line's to tell. Upstream error text reaches here with the request's credentials scrubbed out
 * (upstream/fetch.ts).
 */
function movedOn(ctx: AppContext, { provider, member, info, outcome }: PassedOver, next: boolean): void {
  const fields = { provider, member: member.name, status: info.status, error: info.message };
  if (outcome.kind === 'auth_failed') ctx.log.warn(next ? 'upstream refused the account, trying the next member' : 'upstream refused the account', fields);
  else if (next) ctx.log.info('upstream failed, trying the next member', fields);
}

/**
 * Failures worth another member: rate limits, this account's own faults (auth, credit), upstream faults,
 * and a model this account cannot use. Which models an account may use differs between accounts of one
 * provider: Code Assist answers 404 for a preview model the account has no access to
 * (router-for-me/CLIProxyAPI#1325, google-gemini/gemini-cli#15036), OpenAI `model_not_found` for a model
 * the key's organisation lacks; another account may serve it. The member's health is untouched (a client
 * error), and a model no account has gets the last member's 404.
 */
export function isRetryable(info: Pick<ProxyErrorInfo, 'status' | 'kind' | 'accountFault' | 'code'>): boolean {
  return info.status === 429 || info.status >= 500 || isAccountFault(info) || (info.status === 404 && info.code === 'model_not_found');
}

function isAccountFault(info: Pick<ProxyErrorInfo, 'status' | 'kind' | 'accountFault'>): boolean {
  // Said either way by the upstream's body: a 402's, or a 403 moderation's (the request's).
  if (info.accountFault !== undefined) return info.accountFault;
  return info.status === 401 || info.status === 403 || info.kind === 'authentication' || info.kind === 'permission';
}

/**
 * How a failure is recorded (log line, metrics, the member's outcome): with the status the client
 * gets, which for Anthropic's 529 is 503 to the other protocols' clients.
 */
export function failureFields(protocol: Protocol, info: ProxyErrorInfo): DoneFields {
  const f: DoneFields = { status: clientStatus(protocol, info), error: info.message, retryAfter: info.retryAfter, quotaModel: info.quotaModel };
  if (isAccountFault(info)) f.accountFault = true;
  else if (info.accountFault === false) f.accountFault = false;
  return f;
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
  return outcomeOf({ status: info.status, error: info.message, retryAfter: info.retryAfter, quotaModel: info.quotaModel, accountFault: isAccountFault(info) });
}

/** How a finished request counts for the member that served it. */
export function outcomeOf(f: Pick<DoneFields, 'status' | 'error' | 'retryAfter' | 'quotaModel' | 'accountFault'>): Outcome {
  const message = f.error ?? `HTTP ${f.status}`;
  if (f.status < 400) {
    // A stream the upstream broke off counts against it; one the client left, or stopped reading, does not.
    return f.error && f.error !== 'client disconnected' && !f.error.startsWith(CLIENT_STALLED) ? { kind: 'server_error', status: 502, message } : { kind: 'success' };
  }
  // Also a 503 that names its model: Google out of capacity for one model (MODEL_CAPACITY_EXHAUSTED)
  // says nothing about the account, which must go on serving its other models.
  // A 429 that is the account's own fault (no credit left) rests it as an auth failure does, backing off.
  if ((f.status === 429 && !f.accountFault) || (f.status === 503 && f.quotaModel)) {
    const limited: Outcome = { kind: 'rate_limited', status: f.status, message, retryAfterMs: f.retryAfter === undefined ? undefined : f.retryAfter * 1000 };
    return f.quotaModel ? { ...limited, model: f.quotaModel } : limited;
  }
  if (f.accountFault ?? (f.status === 401 || f.status === 403)) return { kind: 'auth_failed', status: f.status, message };
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

/**
 * Session affinity key: `X-Session-Id`, else Anthropic's `metadata.user_id`, else `prompt_cache_key`;
 * as a 64-bit digest, since the pool keeps up to 10,000 of them for good and a client's own may be
 * megabytes long. Two sessions whose digests collide merely share a member, which any two may anyway.
 */
export function sessionKeyOf(input: { request: Request; body: Record<string, unknown> }): string | undefined {
  const meta = input.body.metadata;
  const userId = isRecord(meta) && typeof meta.user_id === 'string' ? meta.user_id : undefined;
  // OpenAI's cache routing key: Codex sets it to its conversation id, on every turn.
  const cacheKey = typeof input.body.prompt_cache_key === 'string' ? input.body.prompt_cache_key : undefined;
  const raw = input.request.headers.get('x-session-id') || (userId ?? cacheKey);
  // An empty key names no session, as before it was digested.
  return raw ? Bun.hash(raw).toString(36) : undefined;
}

/** The fast answer when no member of any provider in the chain can take the request right now. */
export function noMemberAvailable(ctx: AppContext, chain: ProviderName[], model: string): ProxyError {
  const pools = chain.flatMap((p) => (ctx.pools.get(p) ? [ctx.pools.get(p)!] : []));
  if (!pools.some((p) => p.members.some((m) => !m.spec.disabled && m.serves(model)))) {
    return new ProxyError({ kind: 'not_found', code: 'model_not_found', message: `model ${model} is not offered by provider ${chain.join(', ')} (see its members' models lists)` });
  }
  const states = pools.map((p) => p.unavailable(model));
  const waits = states.flatMap((s) => (s.retryAfterMs === undefined ? [] : [s.retryAfterMs]));
  const busy = states.some((s) => s.busy);
  // A busy member frees its slot as soon as one of its requests ends, however long the others cool down.
  const retryAfter = !busy && waits.length ? Math.max(1, Math.ceil(Math.min(...waits) / 1000)) : 1;
  return new ProxyError({
    kind: 'rate_limit',
    retryAfter,
    message: busy
      ? `every account of ${chain.join(', ')} is at its max_concurrency; retry in ${retryAfter} s`
      : `every account of ${chain.join(', ')} is cooling down after errors or rate limits; retry in ${retryAfter} s`,
  });
}
