import type { Protocol } from '../protocols/types.ts';

/** `/v1/models/{model}:generateContent`: the Gemini SDK's default API version is v1. */
const GEMINI_ACTION = /\/models\/[^/]+:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/;

/** Whether a path is a Gemini model action (`…/models/{model}:generateContent` and the others). */
export const isGeminiAction = (path: string): boolean => GEMINI_ACTION.test(path);

/**
 * Which protocol's error shape a path answers in, before any route has run (auth, 404, bad JSON).
 * `/v1/models` is shared: Anthropic SDKs send `anthropic-version`/`x-api-key`, OpenAI SDKs do not.
 */
export function protocolOf(path: string, headers: Headers): Protocol {
  if (path.includes('/v1beta/') || isGeminiAction(path)) return 'gemini';
  if (path.includes('/v1/messages')) return 'anthropic';
  if (path.endsWith('/v1/responses') || path.includes('/v1/responses/')) return 'responses';
  if (path.endsWith('/v1/models') || path.includes('/v1/models/')) {
    return headers.has('anthropic-version') || headers.has('x-api-key') ? 'anthropic' : 'openai';
  }
  return 'openai';
}
