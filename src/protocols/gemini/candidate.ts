import { isRecord, type JsonObject } from '../../util/json.ts';

/** The candidate the canonical model follows: index 0 (a missing index means 0). */
export function firstCandidate(body: JsonObject): JsonObject | undefined {
  if (!Array.isArray(body.candidates)) return undefined;
  for (const c of body.candidates) if (isRecord(c) && (c.index === undefined || c.index === 0)) return c;
  return undefined;
}

export function candidateParts(candidate: JsonObject | undefined): JsonObject[] {
  const content = candidate?.content;
  if (!isRecord(content) || !Array.isArray(content.parts)) return [];
  return content.parts.filter(isRecord);
}

export function blockReason(body: JsonObject): string | undefined {
  const fb = body.promptFeedback;
  return isRecord(fb) && typeof fb.blockReason === 'string' ? fb.blockReason : undefined;
}
