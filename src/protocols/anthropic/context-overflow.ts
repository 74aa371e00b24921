import { overflowSizes } from '../../core/context-overflow.ts';
import type { ProxyErrorInfo } from '../../core/errors.ts';

/**
 * An upstream's "the prompt does not fit" 400 in the words of Anthropic's API, for Anthropic clients.
 * Claude Code recognises `prompt is too long: N tokens > M maximum` (it compacts the conversation) and
 * `input length and \`max_tokens\` exceed context limit: I + O > M` (it retries with a smaller
 * max_tokens); OpenAI's and Gemini's wording it shows as a dead-end error, and the session cannot go on.
 * An overflow stated without figures (the Responses API's) gets stand-ins (overflowSizes), since Claude
 * Code reads the figures with the words.
 */
export function anthropicContextOverflow(err: ProxyErrorInfo): ProxyErrorInfo {
  if (err.status !== 400) return err;
  const sizes = overflowSizes(err.message, err.code);
  if (!sizes || (sizes.from === 'anthropic' && !sizes.estimated)) return err;
  const { input, output, max } = sizes;
  const message =
    output !== undefined && input < max
      ? `input length and \`max_tokens\` exceed context limit: ${input} + ${output} > ${max}, decrease input length or \`max_tokens\` and try again (upstream: ${err.message})`
      : `prompt is too long: ${input} tokens > ${max} maximum (upstream: ${err.message})`;
  return { ...err, message };
}
