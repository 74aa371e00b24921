import type { ProxyErrorInfo } from '../core/errors.ts';
import { codecs } from '../protocols/index.ts';
import type { Protocol } from '../protocols/types.ts';

/**
 * The text that ends a stream a client is already reading with `error`, in its protocol: an error event
 * for SSE, a last `{"error":…}` element and the closing `]` for Gemini's streamed JSON array. `lead`
 * (from an EventBoundary) first closes whatever the stream left open.
 */
export function inBandErrorText(protocol: Protocol, format: 'sse' | 'json-array', lead: string, error: ProxyErrorInfo): string {
  if (format === 'json-array') return `${lead}${JSON.stringify(codecs.gemini.encodeError(error))}]`;
  // The client is reading a started stream: the error continues it rather than opening a new one.
  const enc = codecs[protocol].createStreamEncoder({ model: '', format: 'sse', started: true });
  return lead + enc.encode({ type: 'error', error }) + enc.end();
}
