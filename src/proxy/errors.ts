import type { ProxyErrorInfo } from '../core/errors.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import { anthropicContextOverflow } from './context-overflow.ts';

/**
 * An error response in the client's protocol. Anthropic's 529 (overloaded) is its own status; other
 * protocols' clients know 503 for the same thing. An upstream's context overflow reaches Anthropic
 * clients in Anthropic's words (context-overflow.ts).
 */
export function errorResponse(protocol: Protocol, info: ProxyErrorInfo): Response {
  const err = protocol === 'anthropic' ? anthropicContextOverflow(info) : info;
  const status = err.status === 529 && protocol !== 'anthropic' ? 503 : err.status;
  const headers = new Headers({ 'content-type': 'application/json' });
  if (err.retryAfter !== undefined) headers.set('retry-after', String(Math.max(0, Math.ceil(err.retryAfter))));
  return new Response(JSON.stringify(codecs[protocol].encodeError({ ...err, status })), { status, headers });
}
