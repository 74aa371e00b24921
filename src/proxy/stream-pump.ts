import type { ProxyErrorInfo } from '../core/errors.ts';
import { StreamClock, type StreamTiming } from './stream-clock.ts';
import { attachControl, detachControl } from './stream-control.ts';
import type { HeldStream, ReadResult } from './stream-head.ts';
import { scrubChunk } from '../upstream/scrub.ts';
import { currentRequest } from '../util/request-context.ts';

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
 * How a stream the client stopped reading ends (StreamClock's stalled): the client's doing, as a
 * disconnect is, not the upstream's (failover.ts's outcomeOf tells it by CLIENT_STALLED).
 */
export const CLIENT_STALLED = 'client read nothing of the stream';
const clientStalled = (idleMs: number): ProxyErrorInfo => ({
  status: 408,
  kind: 'timeout',
  message: `${CLIENT_STALLED} for ${idleMs / 1000} s and it was abandoned (timeouts.idle_ms)`,
});

const internalFailure = (e: unknown): ProxyErrorInfo => ({
  status: 500,
  kind: 'api_error',
  message: `aiproxy failed to process the upstream stream: ${(e as Error)?.message ?? String(e)}`,
});

/** What a stream kind writes to its client; `fail` sends the kind's in-band error and ends the stream. */
export interface PumpSink {
  /**
   * `noUpstreamError`: the text is a conversion's own writing of events none of which is an upstream
   * error, so it is not searched for an echoed key (the search made each event's text flat first).
   */
  send(data: string | Uint8Array, noUpstreamError?: boolean): void;
  fail(error: ProxyErrorInfo): void;
}

export interface PumpHandlers {
  /**
   * One upstream chunk, or undefined when the upstream ended. Returns true when the stream is over.
   * A pull ends as soon as something was sent; chunks that yield nothing (pings, partial lines) loop on.
   */
  chunk(value: Uint8Array | undefined, sink: PumpSink): boolean;
  /** The kind's in-band error text, after whatever was sent so far ('' when the stream is already complete). */
  failure(error: ProxyErrorInfo): string;
  /**
   * When the upstream fails (breaks off, goes idle) after its answer was already whole (its end marker
   * or finish came, only the connection's own end did not): the text that ends the client's stream as
   * complete, as a clean close would have. Undefined while the answer is not whole.
   */
  whole?(): string | undefined;
  /**
   * Whether what was sent so far ends between two events, so a keep-alive or an error of our own can
   * follow. Kinds that send whole events only leave it out.
   */
  atBoundary?(): boolean;
}

/**
 * The pull loop every stream kind shares: reads the upstream only when the client wants more, cancels
 * it when the client goes away, turns a broken connection or an idle upstream into the kind's in-band
 * error, writes keep-alives while the client waits, and reports the end once. The stream carries a
 * StreamControl, so the server can count it and cut it at a shutdown deadline without wrapping it in
 * a second stream (which cost a JS pull per chunk).
 */
