import type { Signature } from './content.ts';
import type { FinishReason } from './finish-reason.ts';
import type { ProxyErrorInfo } from './errors.ts';
import type { Usage } from './usage.ts';

/**
 * The canonical stream. Text and thinking are implicit blocks: consecutive deltas of one kind form
 * one block, and an encoder that needs explicit blocks (Anthropic) opens and closes them as the kind
 * changes. Tool calls are explicit because arguments arrive in fragments and Gemini needs them whole.
 *
 * Order a decoder guarantees: `start` first; any number of content events; then exactly one of
 * `finish` or `error` last. A tool call's events come together (start, fragments, end) before any
 * other content begins: clients that see one block at a time depend on it (contiguous-calls.ts).
 */
export type StreamEvent =
  | { type: 'start'; id: string; model: string; usage?: Partial<Usage>; created?: number }
  /** `refusal`: the model declined (TextPart's `refusal`). */
  | { type: 'text'; text: string; refusal?: boolean }
  | { type: 'thinking'; text: string }
  /** Closes the current thinking block with its signature. */
  | { type: 'thinking_signature'; signature: Signature }
  | { type: 'redacted_thinking'; data: string }
  /** A whole generated image (Gemini image models send each in one chunk), base64. */
  | { type: 'image'; mediaType: string; data: string }
  /** `index` counts tool calls only (0, 1, 2…), in the order they started. */
  | { type: 'tool_call_start'; index: number; id: string; name: string; signature?: Signature }
  /** A fragment of the arguments' JSON text; fragments concatenate to the whole. */
  | { type: 'tool_call_delta'; index: number; args: string }
  | { type: 'tool_call_end'; index: number }
  /** Cumulative usage seen so far (latest wins), e.g. Anthropic message_start input tokens. */
  | { type: 'usage'; usage: Partial<Usage> }
  | { type: 'finish'; reason: FinishReason; stopSequence?: string; usage: Usage }
  | { type: 'error'; error: ProxyErrorInfo };
