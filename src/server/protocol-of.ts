import type { Protocol } from '../protocols/types.ts';

/** `/v1/models/{model}:generateContent`: the Gemini SDK's default API version is v1; a model may have an owner (`Qwen/Qwen3-8B`). */
const GEMINI_ACTION = /\/models\/(?:[^/]+\/)?[^/]+:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/;

/** Whether a path is a Gemini model action (`…/models/{model}:generateContent` and the others). */
export const isGeminiAction = (path: string): boolean => GEMINI_ACTION.test(path);

/**
 * Which protocol's error shape a path answers in, before any route has run (auth, 404, bad JSON).
 * `/v1/models` is shared by three: Anthropic SDKs send `anthropic-version`/`x-api-key`; the Gemini
 * SDK with apiVersion v1 sends `x-goog-api-key` (or `?key=`) and no bearer
 * token, which OpenAI SDKs always send.
 */
export function protocolOf(path: string, headers: Headers, query: string): Protocol {
  if (path.includes('/v1beta/') || isGeminiAction(path)) return 'gemini';
  if (path.includes('/v1/messages')) return 'anthropic';
  if (path.endsWith('/v1/responses') || path.includes('/v1/responses/')) return 'responses';
  if (path.endsWith('/v1/models') || path.includes('/v1/models/')) {
    if (headers.has('anthropic-version') || headers.has('x-api-key')) return 'anthropic';
    if (!headers.has('authorization') && (headers.has('x-goog-api-key') || hasKeyParam(query))) return 'gemini';
    return 'openai';
  }
  return 'openai';
}

const hasKeyParam = (query: string): boolean => query !== '' && new URLSearchParams(query).has('key');
