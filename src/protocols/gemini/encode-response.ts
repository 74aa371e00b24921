import type { CanonicalResponse } from '../../core/response.ts';
import type { JsonObject } from '../../util/json.ts';
import { outputPart } from './encode-parts.ts';
import { finishReasonToGemini } from './finish-reason.ts';
import { usageToGemini } from './usage.ts';

export function encodeResponse(res: CanonicalResponse): JsonObject {
  const parts: JsonObject[] = [];
  for (const p of res.content) {
    const part = outputPart(p);
    if (part) parts.push(part);
  }
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: finishReasonToGemini(res.finishReason), index: 0 }],
    usageMetadata: usageToGemini(res.usage),
    modelVersion: res.model,
    responseId: res.id,
  };
}
