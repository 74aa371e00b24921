/**
 * The Gemini API's embeddings methods for the Gemini mock: `models/{model}:embedContent` (one
 * EmbedContentRequest → `{embedding:{values}}`) and `models/{model}:batchEmbedContents`
 * (`{requests:[EmbedContentRequest…]}` → `{embeddings:[{values}…]}`, in request order, no usage).
 * Bodies have already passed the proto check (gemini-mock-proto.ts); these are the semantic checks.
 *
 * Real-API facts (sources in the embeddings report):
 * - every batch request names its model, `models/`-prefixed, and it must be the URL's model
 *   (ai.google.dev/api/embeddings: "The model in each of these requests must match the model specified
 *   BatchEmbedContentsRequest.model"); without one: `BatchEmbedContentsRequest.requests[0].model: model is
 *   not specified`; a bare id: `unexpected model name format`;
 * - more than 100 requests: `BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch`;
 * - an empty text part: `EmbedContentRequest.content contains an empty Part` (also inside a batch);
 * - a model that does not embed: 404 `models/X is not found for API version v1beta, or is not supported
 *   for embedContent. …`.
 * GUESSED (no live sample found): the wording of the model-mismatch refusal, of an empty `requests`, of a
 * missing `content` / empty `parts`, and of a negative outputDimensionality. They are refused with a
 * 400 INVALID_ARGUMENT in Google's `* field: problem` style all the same.
 */
import { isRecord } from '../../../src/util/json.ts';
import { invalidArgument, type MockHttpError } from './gemini-mock-errors.ts';
import { isDefault } from './gemini-mock-proto.ts';
import { field, list } from './gemini-mock-rules.ts';

/** Vector length when a request sets no outputDimensionality (real: 3072; short keeps tests readable). */
export const GEMINI_MOCK_EMBEDDING_DIMS = 8;
const MAX_BATCH = 100;

/** Models this mock embeds with (gemini-embedding-001, gemini-embedding-2…); text-embedding-004 is retired. */
export const isGeminiEmbeddingModel = (model: string): boolean => model.startsWith('gemini-embedding-');

const PART_DATA_FIELDS = ['text', 'inlineData', 'fileData'] as const;

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
 * The vector this mock answers for a content whose text parts join to `text`. Components are k/1024
 * with |k| ≤ 1000: exact in float32, so they survive a float32/base64 conversion unchanged.
 */
export function geminiMockEmbedding(text: string, dims = GEMINI_MOCK_EMBEDDING_DIMS): number[] {
  return Array.from({ length: dims }, (_, i) => ((fnv1a(`gemini|${text}|${i}`) % 2001) - 1000) / 1024);
}

/** What a content is embedded from: its text parts joined; other parts by their JSON. */
function contentKey(content: unknown): string {
  return list(field(content, 'parts'))
    .map((p) => {
      const text = field(p, 'text');
      return typeof text === 'string' ? text : JSON.stringify(p);
    })
    .join('');
}

function dimsOf(request: unknown): number {
  const raw = field(request, 'outputDimensionality');
  const n = typeof raw === 'string' ? Number(raw) : raw;
  // proto3: 0 is "not set", the model's full size.
  return typeof n === 'number' && n > 0 ? n : GEMINI_MOCK_EMBEDDING_DIMS;
}

const vectorOf = (request: unknown): number[] => geminiMockEmbedding(contentKey(field(request, 'content')), dimsOf(request));

/** `* <at>.<field>: problem` lines for one EmbedContentRequest, or a whole refusal Google sends bare. */
function checkRequest(request: unknown, at: string, lines: string[]): MockHttpError | undefined {
  const content = field(request, 'content');
  if (content === undefined) {
    lines.push(`${at}.content: content is not specified`);
  } else {
    const parts = list(field(content, 'parts'));
    if (parts.length === 0) lines.push(`${at}.content.parts: content.parts must not be empty`);
    // `{"text": ""}` is proto3's default, so such a part holds nothing.
    if (parts.some((p) => !PART_DATA_FIELDS.some((f) => !isDefault(field(p, f))))) {
      return invalidArgument('EmbedContentRequest.content contains an empty Part');
    }
  }
  const raw = field(request, 'outputDimensionality');
  const dims = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof dims === 'number' && dims < 0) lines.push(`${at}.output_dimensionality: must not be negative`);
  return undefined;
}

const refusal = (lines: string[]): MockHttpError | undefined =>
  lines.length === 0 ? undefined : invalidArgument(lines.map((l) => `* ${l}\n`).join(''));

/** Checks an `:embedContent` body (the URL's model is the one used; a body `model` is not policed). */
export function checkEmbedContent(body: Record<string, unknown>): MockHttpError | undefined {
  const lines: string[] = [];
  return checkRequest(body, 'EmbedContentRequest', lines) ?? refusal(lines);
}

/** Checks a `:batchEmbedContents` body against the URL's model. */
export function checkBatchEmbedContents(body: Record<string, unknown>, model: string): MockHttpError | undefined {
  const requests = list(field(body, 'requests'));
  if (requests.length === 0) return refusal(['BatchEmbedContentsRequest.requests: requests is not specified']);
  if (requests.length > MAX_BATCH) {
    return refusal([`BatchEmbedContentsRequest.requests: at most ${MAX_BATCH} requests can be in one batch`]);
  }
  const lines: string[] = [];
  for (const [i, request] of requests.entries()) {
    const at = `BatchEmbedContentsRequest.requests[${i}]`;
    const given = field(request, 'model');
    if (typeof given !== 'string' || given === '') {
      lines.push(`${at}.model: model is not specified`);
    } else if (!given.startsWith('models/') || given.length === 'models/'.length) {
      return invalidArgument('unexpected model name format');
    } else if (given !== `models/${model}`) {
      // GUESSED wording: the documented rule, refused the way Google refuses a field.
      lines.push(`${at}.model: the model of every request must be the batch's model, models/${model}; got ${given}`);
    }
    const whole = checkRequest(request, at, lines);
    if (whole) return whole;
  }
  return refusal(lines);
}

export function renderEmbedContent(body: Record<string, unknown>): Record<string, unknown> {
  return { embedding: { values: vectorOf(body) } };
}

export function renderBatchEmbedContents(body: Record<string, unknown>): Record<string, unknown> {
  return { embeddings: list(field(body, 'requests')).filter(isRecord).map((r) => ({ values: vectorOf(r) })) };
}
