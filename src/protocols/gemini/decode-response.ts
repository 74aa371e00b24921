import type { ToolCallPart } from '../../core/content.ts';
import { ProxyError } from '../../core/errors.ts';
import { openaiToolCallId, randomId } from '../../core/ids.ts';
import type { CanonicalResponse, OutputPart } from '../../core/response.ts';
import { emptyUsage } from '../../core/usage.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { blockReason, candidateParts, firstCandidate } from './candidate.ts';
import { decodeCodePart, decodeFunctionCall, decodeOutputImage, decodeTextPart, foldSignatureOnly, isEmptyText } from './decode-parts.ts';
import { errorInfoFromGoogle, googleErrorObject } from './errors.ts';
import { failedCallNote, finishReasonFromGemini } from './finish-reason.ts';
import { fromGeminiName } from './function-name.ts';
import { rememberSignature } from './signature-cache.ts';
import { usageFromGemini } from './usage.ts';

/**
 * A functionCall part → tool_call. The Gemini API usually sends no ids, so one is made up; when the call
 * is signed, the signature is remembered under the id for clients that cannot carry it back. That holds
 * for an id Gemini gave too: an Anthropic or OpenAI client echoes the id, never the signature.
 */
export function toolCallFromPart(part: JsonObject, call: JsonObject): ToolCallPart {
  const given = typeof call.id === 'string' && call.id !== '' ? call.id : undefined;
  const id = given ?? openaiToolCallId();
  const out = decodeFunctionCall(part, call, id);
  out.name = fromGeminiName(out.name);
  if (out.signature) rememberSignature(id, out.signature);
  return out;
}

export const responseIdOf = (body: JsonObject): string =>
  typeof body.responseId === 'string' && body.responseId !== '' ? body.responseId : `gemini-${randomId(24)}`;

export function createdOf(body: JsonObject): number | undefined {
  const t = typeof body.createTime === 'string' ? Date.parse(body.createTime) : NaN;
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

export function decodeResponse(body: unknown): CanonicalResponse {
  const error = googleErrorObject(body);
  if (error) throw new ProxyError(errorInfoFromGoogle(error));
  if (!isRecord(body)) {
    throw new ProxyError({ kind: 'api_error', status: 502, message: 'upstream response is not a JSON object' });
  }

  const candidate = firstCandidate(body);
  const content: OutputPart[] = [];
  let hasToolCalls = false;
  for (const part of candidateParts(candidate)) {
    // An image model's answer: dropping it left Chat Completions clients an empty message with the
    // image's tokens billed (Wei-Shaw/sub2api#4798). Gemini 3 signs its images, so this comes before
    // the test for text and signatures. The signature is not kept: no client can send an image back.
    const image = decodeOutputImage(part);
    if (image) {
      content.push(image);
      continue;
    }
    if (isRecord(part.functionCall)) {
      content.push(toolCallFromPart(part, part.functionCall));
      hasToolCalls = true;
    } else if (typeof part.text === 'string' || typeof part.thoughtSignature === 'string') {
      if (isEmptyText(part) || foldSignatureOnly(content, part)) continue;
      content.push(decodeTextPart(part));
    } else {
      const code = decodeCodePart(part);
      if (code) content.push(code);
    }
  }

  const note = content.some((p) => p.type !== 'thinking') ? undefined : failedCallNote(candidate?.finishReason, candidate?.finishMessage);
  if (note) content.push({ type: 'text', text: note });

  const blocked = candidate === undefined ? blockReason(body) : undefined;
  const res: CanonicalResponse = {
    id: responseIdOf(body),
    model: typeof body.modelVersion === 'string' ? body.modelVersion : '',
    content,
    finishReason: blocked ? 'content_filter' : finishReasonFromGemini(candidate?.finishReason, hasToolCalls),
    usage: usageFromGemini(body.usageMetadata) ?? emptyUsage(),
  };
  const created = createdOf(body);
  if (created !== undefined) res.created = created;
  return res;
}
