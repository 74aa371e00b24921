import type { FinishReason } from '../../core/finish-reason.ts';

/** Gemini's finishReason / blockReason vocabulary → canonical (protocols.md §6.5). */
export function finishReasonFromGemini(raw: unknown, hasToolCalls: boolean): FinishReason {
  // Gemini reports STOP for a turn that called tools; the parts are the only evidence. A turn cut by
  // the token limit stays `length` (src/core/finish-reason.ts).
  if (hasToolCalls && raw !== 'MAX_TOKENS') return 'tool_calls';
  switch (raw) {
    case 'STOP':
    case undefined:
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'LANGUAGE':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
    case 'IMAGE_OTHER':
    case 'NO_IMAGE':
      return 'content_filter';
    default:
      // MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, OTHER, unknown values.
      return 'other';
  }
}

/** Reasons for which Gemini ends a turn that tried to call a tool but produced no usable call. */
const FAILED_CALL = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS']);

/**
 * What a client is told when Gemini failed a tool call and said nothing else. Without it an agent
 * (Claude Code, Cline) gets an empty `end_turn` and silently stops mid-task; with Gemini's own
 * finishMessage the user sees why, and the model sees it in the history when asked to continue.
 */
export function failedCallNote(raw: unknown, finishMessage: unknown): string | undefined {
  if (typeof raw !== 'string' || !FAILED_CALL.has(raw)) return undefined;
  return typeof finishMessage === 'string' && finishMessage !== '' ? finishMessage : `The model's tool call failed (${raw}).`;
}

/** Canonical → Gemini. Tool calls, stop sequences and pauses are all a plain STOP to Gemini clients. */
export function finishReasonToGemini(reason: FinishReason): string {
  switch (reason) {
    case 'stop':
    case 'stop_sequence':
    case 'tool_calls':
    case 'pause':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    case 'other':
      return 'OTHER';
  }
}
