/**
 * How soon a failure must come for it to be a stale pooled connection's: the upstream (or the nginx or
 * load balancer before it, which close idle ones after 5-75 s) had closed it just as the request went out.
 * One that comes later means the upstream had the request a while and was working on it (a load
 * balancer's cut, a crash): sent again, it would run, and be billed, twice.
 */
export const STALE_CONNECTION_MS = 1000;

/**
 * `fetchFn` that sends a request once more, at once, on a new connection (keepalive: false takes none
 * from the pool), when the pooled connection it went down turned out stale:
 * - it was closed or reset with no answer at all: Bun's fetch does not send it again (bun 1.4.5), and the
 *   client got a sporadic 502, a pool member a strike, a health check a healthy member marked down
 *   (manaflow-ai/subrouter#90, cnighswonger/claude-code-cache-fix#371);
 * - it was answered 408 Request Timeout: Node's http server (on its headers timeout), nginx and some
 *   load balancers answer a reused idle connection so and close it, and RFC 9110 §15.5.9 lets the client
 *   repeat the request on a new one (a 408 says the request was not taken).
 * Only a failure within STALE_CONNECTION_MS of sending, only once, and not after the caller gave up
 * (its signal). The body must be text or bytes, to be sent again, as every upstream call's is; a
 * deadline on the signal runs on over both tries.
 */
export function resending(fetchFn: typeof fetch): typeof fetch {
  const send = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const started = performance.now();
    const quick = (): boolean => !init?.signal?.aborted && performance.now() - started <= STALE_CONNECTION_MS;
    let res: Response;
    try {
      res = await fetchFn(url, init);
    } catch (e) {
      if (!connectionClosed(e) || !quick()) throw e;
      return fetchFn(url, { ...init, keepalive: false });
    }
    if (res.status !== 408 || !quick()) return res;
    res.body?.cancel().catch(() => {});
    return fetchFn(url, { ...init, keepalive: false });
  };
  return send as typeof fetch;
}

/** The connection closed or was reset with no response to the request (not refused, not timed out). */
function connectionClosed(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
