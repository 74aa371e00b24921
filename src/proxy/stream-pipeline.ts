import type { StreamEvent } from '../core/index.ts';
import type { StreamDecoder, StreamEncoder } from '../protocols/types.ts';
import { SSEReader } from '../util/sse.ts';

export interface StreamEnd {
  /** Set when the stream ended with an error (upstream in-band error, broken connection, truncation). */
  error?: string;
  outputTokens?: number;
  inputTokens?: number;
}

const encoder = new TextEncoder();

/**
 * Upstream SSE bytes → canonical events → client SSE bytes, one upstream chunk at a time.
 * Pull-based: nothing is read from the upstream until the client wants more, and a client that goes
 * away cancels the upstream read. A broken upstream connection becomes an in-band error event in the
 * client's protocol instead of a reset socket, so the client can tell a cut stream from a complete one.
 */
export function convertStream(
  upstream: ReadableStream<Uint8Array>,
  decoder: StreamDecoder,
  enc: StreamEncoder,
  onEnd?: (end: StreamEnd) => void,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const sse = new SSEReader();
  const end: StreamEnd = {};
  let finished = false;

  /** Encodes events until the stream's last one; returns the client text. */
  const emit = (events: StreamEvent[]): string => {
    let out = '';
    for (const ev of events) {
      if (finished) break;
      out += enc.encode(ev);
      if (ev.type === 'finish') {
        finished = true;
        end.outputTokens = ev.usage.outputTokens;
        end.inputTokens = ev.usage.inputTokens;
      } else if (ev.type === 'error') {
        finished = true;
        end.error = ev.error.message;
      }
    }
    if (finished) out += enc.end();
    return out;
  };

  const fromMessages = (chunk: Uint8Array | undefined): string => {
    const messages = chunk ? sse.push(chunk) : sse.end();
    let out = '';
    for (const m of messages) {
      out += emit(decoder.message(m));
      if (finished) return out;
    }
    if (sse.failure !== undefined) {
      return out + emit([{ type: 'error', error: { status: 502, kind: 'api_error', message: `malformed upstream stream: ${sse.failure}` } }]);
    }
    if (!chunk) out += emit(decoder.end());
    return out;
  };

  let closed = false;
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    if (closed) return;
    closed = true;
    controller.close();
    onEnd?.(end);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Loop until there is something to send: many upstream chunks (pings, partial lines) yield nothing.
        for (;;) {
          let result: Awaited<ReturnType<typeof reader.read>>;
          try {
            result = await reader.read();
          } catch (e) {
            const text = emit([
              { type: 'error', error: { status: 502, kind: 'api_error', message: `upstream connection broke off mid-stream: ${(e as Error).message ?? e}` } },
            ]);
            if (text) controller.enqueue(encoder.encode(text));
            finish(controller);
            return;
          }
          const text = fromMessages(result.done ? undefined : result.value);
          if (text) controller.enqueue(encoder.encode(text));
          if (result.done || finished) {
            if (!result.done) reader.cancel().catch(() => {});
            finish(controller);
            return;
          }
          if (text) return;
        }
      },
      cancel(reason) {
        closed = true;
        end.error = 'client disconnected';
        onEnd?.(end);
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Same-protocol relay: the upstream bytes untouched, but a connection that breaks mid-stream still ends
 * with the protocol's in-band error (`errorFrame`) rather than a silent or reset end.
 */
export function relayStream(
  upstream: ReadableStream<Uint8Array>,
  errorFrame: (message: string, relayedAny: boolean) => string,
  onEnd?: (end: StreamEnd) => void,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  let closed = false;
  let relayedAny = false;
  const end: StreamEnd = {};
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (!done) {
            relayedAny = true;
            controller.enqueue(value);
            return;
          }
        } catch (e) {
          end.error = `upstream connection broke off mid-stream: ${(e as Error).message ?? e}`;
          controller.enqueue(encoder.encode(errorFrame(end.error, relayedAny)));
        }
        closed = true;
        controller.close();
        onEnd?.(end);
      },
      cancel(reason) {
        if (!closed) {
          end.error = 'client disconnected';
          onEnd?.(end);
        }
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * SSE from an envelope upstream → the same protocol without the envelope, as SSE or as the streamed
 * JSON array. Messages are parsed only to take the envelope off; their content is not re-encoded.
 */
export function unwrapStream(
  upstream: ReadableStream<Uint8Array>,
  unwrap: (json: unknown) => unknown,
  format: 'sse' | 'json-array',
  errorFrame: (message: string, relayedAny: boolean) => string,
  onEnd?: (end: StreamEnd) => void,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const sse = new SSEReader();
  const end: StreamEnd = {};
  let sent = 0;
  let closed = false;

  const frame = (json: unknown): string => {
    const text = JSON.stringify(json);
    if (format === 'sse') return `data: ${text}\n\n`;
    return `${sent === 0 ? '[' : ',\r\n'}${text}`;
  };
  const close = (controller: ReadableStreamDefaultController<Uint8Array>, tail: string): void => {
    if (closed) return;
    closed = true;
    if (tail) controller.enqueue(encoder.encode(tail));
    controller.close();
    onEnd?.(end);
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, message: string): void => {
    end.error = message;
    reader.cancel().catch(() => {});
    close(controller, errorFrame(message, sent > 0));
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          let result: Awaited<ReturnType<typeof reader.read>>;
          try {
            result = await reader.read();
          } catch (e) {
            return fail(controller, `upstream connection broke off mid-stream: ${(e as Error).message ?? e}`);
          }
          let out = '';
          for (const m of result.done ? sse.end() : sse.push(result.value)) {
            let json: unknown;
            try {
              json = JSON.parse(m.data);
            } catch {
              if (out) controller.enqueue(encoder.encode(out));
              return fail(controller, 'malformed upstream stream: a message is not JSON');
            }
            out += frame(unwrap(json));
            sent++;
          }
          if (out) controller.enqueue(encoder.encode(out));
          if (result.done) return close(controller, format === 'json-array' ? (sent === 0 ? '[]' : ']') : '');
          if (out) return;
        }
      },
      cancel(reason) {
        if (!closed) {
          closed = true;
          end.error = 'client disconnected';
          onEnd?.(end);
        }
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
