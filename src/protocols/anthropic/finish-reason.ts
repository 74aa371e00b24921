import type { FinishReason } from '../../core/finish-reason.ts';

/** Anthropic `stop_reason` → canonical (protocols.md §6.5). */
export function finishReasonFromAnthropic(stopReason: unknown, hasToolCalls: boolean): FinishReason {
  // A call cut off by max_tokens is not one to run (src/core/finish-reason.ts).
  if (hasToolCalls && stopReason !== 'max_tokens' && stopReason !== 'model_context_window_exceeded') return 'tool_calls';
  switch (stopReason) {
    case 'end_turn':
      return 'stop';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'pause_turn':
      return 'pause';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

export type AnthropicStopReason = 'end_turn' | 'stop_sequence' | 'max_tokens' | 'tool_use' | 'pause_turn' | 'refusal';

/**
 * Canonical → Anthropic `stop_reason`. A turn with tool calls is `tool_use` (clients loop on it), unless
 * the token limit cut it: then `max_tokens`, as the API itself says, so the cut call is not run.
 */
export function finishReasonToAnthropic(reason: FinishReason, hasToolCalls: boolean): AnthropicStopReason {
  if (hasToolCalls && reason !== 'length') return 'tool_use';
  switch (reason) {
    case 'stop':
    case 'other':
      return 'end_turn';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'length':
      return 'max_tokens';
    // Claimed tool calls without any call in the output: nothing for the client to run.
    case 'tool_calls':
      return 'end_turn';
    case 'content_filter':
      return 'refusal';
    case 'pause':
      return 'pause_turn';
  }
}
