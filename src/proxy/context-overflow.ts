import type { ProxyErrorInfo } from '../core/errors.ts';

/**
 * An upstream's "the prompt does not fit" 400 in the words of Anthropic's API, for Anthropic clients.
 * Claude Code recognises `prompt is too long: N tokens > M maximum` (it compacts the conversation) and
 * `input length and \`max_tokens\` exceed context limit: I + O > M` (it retries with a smaller
 * max_tokens); OpenAI's and Gemini's wording it shows as a dead-end error, and the session cannot go on.
 */
export function anthropicContextOverflow(err: ProxyErrorInfo): ProxyErrorInfo {
  if (err.status !== 400) return err;
  const sizes = overflowSizes(err.message);
  if (!sizes) return err;
  const { input, output, max } = sizes;
  const message =
    output !== undefined && input < max
      ? `input length and \`max_tokens\` exceed context limit: ${input} + ${output} > ${max}, decrease input length or \`max_tokens\` and try again (upstream: ${err.message})`
      : `prompt is too long: ${input} tokens > ${max} maximum (upstream: ${err.message})`;
  return { ...err, message };
}

function overflowSizes(message: string): { input: number; output?: number; max: number } | undefined {
  // OpenAI: "This model's maximum context length is 128000 tokens. However, you requested 130000 tokens
  // (100000 in the messages, 30000 in the completion)." or "… your messages resulted in 130000 tokens."
  let m = /maximum context length is (\d+) tokens.*?\((\d+) in the messages, (\d+) in the completion\)/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, output: +m[3]! };
  m = /maximum context length is (\d+) tokens.*?resulted in (\d+) tokens/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]! };
  // vLLM and other OpenAI-compatible servers: "maximum context length of 262144 tokens. You requested a
  // total of 262462 tokens: 230462 tokens from the input messages and 32000 tokens for the completion."
  m = /maximum context length of (\d+) tokens.*?(\d+) tokens from the input messages and (\d+) tokens for the completion/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, output: +m[3]! };
  // Gemini: "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
  m = /input token count \((\d+)\) exceeds the maximum number of tokens allowed \((\d+)\)/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]! };
  return undefined;
}
