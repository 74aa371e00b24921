import { ProxyError } from '../core/errors.ts';

/**
 * Upstream calls are made with `redirect: 'manual'` and their redirects followed here, because Bun's own
 * following sends the request's headers to wherever the Location points and drops only `authorization`
 * on the way: an upstream (or a misconfigured gateway in front of it) that redirects to another host got
 * the operator's x-api-key or x-goog-api-key (measured, Bun 1.4.5). So a redirect is followed only within
 * the same origin (scheme, host and port), where the key was going anyway; and only when it keeps the
 * method, since a 301, 302 or 303 turns a POST into a body-less GET that no API answers sensibly. Anything
 * else is a 502 that says where the upstream pointed, so the operator can set the base URL to it.
 */
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 5;

export function isRedirect(res: Response): boolean {
  return REDIRECT.has(res.status) && res.headers.has('location');
}

/**
 * Follows `res`, a redirect answer to `init` sent to `url`, while it stays on the same origin; resolves
 * with the first answer that is no redirect. `init` must have `redirect: 'manual'` and a body that can be
 * sent again (text or bytes, as every upstream call's is).
 */
export async function followRedirects(res: Response, url: string, init: RequestInit, fetchFn: typeof fetch): Promise<Response> {
  for (let hop = 1; isRedirect(res); hop++) {
    res.body?.cancel().catch(() => {});
    const target = URL.parse(res.headers.get('location')!, url);
    const from = URL.parse(url);
    if (!target || !from) throw refused(res.status, url, 'an address that is not a URL');
    const method = (init.method ?? 'GET').toUpperCase();
    const keepsMethod = res.status === 307 || res.status === 308 || method === 'GET' || method === 'HEAD';
    if (target.origin !== from.origin || !keepsMethod) throw refused(res.status, url, shown(target));
    if (hop > MAX_HOPS) throw new ProxyError({ kind: 'api_error', status: 502, message: `upstream ${from.host} redirected more than ${MAX_HOPS} times` });
    url = target.href;
    res = await fetchFn(url, init);
  }
  return res;
}

function refused(status: number, url: string, to: string): ProxyError {
  const host = URL.parse(url)?.host ?? 'upstream';
  return new ProxyError({
    kind: 'api_error',
    status: 502,
    message:
      `upstream ${host} redirected (${status}) to ${to}; aiproxy follows an upstream's redirects only to the same ` +
      'address with the same method, so that its key goes nowhere else: set the base URL to where it points',
  });
}

/** The target without its query or credentials, which may carry a token. */
function shown(target: URL): string {
  return `${target.protocol}//${target.host}${target.pathname}`;
}
