import { ProxyError } from '../core/errors.ts';
import type { UpstreamRequest } from '../providers/types.ts';
import { currentRequest, type RequestScope } from '../util/request-context.ts';
import { ConnectTimeoutError } from './connect-timeout.ts';
import { followRedirects } from './redirects.ts';
import { resending } from './resend.ts';
import { credentialsOf, scrubSecrets } from './scrub.ts';

export interface CallOptions {
  /** The client request's signal: a client that goes away aborts the upstream call, before or after headers. */
  signal: AbortSignal;
  /** How long to wait for the upstream's response headers (0 = no limit). Reasoning models think long before answering. */
  headersTimeoutMs: number;
  /** How long an error body may stall between chunks (0 = no limit): timeouts.idle_ms. */
  bodyIdleMs?: number;
  fetch?: typeof fetch;
}

/** Thrown when the client disconnected; there is nobody left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGoneError';
  }
}

/**
 * Calls an upstream. Resolves with the Response as soon as headers arrive (the body is not read).
 * Network failures become 502, a connect or header timeout 504, with messages that name the host, never
 * the key. What no client should get is settled here, for every caller: an error body is read (up to
 * 1 MiB) and returned with the request's credentials scrubbed out of it, and a 200 that is an HTML page
 * (a wrong base URL, a captive portal) is a 502.
 */
export async function callUpstream(req: UpstreamRequest, opts: CallOptions): Promise<Response> {
  // One controller aborted by the client leaving or by the headers deadline. AbortSignal.any would do the
  // same, but under load it cost about a tenth of a relayed request's CPU (bun 1.4).
  const upstream = new AbortController();
  let timedOut = false;
  const timer =
    opts.headersTimeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          upstream.abort();
        }, opts.headersTimeoutMs)
      : undefined;
  if (opts.signal.aborted) upstream.abort(opts.signal.reason);
  // The client's request, and with it this listener, goes away when the exchange ends.
  else opts.signal.addEventListener('abort', () => upstream.abort(opts.signal.reason), { once: true });
  const signal = upstream.signal;
  const scope = currentRequest();
  if (scope) rememberSecrets(scope, credentialsOf(req));
  const started = performance.now();
  let res: Response;
  const init = {
    method: req.method,
    headers: req.headers,
    body: req.body,
    signal,
    // Followed in followRedirects, which keeps the key from going to another host.
    redirect: 'manual',
    // Bun's own idle timeout (5 min) would cut long generations; our deadlines are explicit instead.
    timeout: false,
    // Unset for most requests, which then take the environment's proxy, if any.
    proxy: req.proxy,
  } as RequestInit;
  // A stale pooled connection (closed, reset, or answered 408 as the request went out) is sent again once.
  const fetchFn = resendingFor(opts.fetch ?? fetch);
  try {
    res = await fetchFn(req.url, init);
    if (res.status >= 301 && res.status <= 308) res = await followRedirects(res, req.url, init, fetchFn);
  } catch (e) {
    if (opts.signal.aborted) throw new ClientGoneError();
    if (e instanceof ProxyError) throw e;
    const host = safeHost(req.url);
    if (e instanceof ConnectTimeoutError) throw new ProxyError({ kind: 'timeout', message: e.message });
    if (timedOut) {
      throw new ProxyError({
        kind: 'timeout',
        message: `upstream ${host} did not answer within ${opts.headersTimeoutMs / 1000} s (timeouts.headers_ms)`,
      });
    }
    const via = req.proxy ? ` through the outbound proxy ${safeHost(req.proxy)}` : '';
    throw new ProxyError({ kind: 'api_error', status: 502, message: `could not reach upstream ${host}${via}: ${reason(e)}` });
  } finally {
    clearTimeout(timer);
    if (scope) scope.upstreamMs += performance.now() - started;
  }
  if (res.status === 407) {
    // The operator's proxy, not the upstream, refused: its body is not the client's business.
    res.body?.cancel().catch(() => {});
    const proxy = req.proxy ? `the outbound proxy ${safeHost(req.proxy)} (proxy_url)` : 'the outbound proxy (HTTPS_PROXY / HTTP_PROXY)';
    throw new ProxyError({ kind: 'api_error', status: 502, message: `${proxy} refused the request: 407 Proxy Authentication Required; check its credentials` });
  }
  if (res.status === 408) {
    res.body?.cancel().catch(() => {});
    throw upstreamRequestTimeout(req.url);
  }
  // A whole-body read can abort this call when the body stalls (readBody's fast path).
  aborters.set(res, upstream);
  if (!res.ok) return scrubbed(res, credentialsOf(req), opts.bodyIdleMs ?? 0);
  if (HTML.test(res.headers.get('content-type') ?? '')) {
    res.body?.cancel().catch(() => {});
    throw new ProxyError({
      kind: 'api_error',
      status: 502,
      message: `upstream ${safeHost(req.url)} answered with an HTML page instead of an API response (wrong base URL, or a proxy or login page in between?)`,
    });
  }
  return res;
}

