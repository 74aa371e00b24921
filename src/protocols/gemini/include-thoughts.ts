import { isRecord, type JsonObject } from '../../util/json.ts';

/**
 * Whether the client's request asked for thought text. Gemini sends `thought: true` parts only for
 * `thinkingConfig.includeThoughts: true`, whatever the thinking budget; other upstreams send their
 * reasoning regardless, so the encoders hold it back. Read from the raw body in either proto-JSON
 * spelling (camelCase wins, as in normalize.ts). Without a request (an encoder used outside a client
 * exchange) nothing is held back.
 */
export function wantsThoughts(request: JsonObject | undefined): boolean {
  if (request === undefined) return true;
  const gc = field(request, 'generationConfig', 'generation_config');
  const tc = isRecord(gc) ? field(gc, 'thinkingConfig', 'thinking_config') : undefined;
  return isRecord(tc) && field(tc, 'includeThoughts', 'include_thoughts') === true;
}

const field = (o: JsonObject, camel: string, snake: string): unknown => (camel in o ? o[camel] : o[snake]);
