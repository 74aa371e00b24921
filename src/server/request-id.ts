import { randomId } from '../core/ids.ts';

// Unique per process, and across restarts by the random part; a counter is cheaper than random bytes per request.
const PROCESS_PART = randomId(14);
let sequence = 0;

/** Ids a client may choose: echoed in a response header and written to logs, so nothing that could break either. */
const USABLE = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The client's `x-request-id` when it is a plain token, otherwise a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && USABLE.test(given) ? given : `req_${PROCESS_PART}${(++sequence).toString(36).padStart(6, '0')}`;
}

/**
 * Sets headers on a response, copying it first when its headers are immutable (a fetch() response).
 * `more` (the CORS headers) is a second, shared record rather than merged in, so that no object is built
 * per request. Set on the Response itself, never through Elysia's `set.headers`, which would make
 * Elysia re-wrap a streamed body (docs: bun-elysia-notes §1.2).
 */
export function withHeaders(res: Response, headers: Readonly<Record<string, string>>, more?: Readonly<Record<string, string>>): Response {
  try {
    setAll(res.headers, headers, more);
    return res;
  } catch {
    const copy = new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
    setAll(copy.headers, headers, more);
    return copy;
  }
}

function setAll(target: Headers, headers: Readonly<Record<string, string>>, more: Readonly<Record<string, string>> | undefined): void {
  for (const k in headers) target.set(k, headers[k]!);
  if (more) for (const k in more) target.set(k, more[k]!);
}

/**
 * A Server-Timing header value: what aiproxy itself took (total minus the wait for upstream headers),
 * and that wait, in milliseconds.
 */
export function serverTiming(totalMs: number, upstreamMs: number): string {
  const own = Math.max(0, totalMs - upstreamMs);
  return `aiproxy;dur=${own.toFixed(1)};desc="proxy overhead", upstream;dur=${upstreamMs.toFixed(1)};desc="upstream response time"`;
}