const HTML = /^\s*(text\/html|application\/xhtml)/i;

/** Each fetch's resending wrapper, made once: it is on every request's path. */
const resendingFetches = new WeakMap<typeof fetch, typeof fetch>();
function resendingFor(fetchFn: typeof fetch): typeof fetch {
  let wrapped = resendingFetches.get(fetchFn);
  if (!wrapped) resendingFetches.set(fetchFn, (wrapped = resending(fetchFn)));
  return wrapped;
}

/**
 * An upstream's 408 Request Timeout that resending did not cure (it came late, or again on a new
 * connection): the upstream, or a load balancer before it, gave up receiving the request. That is no
 * fault of the client's request, which a 408 relayed would tell its SDK (and the SDK retries 408 on the
 * same proxy anyway): a 502, an upstream failure the next member may serve (failover), charged to this one.
 */
export function upstreamRequestTimeout(url: string): ProxyError {
  return new ProxyError({
    kind: 'api_error',
    status: 502,
    message: `upstream ${safeHost(url)} answered 408 Request Timeout: it, or a load balancer before it, gave up waiting for the request`,
  });
}

/** Adds an upstream call's credentials to its request's, for what goes back to the client (RequestScope.secrets). */
function rememberSecrets(scope: RequestScope, credentials: string[]): void {
  for (const c of credentials) {
    if (!scope.secrets) scope.secrets = [c];
    else if (!scope.secrets.includes(c)) scope.secrets.push(c);
  }
}
/** Each upstream response's call, for a body read that cannot cancel a stream it never made to abort. */
const aborters = new WeakMap<Response, AbortController>();
/**
 * Bodies up to this size, of a length the upstream stated and without a content coding, are read whole
 * by Bun (`res.bytes()`) rather than through a JavaScript stream: 6-20 µs less per request at the socket
 * level for a 600-byte answer. The stated length bounds what arrives; a coded body does not (its length
 * is the compressed one), so it goes through the counting reader.
 */
const WHOLE_READ_BYTES = 1024 * 1024;
// Whole buffers only, so one decoder serves every call.
const utf8 = new TextDecoder();
const ERROR_BODY_LIMIT = 1024 * 1024;

/** The error response with its body read and any echoed credential blanked out. */
async function scrubbed(res: Response, secrets: string[], idleMs: number): Promise<Response> {
  const text = scrubSecrets(await readLimited(res, ERROR_BODY_LIMIT, idleMs), secrets);
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(text, { status: res.status, statusText: res.statusText, headers });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'upstream';
  }
}

function reason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  // What a socks5:// HTTPS_PROXY/HTTP_PROXY/ALL_PROXY gives (a proxy_url of that kind is refused at start-up).
  if (err.code === 'UnsupportedProxyProtocol') return "the outbound proxy in the environment is not an http:// or https:// one, the only kind Bun's fetch speaks";
  return err.code ?? err.message ?? 'connection failed';
}

/** Upstream response headers worth relaying; everything else (encoding, length, hop-by-hop, cookies) is dropped. */
const RELAYED = /^(content-type|retry-after|retry-after-ms|x-request-id|request-id|x-ratelimit-.*|anthropic-ratelimit-.*|openai-processing-ms|x-should-retry)$/;

/**
 * The headers of an upstream response a client may see. The upstream's x-request-id becomes
 * x-upstream-request-id: x-request-id is aiproxy's own, the id its log lines carry.
 */
export function relayHeaders(upstream: Headers): Headers {
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (!RELAYED.test(name)) return;
    out.set(name === 'x-request-id' ? 'x-upstream-request-id' : name, value);
  });
  return out;
}

/**
 * The controller of `res`'s call when its body may be read whole (see WHOLE_READ_BYTES), else undefined. Only
 * answers read whole: an error body is reported as far as it went, which a whole read cannot give.
 */
function wholeReadable(res: Response, limit: number): AbortController | undefined {
  const call = aborters.get(res);
  if (!call) return undefined;
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (!(length >= 0 && length <= WHOLE_READ_BYTES && length <= limit)) return undefined;
  const coding = res.headers.get('content-encoding');
  return coding === null || coding === 'identity' ? call : undefined;
}

