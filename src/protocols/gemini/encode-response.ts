import type { CanonicalResponse } from '../../core/response.ts';
import type { JsonObject } from '../../util/json.ts';
import { hiddenThought, outputPart } from './encode-parts.ts';
import { finishReasonToGemini } from './finish-reason.ts';
import { wantsThoughts } from './include-thoughts.ts';
import { usageToGemini } from './usage.ts';

export function encodeResponse(res: CanonicalResponse, request?: JsonObject): JsonObject {
  const thoughts = wantsThoughts(request);
  const parts: JsonObject[] = [];
  for (const p of wholeContent(res)) {
    const part = p.type === 'thinking' && !thoughts ? hiddenThought(p) : outputPart(p);
    if (part) parts.push(part);
  }
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: finishReasonToGemini(res.finishReason), index: 0 }],
    usageMetadata: usageToGemini(res.usage),
    modelVersion: res.model,
    responseId: res.id,
  };
}

/**
 * The content without a tool call the token limit cut off. A whole answer holds no sign of that but
 * its place: the last part of a `length` finish was being written when the limit struck, and its args
 * are what the upstream made of the fragment (partial, or `{}`). Gemini never sends part of a call,
 * and a client would run it with arguments the model did not give.
 */
function wholeContent(res: CanonicalResponse): CanonicalResponse['content'] {
  return res.finishReason === 'length' && res.content.at(-1)?.type === 'tool_call' ? res.content.slice(0, -1) : res.content;
}
