import type { Config } from '../config/types.ts';
import type { Cors } from './cors.ts';

/**
 * While the public default key (123456) opens the proxy, a web page the user visits could use it: a
 * "simple" cross-origin POST (text/plain, the key in ?key=) needs no preflight, so CORS being off does
 * not stop it from spending the upstream quota, and a page that rebinds its own host name to 127.0.0.1
 * reads the answers too. Such requests are refused here. SDKs and coding tools send neither Origin nor
 * Sec-Fetch-Site and are not affected; a browser client on an allowed cors_origin is.
 *
 * Undefined when the guard does not apply (a key of the operator's own is set): then a page would need
 * the key, and the check costs nothing per request.
 */
export function browserGuard(config: Config): ((request: Request, cors: Cors | undefined) => string | undefined) | undefined {
  if (!config.apiKeyIsDefault || config.apiKeys.length > 0) return undefined;
  const loopbackOnly = isLoopback(config.host);
  return (request, cors) => {
    const headers = request.headers;
    const origin = headers.get('origin');
    if (origin !== null && !(cors && (cors.any || cors.allowed.has(origin)))) return REFUSED;
    if (origin === null && headers.get('sec-fetch-site') === 'cross-site') return REFUSED;
    // A rebound name reaches a loopback listener with its own Host; clients on this machine name it by loopback.
    if (loopbackOnly && !isLoopbackHost(headers.get('host'))) return REBOUND;
    return undefined;
  };
}

const REFUSED =
  'requests from web pages are refused while the proxy uses the public default key 123456: set api_key (and cors_origin for a browser client)';
const REBOUND = 'the Host header does not name this machine; with the public default key 123456 only loopback names are accepted: set api_key';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** `localhost:3000`, `127.0.0.1:3000`, `[::1]:3000`, with or without the port; absent (HTTP/1.0) passes. */
function isLoopbackHost(host: string | null): boolean {
  if (host === null) return true;
  const name = (host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '')).toLowerCase().replace(/\.$/, '');
  return isLoopback(name) || name.endsWith('.localhost') || name === '0:0:0:0:0:0:0:1';
}
