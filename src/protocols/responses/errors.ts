import type { ProxyErrorInfo } from '../../core/errors.ts';
import { encodeError } from '../openai/errors.ts';

/** An error inside a Responses stream: the `error` event's fields and `response.error` of response.failed. */
export interface StreamErrorDetail {
  type: string;
  code: string;
  message: string;
  param: string | null;
}

/**
 * The HTTP error body is Chat Completions' (`{error:{message,type,param,code}}`); so is its wording
 * for a context overflow. In a stream, `code` is what clients act on: Codex compacts on
 * `context_length_exceeded`, stops on `insufficient_quota`, and for `rate_limit_exceeded` waits as
 * long as the message's "try again in Ns" says; anything else it retries as a transient failure.
 */
export function streamErrorDetail(info: ProxyErrorInfo): StreamErrorDetail {
  const { error } = encodeError(info);
  let message = error.message;
  let code: string;
  if (error.code === 'context_length_exceeded' || error.code === 'insufficient_quota') code = error.code;
  else if (info.kind === 'rate_limit') code = 'rate_limit_exceeded';
  else code = 'server_error';
  if (code === 'rate_limit_exceeded' && info.retryAfter !== undefined && !/try again in/i.test(message)) {
    message += ` Please try again in ${Math.ceil(info.retryAfter)}s.`;
  }
  return { type: error.type, code, message, param: error.param };
}
