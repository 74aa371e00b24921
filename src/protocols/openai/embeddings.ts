import { badRequest, ProxyError, type CanonicalEmbedRequest, type CanonicalEmbedResponse } from '../../core/index.ts';
import { isRecord } from '../../util/json.ts';

/** OpenAI `POST /v1/embeddings`, towards clients and upstreams alike. */

export type EmbeddingEncoding = 'float' | 'base64';

const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n));

/** `input` is a string, an array of strings, one token array or an array of token arrays. */
export function decodeEmbedRequest(body: Record<string, unknown>, model: string): CanonicalEmbedRequest {
  const input = body.input;
  let inputs: Array<string | number[]>;
  if (typeof input === 'string') inputs = [input];
  else if (isTokens(input)) inputs = [input];
  else if (Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'string' || isTokens(i))) inputs = input;
  else throw badRequest("input: must be a string, an array of strings, an array of tokens or an array of token arrays, and not empty", 'input');
  const req: CanonicalEmbedRequest = { model, inputs };
  // null is unset, as the API takes it (clients that serialise every field send it).
  if (body.dimensions !== undefined && body.dimensions !== null) {
    if (!Number.isInteger(body.dimensions) || (body.dimensions as number) < 1) throw badRequest('dimensions: must be a positive integer', 'dimensions');
    req.dimensions = body.dimensions as number;
  }
  return req;
}

/** The encoding the client asked for; float when it did not say. */
export function embeddingEncoding(body: Record<string, unknown>): EmbeddingEncoding {
  const format = body.encoding_format;
  if (format === undefined || format === null || format === 'float') return 'float';
  if (format === 'base64') return 'base64';
  throw badRequest(`encoding_format: must be "float" or "base64", not ${JSON.stringify(format)}`, 'encoding_format');
}

/** The upstream body: floats, which every OpenAI-compatible server returns (not all of them do base64). */
export function encodeEmbedRequest(req: CanonicalEmbedRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model, input: req.inputs, encoding_format: 'float' };
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  return body;
}

export function decodeEmbedResponse(json: unknown, expected: number): CanonicalEmbedResponse {
  const data = isRecord(json) && Array.isArray(json.data) ? json.data.filter(isRecord) : undefined;
  const vectors: number[][] = [];
  for (const [i, item] of (data ?? []).entries()) {
    const index = typeof item.index === 'number' ? item.index : i;
    const v = item.embedding;
    vectors[index] = typeof v === 'string' ? fromBase64(v) : Array.isArray(v) && v.every((n) => typeof n === 'number') ? v : [];
  }
  // Array.from: an index the upstream skipped is a hole, which some() would pass over.
  if (vectors.length !== expected || Array.from(vectors).some((v) => !v || v.length === 0)) {
    throw new ProxyError({ kind: 'api_error', status: 502, message: `the upstream's embeddings answer does not hold one vector per input (${expected} asked)` });
  }
  const usage = isRecord(json) && isRecord(json.usage) ? json.usage : undefined;
  return { vectors, inputTokens: typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : undefined };
}

export function encodeEmbedResponse(res: CanonicalEmbedResponse, model: string, encoding: EmbeddingEncoding): Record<string, unknown> {
  const tokens = res.inputTokens ?? 0;
  return {
    object: 'list',
    data: res.vectors.map((v, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? toBase64(v) : v })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/**
 * A server's answer to a request for base64 with the vectors it sent as number arrays encoded as asked;
 * undefined when there are none. LM Studio, Infinity and others ignore `encoding_format`
 * (lmstudio-ai/lmstudio-bug-tracker#756, runpod-workers/worker-infinity-embedding#30), and clients that
 * ask for base64 read only a string: openai-dotnet, which always asks, fails with "The input is not a
 * valid Base64 string of encoded floats".
 */
export function base64Answer(json: unknown): Record<string, unknown> | undefined {
  if (!isRecord(json) || !Array.isArray(json.data)) return undefined;
  const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === 'number');
  if (!json.data.some((item) => isRecord(item) && isVector(item.embedding))) return undefined;
  const data = json.data.map((item) => (isRecord(item) && isVector(item.embedding) ? { ...item, embedding: toBase64(item.embedding) } : item));
  return { ...json, data };
}

/** OpenAI's base64 embeddings are the bytes of little-endian float32s. */
function toBase64(vector: number[]): string {
  const f32 = new Float32Array(vector);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');
}

function fromBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.byteLength; i += 4) out.push(view.getFloat32(i, true));
  return out;
}
