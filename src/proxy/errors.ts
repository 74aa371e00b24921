import type { ProxyErrorInfo } from '../core/errors.ts';
import { anthropicContextOverflow } from '../protocols/anthropic/context-overflow.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import { openaiContextOverflow } from '../protocols/openai/context-overflow.ts';
import { scrubSecrets } from '../upstream/scrub.ts';
import { currentRequest } from '../util/request-context.ts';

/**
 * An error response in the client's protocol. Anthropic's 529 (overloaded) is its own status; other
 * protocols' clients know 503 for the same thing. Inside a request, its upstream credentials are blanked
 * out: the message may be one an upstream put in a 200 (an error body instead of an answer), which
 * callUpstream's scrub of error statuses never saw.
 */
export function errorResponse(protocol: Protocol, err: ProxyErrorInfo): Response {
  const status = clientStatus(protocol, err);
  const headers = new Headers({ 'content-type': 'application/json' });
  if (err.retryAfter !== undefined) headers.set('retry-after', String(Math.max(0, Math.ceil(err.retryAfter))));
  const body = JSON.stringify(codecs[protocol].encodeError({ ...err, status }));
  const secrets = currentRequest()?.secrets;
  return new Response(secrets ? scrubSecrets(body, secrets) : body, { status, headers });
}

/** The status a client of `protocol` gets for this error. */
export function clientStatus(protocol: Protocol, err: Pick<ProxyErrorInfo, 'status'>): number {
  return err.status === 529 && protocol !== 'anthropic' ? 503 : err.status;
}

/**
 * Whether a relayed upstream error is a context overflow in words the client cannot act on, to be answered
 * as the client's codec words it (as a converted error is) instead of passed on as it came. Claude Code
 * compacts only on Anthropic's "prompt is too long: N tokens > M maximum", not on an Anthropic-compatible
 * server's own (llama.cpp's "request (N tokens) exceeds the available context size": janhq/jan#8108);
 * Cline trims only on the code `context_length_exceeded`, which OpenAI sends and vLLM
 * (`{"object":"error",…,"code":400}`) and llama-server do not. An error in the client's protocol's own
 * form (Anthropic's wording, an OpenAI error with that code) goes back as it came.
 */
export function rewordsOverflow(protocol: Protocol, info: ProxyErrorInfo): boolean {
  if (protocol === 'anthropic') return anthropicContextOverflow(info) !== info;
  if (protocol === 'openai') return info.code !== 'context_length_exceeded' && openaiContextOverflow(info) !== info;
  return false;
}
