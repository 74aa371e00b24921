import type { ProxyErrorInfo } from '../core/errors.ts';
import type { StreamDecoder } from '../protocols/types.ts';
import { SSEReader } from '../util/sse.ts';
import type { StreamTiming } from './stream-clock.ts';

/**
 * An upstream stream whose first chunks were already read (readStreamHead): the pump sends `head` first,
 * then the outcome of `pending` if a read was still out, then reads on.
 */
export interface HeldStream {
  reader: UpstreamReader;
  head: Uint8Array[];
  pending?: Promise<ReadResult>;
}

const defaultReader = (body: ReadableStream<Uint8Array>) => body.getReader();
type UpstreamReader = ReturnType<typeof defaultReader>;
export type ReadResult = Awaited<ReturnType<UpstreamReader['read']>>;

/** The most of a stream held back while its opening is judged; past it, the stream goes out as it is. */
const HEAD_LIMIT_BYTES = 64 * 1024;
/** The longest the client's response waits for the stream's first content. */
const HEAD_WAIT_MS = 2_000;

/**
 * Upstreams that have accepted a stream (200) can still refuse it as its first event: Anthropic's
 * `event: error` overloaded_error right after message_start (charmbracelet/fantasy#323), the Responses
 * API's response.failed "Selected model is at capacity" after response.created (KarpelesLab/teamclaude#391,
 * router-for-me/CLIProxyAPI#2712), an OpenAI-compatible relay's `data: {"error":…}`. Nothing has gone to
 * the client then, so such a refusal is a failure like a 529 or a 503 (generate.ts): another member can
 * take the request, and a client without one gets the error with its status, which its SDK retries (no
 * SDK retries an error inside a 200 stream). So the stream's opening (events that only say it started:
 * message_start, ping, response.created, comments) is read before the response goes out, until its first
 * content or its error, within HEAD_WAIT_MS and HEAD_LIMIT_BYTES: a stream whose content is slow to come
 * goes out as it is then, and an error after that is in-band as before. The decoder judges the events (a
 * fresh one of the upstream's protocol; the caller's own decodes them again from the held chunks). The
 * caller cancels the reader if it refuses the stream.
 */
export async function readStreamHead(
  body: ReadableStream<Uint8Array>,
  decoder: StreamDecoder,
  timing: StreamTiming,
): Promise<{ held: HeldStream; error?: ProxyErrorInfo }> {
  const reader = defaultReader(body);
  const head: Uint8Array[] = [];
  const held = (pending?: Promise<ReadResult>): HeldStream => ({ reader, head, pending });
  const sse = new SSEReader();
  let size = 0;
  let wake: (() => void) | undefined;
  const late = new Promise<undefined>((resolve) => (wake = () => resolve(undefined)));
  // Within the stream's own idle deadline and keep-alive interval, which start once it goes out.
  const waitMs = Math.min(HEAD_WAIT_MS, timing.idleMs > 0 ? timing.idleMs : Infinity, timing.keepaliveMs > 0 ? timing.keepaliveMs : Infinity);
  const timer = setTimeout(() => wake!(), waitMs);
  try {
    for (;;) {
      const next = reader.read();
      let result: ReadResult | undefined;
      try {
        result = await Promise.race([next, late]);
      } catch {
        // The connection broke: the pump meets the same failure on this read and reports it in-band.
        return { held: held(next) };
      }
      // Out of time, or the stream's end: the pump takes this read's outcome as its first.
      if (result === undefined || result.done) return { held: held(next) };
      head.push(result.value);
      size += result.value.byteLength;
      for (const message of sse.push(result.value)) {
        for (const ev of decoder.message(message)) {
          if (ev.type === 'error') return { held: held(), error: ev.error };
          if (ev.type !== 'start' && ev.type !== 'usage') return { held: held() };
        }
      }
      if (sse.failure !== undefined || size >= HEAD_LIMIT_BYTES) return { held: held() };
    }
  } finally {
    clearTimeout(timer);
  }
}