/** The body read by Bun in one go; a body still not whole after `idleMs` aborts the call, a 504. */
async function readWhole(res: Response, call: AbortController, idleMs: number): Promise<Uint8Array> {
  let stalled = false;
  const timer =
    idleMs > 0
      ? setTimeout(() => {
          stalled = true;
          call.abort();
        }, idleMs)
      : undefined;
  try {
    return await res.bytes();
  } catch (e) {
    if (stalled) throw bodyStalled(idleMs);
    throw brokeOff(res, e);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A small answer's body read whole (see WHOLE_READ_BYTES), or undefined when it is not one Bun can read so
 * (no stated length, a larger one, a content coding): given up when silent for `idleMs`, a 502 when it
 * breaks off, before any of it is passed on.
 */
export function readSmall(res: Response, idleMs: number): Promise<Uint8Array> | undefined {
  const call = wholeReadable(res, WHOLE_READ_BYTES);
  return call && readWhole(res, call, idleMs);
}

/**
 * Reads at most `limit` bytes of an error body; a huge error page must not be buffered whole. A body
 * that breaks off is still worth reporting as far as it went.
 */
export async function readLimited(res: Response, limit = 64 * 1024, idleMs = 0): Promise<string> {
  return utf8.decode(await readBody(res, limit, idleMs, true));
}

/**
 * The most of a JSON answer read whole (a converted answer, a count, an embeddings batch: the largest,
 * as a batch of many long vectors runs to tens of MB). Past it the upstream is broken or hostile, and
 * the text, its parse and the re-encoding would hold several times as much.
 */
export const MAX_JSON_ANSWER_BYTES = 128 * 1024 * 1024;

/**
 * A whole body as text (a JSON answer to read), given up on when it stalls for `idleMs` (0 = never) or
 * runs past `limit` bytes: a 502, the read cancelled then.
 */
export async function readText(res: Response, idleMs: number, limit = MAX_JSON_ANSWER_BYTES): Promise<string> {
  return utf8.decode(await readBody(res, limit, idleMs, false));
}

/**
 * The body's bytes, up to `limit`: cut there when `partial` (an error body, worth reporting as far as
 * it went), else a 502 once it goes past. The headers deadline is over once a body is being read, so a
 * server that stalls mid-body would hold the request for ever: a silence of `idleMs` cancels the read
 * (and with it the upstream connection) with a 504 naming timeouts.idle_ms.
 */
async function readBody(res: Response, limit: number, idleMs: number, partial: boolean): Promise<Uint8Array> {
  // Before res.body is touched: that makes the JavaScript stream the whole read does without.
  const whole = partial ? undefined : wholeReadable(res, limit);
  if (whole) return readWhole(res, whole, idleMs);
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let stalled = false;
  const timer = idleMs > 0 ? setTimeout(() => ((stalled = true), reader.cancel().catch(() => {})), idleMs) : undefined;
  try {
    // A whole answer must be seen to end, so it reads on at exactly `limit`; a cut one need not.
    while (partial ? size < limit : size <= limit) {
      const { done, value } = await reader.read();
      if (done || stalled) break;
      timer?.refresh();
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (e) {
    if (!partial && !stalled) throw brokeOff(res, e, size);
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
  if (stalled) throw bodyStalled(idleMs);
  if (!partial && size > limit) {
    const from = res.url ? ` ${safeHost(res.url)}` : '';
    throw answerTooLarge(limit, from);
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  return size > limit ? bytes.subarray(0, limit) : bytes;
}

/** A body that went quiet for timeouts.idle_ms after its headers: the read is given up, a 504. */
export const bodyStalled = (idleMs: number): ProxyError =>
  new ProxyError({ kind: 'timeout', message: `upstream stopped sending its response for ${idleMs / 1000} s (timeouts.idle_ms)` });

/**
 * A body whose connection broke (reset, closed before its stated length or its last chunk) or whose
 * content coding would not decode: a 502 that says so and why, not Bun's bare TypeError, which a
 * converted answer reported as "not JSON" and a token count as an internal error.
 */
export function brokeOff(res: Response, e: unknown, size?: number): ProxyError {
  const from = res.url ? ` ${safeHost(res.url)}` : '';
  const after = size === undefined ? '' : ` after ${size} bytes`;
  return new ProxyError({ kind: 'api_error', status: 502, message: `upstream${from} broke off its answer${after}: ${reason(e)}` });
}

/** An answer read whole that runs past `limit` bytes: a broken or hostile upstream, a 502. `from`: " host", or "". */
export const answerTooLarge = (limit: number, from = ''): ProxyError =>
  new ProxyError({ kind: 'api_error', status: 502, message: `upstream${from} sent more than ${limit / (1024 * 1024)} MB in one answer` });
