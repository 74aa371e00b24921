import { overflowSizes } from '../../core/context-overflow.ts';
import type { ProxyErrorInfo } from '../../core/errors.ts';

/**
 * An upstream's "the prompt does not fit" 400 in OpenAI's words. Cline recognises a context overflow by
 * `code: "context_length_exceeded"`, Roo Code and Kilo Code by a 400 whose message says "context length"
 * or "maximum context"; either then trims the conversation and retries. Claude's "prompt is too long"
 * and Gemini's "input token count … exceeds" match neither, and the task stops on an error instead; nor
 * does the Responses API's "Your input exceeds the context window", whose code alone Cline would act on.
 */
export function openaiContextOverflow(err: ProxyErrorInfo): ProxyErrorInfo {
  if (err.status !== 400 || (err.code && err.code !== 'context_length_exceeded')) return err;
  const sizes = overflowSizes(err.message, err.code);
  if (!sizes) return err;
  if (sizes.from === 'openai' && /maximum context length/i.test(err.message)) {
    // OpenAI's own wording, as vLLM and SGLang send it, but without OpenAI's code (vLLM's is the number
    // 400): the words stay, the code Cline acts on is added.
    return err.code ? err : { ...err, code: 'context_length_exceeded', param: err.param ?? 'messages' };
  }
  const total = sizes.input + (sizes.output ?? 0);
  const message = `This model's maximum context length is ${sizes.max} tokens. However, your messages resulted in ${total} tokens. (upstream: ${err.message})`;
  return { ...err, message, code: 'context_length_exceeded', param: err.param ?? 'messages' };
}
