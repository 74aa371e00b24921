import type { ImagePart, TextPart, ThinkingPart, ToolCallPart } from './content.ts';
import type { FinishReason } from './finish-reason.ts';
import type { Usage } from './usage.ts';

/**
 * Images are output only by image models (Gemini's inlineData answers); clients whose protocol has a place
 * for them get them (Chat Completions `message.images`), the others do not.
 */
export type OutputPart = TextPart | ThinkingPart | ToolCallPart | ImagePart;

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
