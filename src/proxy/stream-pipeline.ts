import type { ProxyErrorInfo } from '../core/errors.ts';
import type { StreamEvent } from '../core/index.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import type { StreamDecoder, StreamEncoder } from '../protocols/types.ts';
import { SSEReader } from '../util/sse.ts';
import { jsonArrayBoundary, sseBoundary } from './event-boundary.ts';
import { StreamClock, type StreamTiming } from './stream-clock.ts';
import { StreamTail } from './stream-tail.ts';

export interface StreamEnd {
  /** Set when the stream ended with an error (upstream in-band error, broken connection, truncation). */
  error?: string;
  outputTokens?: number;
  inputTokens?: number;
}

/** Deadlines and keep-alives of a stream to a client (src/proxy/stream-options.ts builds them from the config). */
export interface StreamOptions extends StreamTiming {
  /** The client's keep-alive bytes; without them no keep-alive is sent. */
  keepalive?: Uint8Array;
}

/** A same-protocol relay also needs to know the framing it relays, to write between events only. */
export interface RelayOptions extends StreamOptions {
  protocol: Protocol;
  format: 'sse' | 'json-array';
}

const encoder = new TextEncoder();

const brokeOff = (e: unknown): ProxyErrorInfo => ({
  status: 502,
  kind: 'api_error',
  message: `upstream connection broke off mid-stream: ${(e as Error)?.message ?? String(e)}`,
});

const idleTimeout = (idleMs: number): ProxyErrorInfo => ({
  status: 504,
  kind: 'timeout',
  message: `upstream sent nothing for ${idleMs / 1000} s and was abandoned (timeouts.idle_ms)`,
});

/**
 * Upstream SSE bytes → canonical events → client SSE bytes, one upstream chunk at a time.
 * Pull-based: nothing is read from the upstream until the client wants more, and a client that goes
 * away cancels the upstream read. A broken upstream connection becomes an in-band error event in the
 * client's protocol instead of a reset socket, so the client can tell a cut stream from a complete one.
 * With `opts`, an upstream silent for idleMs is abandoned with an in-band timeout error, and a waiting
 * client gets a keep-alive every keepaliveMs (always between whole events: each enqueue is whole events).
 */
