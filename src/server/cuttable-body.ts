import type { ProxyErrorInfo } from '../core/errors.ts';
import type { Protocol } from '../protocols/index.ts';
import { jsonArrayBoundary, sseBoundary } from '../proxy/event-boundary.ts';
import { inBandErrorText } from '../proxy/in-band-error.ts';
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

const encoder = new TextEncoder();

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
  // Tracks whether the client has just received a complete event, from the bytes sent (not kept).
  const boundary = format === 'json-array' ? jsonArrayBoundary() : sseBoundary();

  const end = (): void => {
    if (closed) return;
    closed = true;
    onEnd();
  };

  /** The bytes that end the stream with `error`, or undefined when an event is half-sent and not forced. */
  const closingText = (error: ProxyErrorInfo, force: boolean): string | undefined => {
    if (boundary.ended()) return ''; // the array is already complete
    // Forced mid-event, the lead terminates what was half-sent so the error arrives as an event of its own.
    if (!boundary.atBoundary() && !force) return undefined;
    return inBandErrorText(protocol, format, boundary.lead(), error);
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
        boundary.push(result.value);
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
