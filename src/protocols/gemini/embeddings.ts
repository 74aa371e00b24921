import { badRequest, ProxyError, type CanonicalEmbedRequest, type CanonicalEmbedResponse } from '../../core/index.ts';
import { isRecord } from '../../util/json.ts';
import { normalizeEmbedRequest } from './normalize.ts';

/**
 * Gemini `:embedContent` (one content → `{embedding}`) and `:batchEmbedContents` (`{requests: [...]}` →
 * `{embeddings}`; what @google/genai's embedContent calls), towards clients and upstreams alike.
 */

export type EmbedAction = 'embedContent' | 'batchEmbedContents';

/** The text of one content; other parts cannot be embedded by the other protocols' upstreams. */
function contentText(content: unknown, where: string): string {
  const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts : undefined;
  if (!parts || parts.length === 0) throw badRequest(`${where}.parts: required, with at least one part`);
  return parts
    .map((p, i) => {
      if (isRecord(p) && typeof p.text === 'string') return p.text;
      throw badRequest(`${where}.parts[${i}]: only text parts can be embedded through this provider`);
    })
    .join('\n');
}

export function decodeEmbedRequest(raw: Record<string, unknown>, model: string, action: EmbedAction): CanonicalEmbedRequest {
  // Field names in snake_case, one part or request for the list: as Google's parser reads them (normalize.ts).
  const body = normalizeEmbedRequest(raw, action === 'batchEmbedContents') as Record<string, unknown>;
  const requests = action === 'embedContent' ? [body] : Array.isArray(body.requests) ? body.requests : undefined;
  if (!requests || requests.length === 0) throw badRequest('requests: required, with at least one request');
  const req: CanonicalEmbedRequest = { model, inputs: [] };
  for (const [i, r] of requests.entries()) {
    const where = action === 'embedContent' ? 'content' : `requests[${i}].content`;
    if (!isRecord(r)) throw badRequest(`requests[${i}]: must be an object`);
    req.inputs.push(contentText(r.content, where));
    // One call upstream carries one setting: requests that differ cannot be merged into it, nor can one
    // that leaves a field unset (the model's default) be given the others' value.
    for (const [field, key] of [['outputDimensionality', 'dimensions'], ['taskType', 'taskType'], ['title', 'title']] as const) {
      const value = r[field];
      if (i > 0 && value !== (requests[0] as Record<string, unknown>)[field]) {
        throw badRequest(`requests[${i}].${field}: every request of a batch must have the same ${field} for this provider`);
      }
      if (value === undefined) continue;
      if (key === 'dimensions') {
        if (!Number.isInteger(value) || (value as number) < 1) throw badRequest(`${field}: must be a positive integer`);
        req.dimensions = value as number;
      } else if (typeof value === 'string') req[key] = value;
    }
  }
  return req;
}

/** Always the batch form upstream: one call for any number of inputs. */
export function encodeEmbedRequest(req: CanonicalEmbedRequest, model: string): Record<string, unknown> {
  const name = `models/${model}`;
  return {
    requests: req.inputs.map((input) => {
      // LangChain's OpenAIEmbeddings sends tiktoken ids unless told otherwise; Gemini has no use for them.
      if (typeof input !== 'string') {
        throw badRequest("input: token arrays cannot be sent to a Gemini provider; send the text (LangChain's OpenAIEmbeddings: check_embedding_ctx_length=False)", 'input');
      }
      const r: Record<string, unknown> = { model: name, content: { parts: [{ text: input }] } };
      if (req.taskType !== undefined) r.taskType = req.taskType;
      if (req.title !== undefined) r.title = req.title;
      if (req.dimensions !== undefined) r.outputDimensionality = req.dimensions;
      return r;
    }),
  };
}

const valuesOf = (e: unknown): number[] | undefined =>
  isRecord(e) && Array.isArray(e.values) && e.values.length > 0 && e.values.every((n) => typeof n === 'number') ? (e.values as number[]) : undefined;

export function decodeEmbedResponse(json: unknown, expected: number): CanonicalEmbedResponse {
  const list = isRecord(json) ? (Array.isArray(json.embeddings) ? json.embeddings : json.embedding !== undefined ? [json.embedding] : []) : [];
  const vectors = list.map(valuesOf);
  if (vectors.length !== expected || vectors.some((v) => !v)) {
    throw new ProxyError({ kind: 'api_error', status: 502, message: `the upstream's embeddings answer does not hold one vector per input (${expected} asked)` });
  }
  const usage = isRecord(json) && isRecord(json.usageMetadata) ? json.usageMetadata : undefined;
  return { vectors: vectors as number[][], inputTokens: typeof usage?.promptTokenCount === 'number' ? usage.promptTokenCount : undefined };
}

export function encodeEmbedResponse(res: CanonicalEmbedResponse, action: EmbedAction): Record<string, unknown> {
  if (action === 'embedContent') return { embedding: { values: res.vectors[0] } };
  return { embeddings: res.vectors.map((values) => ({ values })) };
}
