/**
 * CORS for browser clients (web UIs, Electron renderers), opt-in through cors_origin. Off, nothing here
 * runs: a proxy on localhost holding the default key must not be callable from any page its user visits.
 * No credentials mode: clients authenticate by header, never by cookie, so `*` is a valid answer.
 */

/** What a configuration allows, built once per configuration so a request costs one lookup. */
export interface Cors {
  readonly any: boolean;
  /** Per allowed origin, the headers of an actual response to it, shared by every such response. */
  readonly allowed: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export const CORS_METHODS = 'GET, POST, DELETE, OPTIONS';

/**
 * What browser code may read of a response: our request id, the upstream's, the retry hints and the
 * rate-limit headers the SDKs and UIs look at (src/upstream/fetch.ts relays them). Listed by name
 * rather than `*`, which browsers before 2019-2020 take for a header called "*".
 */
export const CORS_EXPOSE = [
  'x-request-id', 'request-id', 'x-upstream-request-id', 'server-timing', 'retry-after', 'retry-after-ms', 'x-should-retry',
  'openai-processing-ms',
  'x-ratelimit-limit-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-requests', 'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens',
  'anthropic-ratelimit-requests-limit', 'anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-limit', 'anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset',
  'anthropic-ratelimit-input-tokens-limit', 'anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset',
  'anthropic-ratelimit-output-tokens-limit', 'anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset',
].join(', ');

const ANY: Readonly<Record<string, string>> = { 'access-control-allow-origin': '*', 'access-control-expose-headers': CORS_EXPOSE };
/**
 * With a list, an answer depends on the Origin, so every answer says so, those without the allow headers
 * too: a cache must not hand a response made for a non-browser client (or another origin) to an allowed one.
 */
const VARY: Readonly<Record<string, string>> = { vary: 'Origin' };

/** The policy for cors_origin (settings.ts: `['*']`, exact origins, or empty); undefined when CORS is off. */
export function corsPolicy(origins: readonly string[]): Cors | undefined {
  if (origins.length === 0) return undefined;
  if (origins.includes('*')) return { any: true, allowed: new Map() };
  const allowed = new Map<string, Readonly<Record<string, string>>>();
  for (const o of origins) allowed.set(o, { 'access-control-allow-origin': o, vary: 'Origin', 'access-control-expose-headers': CORS_EXPOSE });
  return { any: false, allowed };
}

/**
 * The headers an actual response carries. With `*` they are the same for every request, Origin or not,
 * so nothing varies; with a list, an origin not on it gets only `Vary`.
 */
export function corsHeaders(cors: Cors, request: Request): Readonly<Record<string, string>> {
  if (cors.any) return ANY;
  const origin = request.headers.get('origin');
  return (origin !== null && cors.allowed.get(origin)) || VARY;
}

/** Header names a browser lists in Access-Control-Request-Headers; anything else is not echoed. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method), or undefined for
 * any other OPTIONS, which is routed as before. It comes before authentication: browsers never send
 * credentials on a preflight, so requiring the key would refuse every browser client.
 *
 * An origin not allowed gets 204 without the allow headers rather than 403: the browser then reports
 * "No 'Access-Control-Allow-Origin' header is present", which points at cors_origin, where a 403 reads
 * as "preflight does not have HTTP ok status", which points nowhere useful. Either way the browser
 * refuses the request.
 */
export function preflight(cors: Cors, request: Request): Response | undefined {
  const h = request.headers;
  const origin = h.get('origin');
  if (origin === null || !h.has('access-control-request-method')) return undefined;
  const headers = new Headers(cors.any ? undefined : VARY);
  if (!cors.any && !cors.allowed.has(origin)) return new Response(null, { status: 204, headers });
  headers.set('access-control-allow-origin', cors.any ? '*' : origin);
  headers.set('access-control-allow-methods', CORS_METHODS);
  // Echoed rather than listed: the SDKs add headers (x-stainless-*, anthropic-beta, ...) release by
  // release, and `*` does not cover Authorization.
  const requested = h.get('access-control-request-headers')?.trim();
  if (requested && HEADER_LIST.test(requested)) headers.set('access-control-allow-headers', requested);
  // Chrome's Private Network Access asks before a public page may reach a proxy on localhost or the LAN.
  if (h.get('access-control-request-private-network') === 'true') headers.set('access-control-allow-private-network', 'true');
  headers.set('access-control-max-age', '86400');
  return new Response(null, { status: 204, headers });
}