export function convertStream(
  upstream: ReadableStream<Uint8Array>,
  decoder: StreamDecoder,
  enc: StreamEncoder,
  onEnd?: (end: StreamEnd) => void,
  opts?: StreamOptions,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const sse = new SSEReader();
  const end: StreamEnd = {};
  let finished = false;
  let timedOut = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

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

  const clock = StreamClock.create(opts, {
    idle() {
      timedOut = true;
      // Resolves the pending read as done; pull() then ends the stream with the timeout error.
      reader.cancel('idle timeout').catch(() => {});
    },
    keepalive() {
      if (!closed && opts?.keepalive) controller.enqueue(opts.keepalive);
    },
  });

  let closed = false;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clock?.stop();
    controller.close();
    onEnd?.(end);
  };
  const send = (text: string): void => {
    if (!text) return;
    controller.enqueue(encoder.encode(text));
    clock?.wrote();
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull() {
        // Loop until there is something to send: many upstream chunks (pings, partial lines) yield nothing.
        for (;;) {
          let result: Awaited<ReturnType<typeof reader.read>>;
          clock?.readStarted();
          try {
            result = await reader.read();
          } catch (e) {
            send(emit([{ type: 'error', error: brokeOff(e) }]));
            finish();
            return;
          } finally {
            clock?.readEnded();
          }
          if (closed) return; // the client went away while this read was pending
          if (timedOut) {
            send(emit([{ type: 'error', error: idleTimeout(opts!.idleMs) }]));
            finish();
            return;
          }
          const text = fromMessages(result.done ? undefined : result.value);
          send(text);
          if (result.done || finished) {
            if (!result.done) reader.cancel().catch(() => {});
            finish();
            return;
          }
          if (text) return;
        }
      },
      cancel(reason) {
        closed = true;
        clock?.stop();
        end.error = 'client disconnected';
        onEnd?.(end);
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/** The in-band error for a relayed stream, in the client's protocol, after what was relayed so far. */
function relayError(opts: RelayOptions, lead: string, error: ProxyErrorInfo): string {
  if (opts.format === 'json-array') return `${lead}${JSON.stringify(codecs.gemini.encodeError(error))}]`;
  const enc = codecs[opts.protocol].createStreamEncoder({ model: '', format: 'sse' });
  return lead + enc.encode({ type: 'error', error }) + enc.end();
}

/**
 * Same-protocol relay: the upstream bytes untouched, but a connection that breaks mid-stream still ends
 * with the protocol's in-band error (`errorFrame`) rather than a silent or reset end. With `opts`, also
 * a stream the upstream ended cleanly but early (no `[DONE]`, `message_stop`, `finishReason`), an idle
 * upstream (timeout error) and keep-alives to a waiting client, written only between upstream events.
 */
export function relayStream(
  upstream: ReadableStream<Uint8Array>,
  errorFrame: (message: string, relayedAny: boolean) => string,
  onEnd?: (end: StreamEnd) => void,
  opts?: RelayOptions,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  let closed = false;
  let timedOut = false;
  const end: StreamEnd = {};
  const boundary = opts?.format === 'json-array' ? jsonArrayBoundary() : sseBoundary();
  const tail = opts ? new StreamTail() : undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const clock = StreamClock.create(opts, {
    idle() {
      timedOut = true;
      reader.cancel('idle timeout').catch(() => {});
    },
    keepalive() {
      if (!closed && opts?.keepalive && boundary.atBoundary()) controller.enqueue(opts.keepalive);
    },
  });

  const close = (errorText?: string): void => {
    if (closed) return;
    closed = true;
    clock?.stop();
    if (errorText) controller.enqueue(encoder.encode(errorText));
    controller.close();
    onEnd?.(end);
  };
  const fail = (error: ProxyErrorInfo): void => {
    end.error = error.message;
    close(opts ? relayError(opts, boundary.lead(), error) : errorFrame(error.message, boundary.sentAny));
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull() {
        let result: Awaited<ReturnType<typeof reader.read>>;
        clock?.readStarted();
        try {
          result = await reader.read();
        } catch (e) {
          fail(brokeOff(e));
          return;
        } finally {
          clock?.readEnded();
        }
        if (closed) return;
        if (timedOut) return fail(idleTimeout(opts!.idleMs));
        if (!result.done) {
          controller.enqueue(result.value);
          boundary.push(result.value);
          tail?.push(result.value);
          clock?.wrote();
          return;
        }
        if (opts && tail && !tail.complete(opts.protocol, opts.format)) {
          return fail({ status: 502, kind: 'api_error', message: 'upstream stream ended before its end marker: the answer is truncated' });
        }
        close();
      },
      cancel(reason) {
        if (!closed) {
          closed = true;
          clock?.stop();
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
 * With `opts`, idle deadline and keep-alives as in convertStream, and a stream whose last message
 * carries no finishReason ends with an in-band error.
 */
export function unwrapStream(
  upstream: ReadableStream<Uint8Array>,
  unwrap: (json: unknown) => unknown,
  format: 'sse' | 'json-array',
  errorFrame: (message: string, relayedAny: boolean) => string,
  onEnd?: (end: StreamEnd) => void,
  opts?: StreamOptions,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const sse = new SSEReader();
  const end: StreamEnd = {};
  let sent = 0;
  let lastData = '';
  let closed = false;
  let timedOut = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const frame = (json: unknown): string => {
    const text = JSON.stringify(json);
    if (format === 'sse') return `data: ${text}\n\n`;
    return `${sent === 0 ? '[' : ',\r\n'}${text}`;
  };
  const clock = StreamClock.create(opts, {
    idle() {
      timedOut = true;
      reader.cancel('idle timeout').catch(() => {});
    },
    keepalive() {
      if (!closed && opts?.keepalive) controller.enqueue(opts.keepalive);
    },
  });
  const close = (tail: string): void => {
    if (closed) return;
    closed = true;
    clock?.stop();
    if (tail) controller.enqueue(encoder.encode(tail));
    controller.close();
    onEnd?.(end);
  };
  const fail = (message: string): void => {
    end.error = message;
    reader.cancel().catch(() => {});
    close(errorFrame(message, sent > 0));
  };
  const send = (text: string): void => {
    if (!text) return;
    controller.enqueue(encoder.encode(text));
    clock?.wrote();
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull() {
        for (;;) {
          let result: Awaited<ReturnType<typeof reader.read>>;
          clock?.readStarted();
          try {
            result = await reader.read();
          } catch (e) {
            return fail(brokeOff(e).message);
          } finally {
            clock?.readEnded();
          }
          if (closed) return;
          if (timedOut) return fail(idleTimeout(opts!.idleMs).message);
          let out = '';
          for (const m of result.done ? sse.end() : sse.push(result.value)) {
            let json: unknown;
            try {
              json = JSON.parse(m.data);
            } catch {
              send(out);
              return fail('malformed upstream stream: a message is not JSON');
            }
            out += frame(unwrap(json));
            lastData = m.data;
            sent++;
          }
          send(out);
          if (result.done) {
            if (opts && !lastData.includes('"finishReason"') && !lastData.includes('"error"') && !lastData.includes('"blockReason"')) {
              return fail('upstream stream ended before its last chunk: the answer is truncated');
            }
            return close(format === 'json-array' ? (sent === 0 ? '[]' : ']') : '');
          }
          if (out) return;
        }
      },
      cancel(reason) {
        if (!closed) {
          closed = true;
          clock?.stop();
          end.error = 'client disconnected';
          onEnd?.(end);
        }
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
