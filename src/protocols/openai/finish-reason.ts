import type { ProxyErrorInfo } from '../../core/errors.ts';
import type { FinishReason } from '../../core/finish-reason.ts';
import { isRecord } from '../../util/json.ts';

/** The values Chat Completions puts in `finish_reason`. */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * The reasons that say the output was cut, not finished. Z.ai's GLM stops with
 * `model_context_window_exceeded` when the window fills up mid-answer, as Claude does with that stop
 * reason (mozilla-ai/any-llm#1200, earendil-works/pi#1868), and Mistral with `model_length` (its API's
 * finish_reason enum: stop, length, model_length, error, tool_calls): the answer, or its last call, is incomplete.
 */
const CUT = new Set<unknown>(['length', 'max_tokens', 'model_context_window_exceeded', 'model_length']);

/**
 * Reasons that say the server stopped generating for a failure of its own, part-way: Z.ai's GLM
 * `network_error`, DeepSeek's `insufficient_system_resource` ("the request is interrupted due to
 * insufficient resource of the inference system", its API reference), Mistral's `error`, and the `abort`
 * of vLLM and SGLang (a request the engine gave up). What came is an incomplete answer,
 * its last call maybe cut, so it must not reach the client as a finished turn (Claude Code would take the
 * half answer as done, or run the cut call). DeepSeek's is its overload, which clients retry after a wait.
 */
const INTERRUPTED: Record<string, Pick<ProxyErrorInfo, 'status' | 'kind'>> = {
  network_error: { status: 502, kind: 'api_error' },
  error: { status: 502, kind: 'api_error' },
  abort: { status: 502, kind: 'api_error' },
  insufficient_system_resource: { status: 503, kind: 'overloaded' },
};

/** The error a finish reason of INTERRUPTED stands for; undefined for any other. */
export function interruptedFinish(raw: unknown): ProxyErrorInfo | undefined {
  if (typeof raw !== 'string' || !Object.hasOwn(INTERRUPTED, raw)) return undefined;
  return { ...INTERRUPTED[raw]!, message: `upstream stopped generating with finish_reason ${raw}: the answer is incomplete` };
}

/** Whether `raw` is a finish reason of INTERRUPTED (the relay's end check reads it without the codec). */
export const isInterruptedFinish = (raw: unknown): boolean => interruptedFinish(raw) !== undefined;

/**
 * OpenAI `finish_reason` → canonical (protocols.md §6.5). A turn that produced tool calls is
 * `tool_calls` whatever the upstream said (compatible servers often report `stop` for it), except a
 * turn the token limit cut: its last call's arguments are not whole (src/core/finish-reason.ts).
 */
export function finishReasonFromOpenAI(raw: unknown, sawToolCalls: boolean): FinishReason {
  if (sawToolCalls && !CUT.has(raw)) return 'tool_calls';
  switch (raw) {
    case 'stop':
    case 'eos': // some OpenAI-compatible servers (TGI, older vLLM) report end-of-sequence this way
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'model_context_window_exceeded':
    case 'model_length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
    case 'sensitive': // Z.ai's GLM: its content filter stopped the output (promptfoo/promptfoo#9905)
      return 'content_filter';
    default:
      return 'other';
  }
}

/** Canonical → OpenAI. OpenAI has no stop-sequence, pause or "other" reason; each is a plain `stop`. */
export function finishReasonToOpenAI(reason: FinishReason, sawToolCalls: boolean): OpenAIFinishReason {
  // As OpenAI itself reports a call cut off by max_tokens: `length`.
  if (sawToolCalls && reason !== 'length') return 'tool_calls';
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool_calls':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'stop':
    case 'stop_sequence':
    case 'pause':
    case 'other':
      return 'stop';
  }
}

/**
 * The stop sequence a choice that finished with `stop` says it matched: vLLM puts the matched string in
 * the choice's `stop_reason` (a token id, a number, for a stop token; null at the end of sequence:
 * vllm-project/vllm#45807), SGLang in `matched_stop`. OpenAI itself never says which one matched.
 */
export function matchedStopSequence(choice: unknown): string | undefined {
  if (!isRecord(choice) || choice.finish_reason !== 'stop') return undefined;
  const matched = typeof choice.stop_reason === 'string' ? choice.stop_reason : choice.matched_stop;
  return typeof matched === 'string' && matched !== '' ? matched : undefined;
}
