import type { StreamEvent } from '../core/index.ts';
import type { Protocol } from '../protocols/index.ts';
import type { StreamDecoder, StreamEncoder } from '../protocols/types.ts';
import { inBandError } from '../protocols/openai/errors.ts';
import { isRecord } from '../util/json.ts';
import { escapeLineSeparators, SSEReader } from '../util/sse.ts';
import { CompletionAsChunk } from './completion-chunk.ts';
import { ErrorFieldAsData } from './error-field.ts';
import { jsonArrayBoundary, sseBoundary } from './event-boundary.ts';
import { inBandErrorText } from './in-band-error.ts';
import type { HeldStream } from './stream-head.ts';
import { pump, type PumpSink, type StreamEnd, type StreamOptions } from './stream-pump.ts';
import { inBandErrorMessage, isLastGeminiChunk, StreamTail, wholeData } from './stream-tail.ts';
import { ToolCallIndexes } from './tool-call-indexes.ts';

export type { StreamEnd, StreamOptions };

/** A same-protocol relay also needs to know the framing it relays, to write between events only. */
export interface RelayOptions extends StreamOptions {
  protocol: Protocol;
  format: 'sse' | 'json-array';
  /** A Chat Completions request that declared tools: calls without an index get one (tool-call-indexes.ts). */
  toolCalls?: boolean;
}

/**
 * Upstream SSE bytes → canonical events → client SSE bytes, one upstream chunk at a time.
 * A broken upstream connection becomes an in-band error event in the client's protocol instead of a
 * reset socket, so the client can tell a cut stream from a complete one. With `opts`, an upstream
 * silent for idleMs is abandoned with an in-band timeout error, and a waiting client gets a keep-alive
 * every keepaliveMs (always between whole events: each write is whole events). A failure after the
 * upstream's finish came finishes the stream instead: the answer was whole.
 */
export function convertStream(
  upstream: ReadableStream<Uint8Array> | HeldStream,
  decoder: StreamDecoder,
  enc: StreamEncoder,
  onEnd?: (end: StreamEnd) => void,
  opts?: StreamOptions,
): ReadableStream<Uint8Array> {
  const sse = new SSEReader();
  const end: StreamEnd = {};
  let finished = false;
  /** Error events encoded so far: only text that holds one may carry an upstream's words about its key. */
  let errors = 0;

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
        errors++;
        end.error = ev.error.message;
      }
    }
    if (finished) out += enc.end();
    return out;
  };

  return pump(
    upstream,
    {
      chunk(value, sink) {
        let out = '';
        const errorsBefore = errors;
        for (const m of value ? sse.push(value) : sse.end()) {
          if (!value && !wholeData(m.data)) break; // cut inside its last event: decoder.end() tells
          out += emit(decoder.message(m));
          if (finished) break;
        }
        if (!finished && sse.failure !== undefined) {
          out += emit([{ type: 'error', error: { status: 502, kind: 'api_error', message: `malformed upstream stream: ${sse.failure}` } }]);
        }
        if (!finished && !value) out += emit(decoder.end());
        sink.send(out, errors === errorsBefore);
        return finished;
      },
      failure: (error) => emit([{ type: 'error', error }]),
      whole() {
        // The decoder finishes a stream whose finish already came as it would at a clean close: Gemini
        // sends no end sentinel after its finishReason, and OpenAI's [DONE] after finish_reason adds nothing.
        const ends = decoder.end();
        return ends.some((ev) => ev.type === 'finish') ? emit(ends) : undefined;
      },
    },
    end,
    onEnd,
    opts,
  );
}

/**
 * Same-protocol relay: the upstream bytes untouched (Chat Completions tool-call deltas without an index,
 * error lines outside `data:` and a whole completion where a chunk belongs excepted: tool-call-indexes.ts,
 * error-field.ts, completion-chunk.ts), but a connection that breaks mid-stream, a stream
 * the upstream ended cleanly but early (no `[DONE]`, `message_stop`, `finishReason`, and for the first
 * two no finish either: then the missing marker is added) and an idle
 * upstream still end with the protocol's in-band error rather than a silent or reset end, unless the
 * end marker already went out: then the stream just ends. Keep-alives to a waiting client are written
 * only between upstream events.
 */
