import type { CanonicalResponse, OutputPart } from '../../core/index.ts';
import { finishReasonToAnthropic } from './finish-reason.ts';
import { usageToAnthropic } from './usage.ts';
import { formatSignature } from './signature.ts';
import type { AnthropicBlock } from './wire-types.ts';

/**
 * The Messages API has no image output: an image a Gemini image model answered becomes a note in its
 * place, so the client is told why the answer is empty rather than given nothing.
 */
export const imageNote = (mediaType: string): string =>
  `[The model answered an image (${mediaType}) here, which the Anthropic Messages API cannot carry; ask for it through Chat Completions, the Responses API or Gemini.]`;

/** Anthropic clients may check the `msg_` prefix; ids from other upstreams keep their value behind it. */
export function messageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

/** Canonical response → an Anthropic Message (protocols.md §2.3). */
export function encodeResponse(res: CanonicalResponse): Record<string, unknown> {
  const content = res.content.map(outputBlock);
  const hasToolCalls = res.content.some((p) => p.type === 'tool_call');
  return {
    id: messageId(res.id),
    type: 'message',
    role: 'assistant',
    model: res.model,
    content,
    stop_reason: finishReasonToAnthropic(res.finishReason, hasToolCalls),
    stop_sequence: res.stopSequence ?? null,
    usage: usageToAnthropic(res.usage),
  };
}

function outputBlock(part: OutputPart): AnthropicBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'thinking':
      if (part.redacted !== undefined) return { type: 'redacted_thinking', data: part.redacted };
      return { type: 'thinking', thinking: part.text, signature: formatSignature(part.signature) };
    case 'tool_call':
      // A Gemini tool-call signature has no Anthropic field; the Gemini codec caches it by call id.
      return { type: 'tool_use', id: part.id, name: part.name, input: part.args };
    case 'image':
      return { type: 'text', text: imageNote(part.source.mediaType ?? 'image') };
  }
}
