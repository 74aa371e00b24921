import type { ThinkingPart } from '../../core/content.ts';
import { openaiToolCallId } from '../../core/ids.ts';
import type { CanonicalResponse } from '../../core/response.ts';
import {
  callItem,
  clientResponseId,
  encodeContinuity,
  imageItem,
  messageItem,
  messageItemId,
  reasoningItem,
  reasoningItemId,
  type OutputItem,
} from './items.ts';
import { incompleteReason, responseObject, responsesEcho, type ResponseObject } from './response-object.ts';
import { clientTools } from './tool-names.ts';

/**
 * Canonical response → a Response object (`POST /v1/responses` without stream). `request` is the
 * client's body: calls of its custom tools come back as custom_tool_call items, of its tool search as
 * tool_search_call items, of namespace members under their own name and namespace (items.ts callItem),
 * and its settings are repeated as the API does.
 */
export function encodeResponsesResponse(res: CanonicalResponse, request?: Record<string, unknown>): ResponseObject {
  const tools = clientTools(request);
  const output: OutputItem[] = [];
  /** Consecutive text parts form one message item, as a stream's text deltas do; a refusal is one of its own. */
  let text: string | undefined;
  let refusal = false;
  const flushText = (): void => {
    if (text) output.push(messageItem(messageItemId(), text, refusal));
    text = undefined;
  };

  for (const part of res.content) {
    if (part.type === 'text') {
      if (!!part.refusal !== refusal) flushText();
      refusal = !!part.refusal;
      text = (text ?? '') + part.text;
      continue;
    }
    flushText();
    if (part.type === 'image') {
      if (part.source.kind === 'base64') output.push(imageItem(part.source.data));
      continue;
    }
    if (part.type === 'thinking') {
      const item = thinkingItem(part);
      if (item) output.push(item);
      continue;
    }
    if (part.signature) {
      output.push(reasoningItem(reasoningItemId(), '', encodeContinuity({ kind: 'tool', signature: part.signature })));
    }
    const callId = part.id || openaiToolCallId();
    output.push(callItem(tools.get(part.name), callId, part.name, part.args));
  }
  flushText();

  const incomplete = incompleteReason(res.finishReason);
  return responseObject(
    {
      id: clientResponseId(res.id),
      createdAt: res.created ?? Math.floor(Date.now() / 1000),
      model: res.model,
      status: incomplete ? 'incomplete' : 'completed',
      output,
      usage: res.usage,
      ...(incomplete ? { incomplete } : {}),
    },
    responsesEcho(request),
  );
}

/**
 * A thinking part as a reasoning item; nothing for an empty part with no token to carry. Unsigned
 * thinking gets a token too, or OpenAI would be sent an item it refuses (items.ts).
 */
function thinkingItem(part: ThinkingPart): OutputItem | undefined {
  if (part.redacted !== undefined) return reasoningItem(reasoningItemId(), part.text, encodeContinuity({ kind: 'redacted', data: part.redacted }));
  if (part.signature) return reasoningItem(reasoningItemId(), part.text, encodeContinuity({ kind: 'thinking', signature: part.signature }));
  if (!part.text) return undefined;
  return reasoningItem(reasoningItemId(), part.text, encodeContinuity({ kind: 'unsigned' }));
}
