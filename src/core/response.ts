import type { TextPart, ThinkingPart, ToolCallPart } from './content.ts';
import type { FinishReason } from './finish-reason.ts';
import type { Usage } from './usage.ts';

export type OutputPart = TextPart | ThinkingPart | ToolCallPart;

export interface CanonicalResponse {
  id: string;
  model: string;
  /** Output in order: thinking, text and tool calls as the model produced them. */
  content: OutputPart[];
  finishReason: FinishReason;
  /** The stop sequence that matched, when the upstream tells. */
  stopSequence?: string;
  usage: Usage;
  /** Unix seconds. */
  created?: number;
}