export function relayStream(
  upstream: ReadableStream<Uint8Array> | HeldStream,
  opts: RelayOptions,
  onEnd?: (end: StreamEnd) => void,
): ReadableStream<Uint8Array> {
  const boundary = opts.format === 'json-array' ? jsonArrayBoundary() : sseBoundary();
  const responses = opts.protocol === 'responses' && opts.format === 'sse';
  const tail = new StreamTail(responses);
  const chat = opts.protocol === 'openai' && opts.format === 'sse';
  const indexes = opts.toolCalls && chat ? new ToolCallIndexes() : undefined;
  const errorField = chat ? new ErrorFieldAsData() : undefined;
  const completion = chat ? new CompletionAsChunk() : undefined;
  const end: StreamEnd = {};
  /** A Chat Completions stream's bytes as the relay sends them (most go as they came), after `completion`'s repair. */
  const repaired = (raw: Uint8Array): Uint8Array => {
    const bytes = errorField ? errorField.push(raw) : raw;
    return indexes && bytes.length > 0 ? indexes.push(bytes) : bytes;
  };
  const relay = (bytes: Uint8Array, sink: PumpSink): void => {
    if (bytes.length === 0) return;
    sink.send(bytes);
    boundary.push(bytes);
    tail.push(bytes);
  };
  /** The upstream's own in-band error, relayed as it came: the stream is whole, the request failed. */
  const upstreamError = (): void => {
    if (tail.error !== undefined) end.error = tail.error;
  };
  return pump(
    upstream,
    {
      chunk(value, sink) {
        if (value) {
          relay(repaired(completion ? completion.push(value) : value), sink);
          return false;
        }
        // A line held to the end goes as it came, through the repairs after it.
        if (completion) relay(repaired(completion.flush()), sink);
        if (indexes) relay(indexes.flush(), sink);
        if (!tail.complete(opts.protocol, opts.format, !boundary.atBoundary())) {
          // A Chat Completions server's error body sent whole as the stream: its error, not a cut answer.
          const bare = opts.protocol === 'openai' ? tail.bareJson() : undefined;
          sink.fail(
            isRecord(bare) && bare.error != null
              ? inBandError(bare)
              : { status: 502, kind: 'api_error', message: 'upstream stream ended before its end marker: the answer is truncated' },
          );
          return true;
        }
        // An SSE parser drops an event the stream ends without its blank line (the spec says so): an
        // upstream that omits it would cost the client its `[DONE]` or `message_stop`.
        if (!boundary.atBoundary()) sink.send(boundary.lead());
        // A whole answer whose end marker the upstream left out gets it (see StreamTail.missingEnd).
        sink.send(tail.missingEnd);
        upstreamError();
        return true;
      },
      failure: (error) =>
        boundary.ended() ? '' : inBandErrorText(opts.protocol, opts.format, boundary.lead(), error, responses ? tail.responseSoFar() : undefined),
      // Only between events: an end marker cut inside its event is no end. Judged once, when it fails.
      whole() {
        if (!boundary.atBoundary() || !tail.complete(opts.protocol, opts.format)) return undefined;
        upstreamError();
        return tail.missingEnd;
      },
      atBoundary: () => boundary.atBoundary(),
    },
    end,
    onEnd,
    opts,
  );
}

/**
 * SSE from an envelope upstream → the same protocol without the envelope, as SSE or as the streamed
 * JSON array. Messages are parsed only to take the envelope off; their content is not re-encoded.
 * Idle deadline and keep-alives as in convertStream; a stream whose last message carries no
 * finishReason ends with an in-band error, whether it ended cleanly, broke off or went idle.
 */
export function unwrapStream(
  upstream: ReadableStream<Uint8Array> | HeldStream,
  unwrap: (json: unknown) => unknown,
  opts: RelayOptions,
  onEnd?: (end: StreamEnd) => void,
): ReadableStream<Uint8Array> {
  const format = opts.format;
  const sse = new SSEReader();
  const end: StreamEnd = {};
  let sent = 0;
  let lastData = '';
  let lastJson: unknown;

  /**
   * What ends the stream once its last chunk came (a finishReason, or an upstream error, relayed as it
   * came: the request still failed), or undefined while it has not. Read from the parsed chunk: an
   * "error" key in a call's arguments is no error.
   */
  const whole = (): string | undefined => {
    const error = inBandErrorMessage(lastJson);
    if (!isLastGeminiChunk(lastData) && error === undefined) return undefined;
    if (error !== undefined) end.error = error;
    return format === 'json-array' ? (sent === 0 ? '[]' : ']') : '';
  };

  const frame = (json: unknown): string => {
    const text = JSON.stringify(json);
    if (format === 'sse') return `data: ${escapeLineSeparators(text)}\n\n`;
    return `${sent === 0 ? '[' : ',\r\n'}${text}`;
  };

  return pump(
    upstream,
    {
      chunk(value, sink) {
        let out = '';
        for (const m of value ? sse.push(value) : sse.end()) {
          if (!value && !wholeData(m.data)) break; // cut inside its last message: whole() tells
          let json: unknown;
          try {
            json = JSON.parse(m.data);
          } catch {
            sink.send(out);
            sink.fail({ status: 502, kind: 'api_error', message: 'malformed upstream stream: a message is not JSON' });
            return true;
          }
          lastJson = unwrap(json);
          out += frame(lastJson);
          lastData = m.data;
          sent++;
        }
        sink.send(out);
        if (value) return false;
        const rest = whole();
        if (rest === undefined) {
          sink.fail({ status: 502, kind: 'api_error', message: 'upstream stream ended before its last chunk: the answer is truncated' });
        } else {
          sink.send(rest);
        }
        return true;
      },
      failure: (error) => inBandErrorText(opts.protocol, format, format === 'sse' ? '' : sent > 0 ? ',' : '[', error),
      whole,
    },
    end,
    onEnd,
    opts,
  );
}
