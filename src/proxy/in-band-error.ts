import type { ProxyErrorInfo } from '../core/errors.ts';
import { codecs } from '../protocols/index.ts';
import type { Protocol } from '../protocols/types.ts';
import { isRecord } from '../util/json.ts';
import type { ResponseSoFar } from './stream-tail.ts';

/**
 * The text that ends a stream a client is already reading with `error`, in its protocol: an error event
 * for SSE, a last `{"error":…}` element and the closing `]` for Gemini's streamed JSON array. `lead`
 * (from an EventBoundary) first closes whatever the stream left open. `soFar`: where a relayed
 * Responses stream stood, for the error to continue it.
 */
export function inBandErrorText(protocol: Protocol, format: 'sse' | 'json-array', lead: string, error: ProxyErrorInfo, soFar?: ResponseSoFar): string {
  if (format === 'json-array') return `${lead}${JSON.stringify(codecs.gemini.encodeError(error))}]`;
  // The client is reading a started stream: the error continues it rather than opening a new one.
  const enc = codecs[protocol].createStreamEncoder({ model: soFar?.model ?? '', format: 'sse', started: true });
  const text = enc.encode({ type: 'error', error }) + enc.end();
  return lead + (protocol === 'responses' && soFar ? continuing(text, soFar) : text);
}

/**
 * Our `error` and `response.failed` as the next events of the relayed response: the openai SDK and
 * Codex order events by sequence_number and tie response.failed to the response by its id. A fresh
 * encoder cannot know either (it numbers from 0 and names a response of its own), so its few events
 * are renumbered and renamed; this runs once, when a relay fails.
 */
function continuing(text: string, soFar: ResponseSoFar): string {
  let next = soFar.sequence === undefined ? undefined : soFar.sequence + 1;
  return text.replace(/^data: (.*)$/gm, (line, json: string) => {
    let data: unknown;
    try {
      data = JSON.parse(json);
    } catch {
      return line;
    }
    if (!isRecord(data)) return line;
    if (next !== undefined && typeof data.sequence_number === 'number') data.sequence_number = next++;
    const response = data.response;
    if (isRecord(response)) {
      if (soFar.id !== undefined) response.id = soFar.id;
      if (soFar.createdAt !== undefined) response.created_at = soFar.createdAt;
      if (soFar.model !== undefined) response.model = soFar.model;
    }
    return `data: ${JSON.stringify(data)}`;
  });
}
