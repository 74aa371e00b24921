import { randomId } from '../core/ids.ts';

/** Ids a client may choose: echoed in a response header and written to logs, so nothing that could break either. */
const USABLE = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The client's `x-request-id` when it is a plain token, otherwise a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && USABLE.test(given) ? given : `req_${randomId(20)}`;
}

/** Sets headers on a response, copying it first when its headers are immutable (a fetch() response). */
export function withHeaders(res: Response, headers: Record<string, string>): Response {
  try {
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    return res;
  } catch {
    const copy = new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
    for (const [k, v] of Object.entries(headers)) copy.headers.set(k, v);
    return copy;
  }
}

/**
 * A Server-Timing header value: what aiproxy itself took (total minus the wait for upstream headers),
 * and that wait, in milliseconds.
 */
export function serverTiming(totalMs: number, upstreamMs: number): string {
  const own = Math.max(0, totalMs - upstreamMs);
  return `aiproxy;dur=${own.toFixed(1)};desc="proxy overhead", upstream;dur=${upstreamMs.toFixed(1)};desc="upstream response time"`;
}
