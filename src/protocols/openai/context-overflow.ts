import type { ProxyErrorInfo } from '../../core/errors.ts';

/**
 * An upstream's "the prompt does not fit" 400 in OpenAI's words. Cline recognises a context overflow by
 * `code: "context_length_exceeded"`, Roo Code and Kilo Code by a 400 whose message says "context length"
 * or "maximum context"; either then trims the conversation and retries. Claude's "prompt is too long"
 * and Gemini's "input token count … exceeds" match neither, and the task stops on an error instead.
 */
export function openaiContextOverflow(err: ProxyErrorInfo): ProxyErrorInfo {
  if (err.status !== 400 || (err.code && err.code !== 'context_length_exceeded')) return err;
  const sizes = overflowSizes(err.message);
  if (!sizes) return err;
  const message = `This model's maximum context length is ${sizes.max} tokens. However, your messages resulted in ${sizes.input} tokens. (upstream: ${err.message})`;
  return { ...err, message, code: 'context_length_exceeded', param: err.param ?? 'messages' };
}

function overflowSizes(message: string): { input: number; max: number } | undefined {
  // Anthropic: "prompt is too long: 210000 tokens > 200000 maximum".
  let m = /prompt is too long: (\d+) tokens > (\d+) maximum/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]! };
  // Anthropic, when max_tokens is what tips it over: "input length and `max_tokens` exceed context limit: 190000 + 20000 > 200000".
  m = /exceed context limit: (\d+) \+ (\d+) > (\d+)/.exec(message);
  if (m) return { input: +m[1]! + +m[2]!, max: +m[3]! };
  // Gemini: "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
  m = /input token count \((\d+)\) exceeds the maximum number of tokens allowed \((\d+)\)/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]! };
  return undefined;
}
