import type { FinishReason } from '../../core/finish-reason.ts';

/** The values Chat Completions puts in `finish_reason`. */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * The reasons that say the output was cut, not finished. Z.ai's GLM stops with
 * `model_context_window_exceeded` when the window fills up mid-answer, as Claude does with that stop
 * reason (mozilla-ai/any-llm#1200, earendil-works/pi#1868): the answer, or its last call, is incomplete.
 */
const CUT = new Set<unknown>(['length', 'max_tokens', 'model_context_window_exceeded']);

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
