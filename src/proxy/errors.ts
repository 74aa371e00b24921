import type { ProxyErrorInfo } from '../core/errors.ts';
import { codecs, type Protocol } from '../protocols/index.ts';

/**
 * An error response in the client's protocol. Anthropic's 529 (overloaded) is its own status; other
 * protocols' clients know 503 for the same thing.
 */
export function errorResponse(protocol: Protocol, err: ProxyErrorInfo): Response {
  const status = clientStatus(protocol, err);
  const headers = new Headers({ 'content-type': 'application/json' });
  if (err.retryAfter !== undefined) headers.set('retry-after', String(Math.max(0, Math.ceil(err.retryAfter))));
  return new Response(JSON.stringify(codecs[protocol].encodeError({ ...err, status })), { status, headers });
}

/** The status a client of `protocol` gets for this error. */
export function clientStatus(protocol: Protocol, err: Pick<ProxyErrorInfo, 'status'>): number {
  return err.status === 529 && protocol !== 'anthropic' ? 503 : err.status;
}
