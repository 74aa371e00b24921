import type { ProxyErrorInfo } from '../core/errors.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import { isKeepalive } from '../proxy/keepalive.ts';

/** How a streamed body is framed: SSE events, or Gemini's streamed JSON array (`[{…},\r\n{…}]`). */
export type StreamFormat = 'sse' | 'json-array';

/** A response body relayed chunk by chunk that can be ended early with the protocol's in-band error. */
export interface CuttableBody {
  stream: ReadableStream<Uint8Array>;
  /**
   * Ends the stream with `error` in-band. Waits for the end of the event being relayed (the cut then
   * happens right after the next chunk that completes it) unless `force`; returns whether it ended now.
   */
  cut(error: ProxyErrorInfo, force: boolean): boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const encoder = new TextEncoder();

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === LF || b === CR;
}

/**
 * Wraps `source` so it can be cut. Only the last few bytes are remembered (not the stream), enough to
 * tell whether the client has just received a complete event: a blank line for SSE, a closing `}`
 * for a JSON array. `onEnd` runs once, however the stream ends (finished, failed, cut, client gone).
 */
export function cuttableBody(
  source: ReadableStream<Uint8Array>,
  protocol: Protocol,
  format: StreamFormat,
  onEnd: () => void,
  onFirstByte?: () => void,
): CuttableBody {
  const reader = source.getReader();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let pending: ProxyErrorInfo | undefined;
  let sentAny = false;
  // The last three bytes sent (SSE) and the last non-space byte (JSON array); -1 = none yet.
  let b1 = -1;
  let b2 = -1;
  let b3 = -1;
  let lastSignificant = -1;

  const remember = (chunk: Uint8Array): void => {
    if (chunk.length === 0) return;
    sentAny = true;
    for (let i = Math.max(0, chunk.length - 3); i < chunk.length; i++) {
      b3 = b2;
      b2 = b1;
      b1 = chunk[i]!;
    }
    if (format === 'json-array') {
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (!isSpace(chunk[i]!)) {
          lastSignificant = chunk[i]!;
          break;
        }
      }
    }
  };

  const end = (): void => {
    if (closed) return;
    closed = true;
    onEnd();
  };

  /** The bytes that end the stream with `error`, or undefined when an event is half-sent and not forced. */
  const closingText = (error: ProxyErrorInfo, force: boolean): string | undefined => {
    if (format === 'json-array') {
      if (lastSignificant === CLOSE_BRACKET) return ''; // the array is already complete
      const atBoundary = !sentAny || lastSignificant === CLOSE_BRACE || lastSignificant === OPEN_BRACKET;
      if (!atBoundary && !force) return undefined;
      const lead = !sentAny ? '[' : lastSignificant === OPEN_BRACKET ? '' : ',';
      return `${lead}${JSON.stringify(codecs.gemini.encodeError(error))}]`;
    }
    const atBoundary = !sentAny || (b1 === LF && (b2 === LF || (b2 === CR && b3 === LF))) || (b1 === CR && b2 === CR);
    if (!atBoundary && !force) return undefined;
    const enc = codecs[protocol].createStreamEncoder({ model: '', format: 'sse' });
    // Forced mid-event: terminate what was half-sent so the error arrives as an event of its own.
    const lead = atBoundary ? '' : b1 === LF ? '\n' : '\n\n';
    return lead + enc.encode({ type: 'error', error }) + enc.end();
  };

  const cut = (error: ProxyErrorInfo, force: boolean): boolean => {
    if (closed) return true;
    const text = closingText(error, force);
    if (text === undefined) {
      pending = error;
      return false;
    }
    if (text) controller.enqueue(encoder.encode(text));
    controller.close();
    end();
    reader.cancel('aiproxy is shutting down').catch(() => {});
    return true;
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull(c) {
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (e) {
          if (closed) return;
          c.error(e);
          end();
          return;
        }
        if (closed) return; // cut while this read was pending
        if (result.done) {
          c.close();
          end();
          return;
        }
        // Keep-alives are not the answer's first byte.
        if (onFirstByte && result.value.length > 0 && !isKeepalive(result.value)) {
          onFirstByte();
          onFirstByte = undefined;
        }
        c.enqueue(result.value);
        remember(result.value);
        if (pending) cut(pending, false);
      },
      cancel(reason) {
        end();
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, cut };
}
