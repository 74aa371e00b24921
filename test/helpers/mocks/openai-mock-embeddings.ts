/**
 * OpenAI's `POST /v1/embeddings` for the OpenAI mock: the checks the real endpoint applies (one error
 * at a time, first failing check wins) and a deterministic answer.
 *
 * Real-API facts this follows (sources in the embeddings report):
 * - `input` is a string, an array of strings, an array of token ids or an array of token-id arrays.
 *   An empty string, an empty array or an array holding an empty string is a 400
 *   `'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.`
 *   with `param: null, code: null` (openai/openai-python#576, aryn-ai/sycamore#943).
 * - An unknown `encoding_format` is a 400 `Invalid value for 'encoding_format' = md5. Supported values:
 *   ['float', 'base64'].` (lm-sys/FastChat#2281, quoting api.openai.com).
 * - `dimensions` on text-embedding-ada-002 is a 400 `This model does not support specifying dimensions.`
 *   (sbintuitions/JMTEB#14, SciPhi-AI/R2R#768).
 * - `encoding_format: "base64"` answers each embedding as the base64 of its little-endian float32 bytes.
 * GUESSED (not confirmed against the live API): the wording for a missing `input`, `dimensions` < 1
 * (written in the chat endpoint's `integer_below_min_value` style) and for a model that is not an
 * embeddings model (written as OpenAI's model_not_found).
 */
import { isRecord } from '../../../src/util/json.ts';
import { roughTokens } from './mock-util.ts';
import { invalidType, missing, unparsableBody, type OpenAIErrorInfo } from './openai-mock-validate.ts';

/** Vector length when the request sets no `dimensions` (real models: 1536/3072; short keeps tests readable). */
export const OPENAI_MOCK_EMBEDDING_DIMS = 8;

const KNOWN_PARAMS = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);
const ENCODINGS = ['float', 'base64'];
/** The real endpoint takes at most 2048 inputs per request. */
const MAX_INPUTS = 2048;

const invalid = (message: string, param: string | null = null, code: string | null = null): OpenAIErrorInfo => ({
  status: 400,
  message,
  type: 'invalid_request_error',
  param,
  code,
});

const INPUT_INVALID =
  "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";

/** OpenAI's embeddings models; the only ones `/v1/embeddings` serves. */
export const isOpenAIEmbeddingModel = (model: string): boolean => /^text-embedding-/.test(model);

const isTokenId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isTokenArray = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isTokenId);

/** The inputs of a request, one per vector, or undefined when `input` has none of the four shapes. */
export function embeddingInputs(input: unknown): Array<string | number[]> | undefined {
  if (typeof input === 'string') return input === '' ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_INPUTS) return undefined;
  if (input.every((i) => typeof i === 'string')) return input.every((s) => s !== '') ? (input as string[]) : undefined;
  if (input.every(isTokenId)) return [input as number[]];
  if (input.every(isTokenArray)) return input as number[][];
  return undefined;
}

export function validateEmbeddingsRequest(body: unknown): OpenAIErrorInfo | undefined {
  if (!isRecord(body)) return unparsableBody();
  const unknown = Object.keys(body).filter((k) => !KNOWN_PARAMS.has(k));
  if (unknown.length === 1) return invalid(`Unrecognized request argument supplied: ${unknown[0]}`);
  if (unknown.length > 1) return invalid(`Unrecognized request arguments supplied: ${unknown.join(', ')}`);

  if (typeof body.model !== 'string' || body.model === '') return invalid('you must provide a model parameter');
  if (body.input === undefined || body.input === null) {
    return missing('input');
  }
  if (embeddingInputs(body.input) === undefined) return invalid(INPUT_INVALID);

  const format = body.encoding_format;
  if (format !== undefined && format !== null && !ENCODINGS.includes(String(format))) {
    return invalid(`Invalid value for 'encoding_format' = ${String(format)}. Supported values: ['float', 'base64'].`);
  }

  const dims = body.dimensions;
  if (dims !== undefined && dims !== null) {
    if (typeof dims !== 'number' || !Number.isInteger(dims)) {
      return invalidType('dimensions', 'an integer', dims);
    }
    if (dims < 1) {
      return invalid(
        `Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got ${dims} instead.`,
        'dimensions',
        'integer_below_min_value',
      );
    }
    if (body.model === 'text-embedding-ada-002') return invalid('This model does not support specifying dimensions.');
  }
  if (body.user !== undefined && body.user !== null && typeof body.user !== 'string') {
    return invalidType('user', 'a string', body.user);
  }

  if (!isOpenAIEmbeddingModel(body.model)) {
    return {
      status: 404,
      message: `The model \`${body.model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    };
  }
  return undefined;
}

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The vector this mock answers for one input: derived from the text (or token ids), so different inputs
 * get different vectors. Every component is k/1024 with |k| ≤ 1000, exact in float32, so a vector
 * survives a trip through base64 float32 unchanged and tests can compare with toEqual.
 */
export function openaiMockEmbedding(input: string | number[], dims = OPENAI_MOCK_EMBEDDING_DIMS): number[] {
  const key = typeof input === 'string' ? `text:${input}` : `tokens:${input.join(',')}`;
  return Array.from({ length: dims }, (_, i) => ((fnv1a(`openai|${key}|${i}`) % 2001) - 1000) / 1024);
}

/** `usage.prompt_tokens` for these inputs: a token array counts its ids, a text about four characters a token. */
export function openaiMockEmbeddingTokens(inputs: Array<string | number[]>): number {
  return inputs.reduce((n, i) => n + (typeof i === 'string' ? Math.max(1, roughTokens(i.length)) : i.length), 0);
}

/** Little-endian float32 bytes, base64: what `encoding_format: "base64"` answers. */
export function float32Base64(vector: number[]): string {
  const f32 = new Float32Array(vector);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');
}

/** The answer to a request that passed validateEmbeddingsRequest. `promptTokens` overrides the usage count. */
export function renderEmbeddings(body: Record<string, unknown>, promptTokens?: number): Record<string, unknown> {
  const inputs = embeddingInputs(body.input) ?? [];
  const dims = typeof body.dimensions === 'number' ? body.dimensions : OPENAI_MOCK_EMBEDDING_DIMS;
  const base64 = body.encoding_format === 'base64';
  const tokens = promptTokens ?? openaiMockEmbeddingTokens(inputs);
  return {
    object: 'list',
    data: inputs.map((input, index) => {
      const vector = openaiMockEmbedding(input, dims);
      return { object: 'embedding', index, embedding: base64 ? float32Base64(vector) : vector };
    }),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