export function pump(
  upstream: ReadableStream<Uint8Array> | HeldStream,
  handlers: PumpHandlers,
  end: StreamEnd,
  onEnd: ((end: StreamEnd) => void) | undefined,
  opts: StreamOptions | undefined,
): ReadableStream<Uint8Array> {
  const held = upstream instanceof ReadableStream ? undefined : upstream;
  const reader = held ? held.reader : (upstream as ReadableStream<Uint8Array>).getReader();
  // What stream-head.ts read before the response went out comes first.
  let head = held && held.head.length > 0 ? held.head : undefined;
  let pending = held?.pending;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let timedOut = false;
  let sentNow = false;
  // A cut asked for while an event was half-sent: done right after the chunk that completes it.
  let pendingCut: ProxyErrorInfo | undefined;
  let endListeners: Array<() => void> | undefined;
  let firstByte: (() => void) | undefined;
  let sentAny = false;
  const atBoundary = (): boolean => handlers.atBoundary?.() ?? true;
  // Made inside the request; its chunks are sent outside it. An upstream may echo its key in an
  // in-band error event (a 200 stream), which no error-status scrub sees.
  const scope = currentRequest();

  const clock = StreamClock.create(opts, {
    idle() {
      timedOut = true;
      // Resolves the pending read as done; pull() then ends the stream with the timeout error.
      reader.cancel('idle timeout').catch(() => {});
    },
    keepalive() {
      if (!closed && opts?.keepalive && atBoundary()) controller.enqueue(opts.keepalive);
    },
    stalled() {
      // The client stopped reading but kept its connection: the upstream request goes, and with it its
      // connection and the member's slot. The error ends what the client is owed, should it read on;
      // its connection is Bun's to reap (its idle timeout, put back once the stream is over).
      sink.fail(clientStalled(opts!.idleMs));
      reader.cancel('client stopped reading').catch(() => {});
    },
  });
  const ended = (): void => {
    detachControl(stream);
    onEnd?.(end);
    if (endListeners) for (const fn of endListeners) fn();
    endListeners = undefined;
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    clock?.stop();
    controller.close();
    ended();
  };
  const sink: PumpSink = {
    send(data, noUpstreamError) {
      if (closed || (typeof data === 'string' ? !data : data.byteLength === 0)) return;
      if (scope?.secrets && !noUpstreamError) data = scrubChunk(data, scope.secrets);
      controller.enqueue(typeof data === 'string' ? encoder.encode(data) : data);
      sentNow = true;
      clock?.wrote();
      sentAny = true;
      if (firstByte) {
        firstByte();
        firstByte = undefined;
      }
    },
    fail(error) {
      if (closed) return;
      let text: string;
      try {
        const rest = handlers.whole?.();
        if (rest !== undefined) {
          sink.send(rest);
          return close();
        }
        text = handlers.failure(error);
      } catch (e) {
        // The encoder that failed may fail again on the error itself: end the stream without it.
        end.error ??= internalFailure(e).message;
        return close();
      }
      // No text: the stream was already complete, so it just ends.
      if (text) {
        end.error ??= error.message;
        sink.send(text);
      }
      close();
    },
  };
  const cut = (error: ProxyErrorInfo, force: boolean): boolean => {
    if (closed) return true;
    if (!force && !atBoundary()) {
      pendingCut = error;
      return false;
    }
    sink.fail(error);
    reader.cancel('aiproxy is shutting down').catch(() => {});
    return true;
  };

  // Callbacks rather than an async pull: fewer promises and no generator state per chunk (1-2 µs per
  // stream of 20 chunks in process).
  const onRead = (result: Awaited<ReturnType<typeof reader.read>>): Promise<void> | void => {
    clock?.readEnded();
    if (closed) return; // the client went away while this read was pending
    if (timedOut) return sink.fail(idleTimeout(opts!.idleMs));
    let over: boolean;
    try {
      over = handlers.chunk(result.done ? undefined : result.value, sink);
    } catch (e) {
      // A bug of ours on some input must not leave the upstream open, the request uncounted and unlogged.
      if (!result.done) reader.cancel().catch(() => {});
      return sink.fail(internalFailure(e));
    }
    if (result.done || over || closed) {
      if (!result.done) reader.cancel().catch(() => {});
      return close();
    }
    if (pendingCut && atBoundary()) {
      cut(pendingCut, false);
      return;
    }
    // Nothing sent yet (a ping, a partial line): read on within the same pull.
    if (!sentNow) return read();
  };
  const onReadError = (e: unknown): void => {
    clock?.readEnded();
    sink.fail(brokeOff(e));
  };
  const read = (): Promise<void> => {
    clock?.readStarted();
    return nextRead().then(onRead, onReadError);
  };
  const nextRead = (): Promise<ReadResult> => {
    if (head) {
      const value = head.shift()!;
      if (head.length === 0) head = undefined;
      return Promise.resolve({ done: false, value });
    }
    if (pending) {
      const p = pending;
      pending = undefined;
      return p;
    }
    return reader.read();
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        sentNow = false;
        return read();
      },
      cancel(reason) {
        if (!closed) {
          closed = true;
          clock?.stop();
          end.error = 'client disconnected';
          ended();
        }
        return reader.cancel(reason).catch(() => {});
      },
    },
    // One chunk read ahead: the first upstream chunk is read while the response is still being set up,
    // not only once the server asks for the body (about 40 µs sooner at concurrency 1). Backpressure
    // holds all the same: nothing more is read until the client takes what is queued.
    { highWaterMark: 1 },
  );
  return attachControl(stream, {
    cut,
    onEnd(fn) {
      if (closed) fn();
      else (endListeners ??= []).push(fn);
    },
    onFirstByte(fn) {
      // With the read-ahead, the first chunk may be queued before the server asks: it leaves now.
      if (sentAny) fn();
      else firstByte = fn;
    },
  });
}

