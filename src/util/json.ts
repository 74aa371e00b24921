export type JsonObject = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Tool-call arguments as an object. Upstreams and clients send `""`, truncated or non-object JSON;
 * Anthropic `input` and Gemini `args` must be objects, so anything else becomes `{}`.
 */
export function parseJsonObject(text: string | undefined | null): JsonObject {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}

/** JSON.parse that returns undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
