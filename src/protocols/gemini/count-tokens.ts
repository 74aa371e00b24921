import type { GoogleFamily } from '../../core/content.ts';
import type { CanonicalRequest } from '../../core/request.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { encodePrompt } from './encode-request.ts';

/**
 * `:countTokens` body, built by the same encoder as generateContent. The Gemini API's CountTokensRequest
 * has only `contents` and `generateContentRequest` (the genai SDK refuses systemInstruction and tools in
 * Developer-API mode), so a prompt with a system instruction or tools goes in the wrapped form.
 */
export function encodeCountTokensRequest(req: CanonicalRequest, family: GoogleFamily = 'gemini'): JsonObject {
  const prompt = encodePrompt(req, req.model, family);
  if (prompt.systemInstruction === undefined && prompt.tools === undefined) return prompt;
  return { generateContentRequest: { model: `models/${req.model.replace(/^models\//, '')}`, ...prompt } };
}

/**
 * The request a countTokens body wraps, or undefined for the plain `{contents}` form. Google's parser
 * takes proto field names in snake_case too, so `generate_content_request` is the same field.
 */
export function wrappedCountRequest(body: JsonObject): JsonObject | undefined {
  const inner = body.generateContentRequest ?? body.generate_content_request;
  return isRecord(inner) ? inner : undefined;
}

/**
 * A wrapped countTokens body with its request's `model` naming the model in the URL, or undefined when
 * it names none or that one already. The wrapped request must name its model (Google refuses one without:
 * googleapis/python-genai#432) and it is the one counted, so a body the client wrote for a model_map alias
 * would ask about a model that is not the one answering (or one Google does not have at all).
 */
export function withWrappedModel(body: JsonObject, model: string): JsonObject | undefined {
  const key = isRecord(body.generateContentRequest) ? 'generateContentRequest' : isRecord(body.generate_content_request) ? 'generate_content_request' : undefined;
  const inner = key && (body[key] as JsonObject);
  const name = `models/${model.replace(/^models\//, '')}`;
  if (!inner || typeof inner.model !== 'string' || inner.model === name) return undefined;
  return { ...body, [key]: { ...inner, model: name } };
}

/** `totalTokens` of a countTokens response; NaN for a body that is not one, for the caller to reject. */
export function decodeCountTokensResponse(body: unknown): number {
  if (!isRecord(body) || 'error' in body) return NaN;
  // proto3 JSON leaves out zero values, so a missing count is 0.
  if (body.totalTokens === undefined) return 0;
  return typeof body.totalTokens === 'number' ? body.totalTokens : NaN;
}
