import type { ProxyErrorInfo } from '../core/errors.ts';
import type { Protocol, StreamDecoder } from '../protocols/types.ts';
import { SSEReader } from '../util/sse.ts';
import type { StreamTiming } from './stream-clock.ts';
import { bytesOf } from '../util/raw-body.ts';

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
 * The events that only say a stream started, by the `event:` names of the protocols that name their
 * events. Chat Completions and Gemini name none: their first `data:` is content or the refusal.
 */
const OPENING: Partial<Record<Protocol, Buffer[]>> = {
  anthropic: ['message_start', 'ping'].map((name) => Buffer.from(name)),
  responses: ['response.created', 'response.in_progress', 'response.queued'].map((name) => Buffer.from(name)),
};
/** Their events that refuse the stream. */
const REFUSAL: Partial<Record<Protocol, Buffer[]>> = {
  anthropic: [Buffer.from('error')],
  responses: ['error', 'response.failed'].map((name) => Buffer.from(name)),
};
const ERROR = Buffer.from('error');
const NULL_VALUE = Buffer.from('":null');

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
 * goes out as it is then, and an error after that is in-band as before. The caller cancels the reader if
 * it refuses the stream.
 *
 * Chunks are judged on their bytes (a relay decodes nothing, and a conversion decodes them once, later):
 * by their event names where the protocol names its events, else by whether a `data:` line came and says
 * "error". Only a chunk that may hold a refusal is decoded, with a fresh decoder of the upstream's protocol.
 */
export async function readStreamHead(
  body: ReadableStream<Uint8Array>,
  protocol: Protocol,
  decoder: () => StreamDecoder,
  timing: StreamTiming,
): Promise<{ held: HeldStream; error?: ProxyErrorInfo }> {
  const reader = defaultReader(body);
  const head: Uint8Array[] = [];
  const held = (pending?: Promise<ReadResult>): HeldStream => ({ reader, head, pending });
  let decoding: { sse: SSEReader; decoder: StreamDecoder } | undefined;
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
      } catch (e) {
        // The connection broke before any content: nothing went to the client, so this is a failure before
        // the stream like a 502 (the caller tells a client that left apart), which another member may serve
        // and an SDK retries; an in-band error in a 200 no SDK retries (headroomlabs-ai/headroom#3083).
        return { held: held(), error: endedEarly(`upstream connection broke off before the stream's first content: ${(e as Error)?.message ?? String(e)}`) };
      }
      // Out of time: the pump takes this read's outcome as its first.
      if (result === undefined) return { held: held(next) };
      // The stream's end with nothing but its opening: no answer came, as when the connection breaks. Bytes
      // that are no SSE (a bare JSON error body, lemonade-sdk/lemonade#2826) are the stream's to report.
      if (result.done) {
        if (decoding || !head.every(sseOpening)) return { held: held(next) };
        // Decoded once before it is called empty: an event sent without its name (a data-only error
        // beside message_start) passes for part of the opening by its names.
        const verdict = judge({ sse: new SSEReader(), decoder: decoder() }, head);
        if (verdict === true) return { held: held(next) };
        return { held: held(), error: verdict ?? endedEarly('upstream ended the stream before its first content') };
      }
      const chunk = result.value;
      head.push(chunk);
      size += chunk.byteLength;
      let verdict: ProxyErrorInfo | true | undefined;
      if (decoding) verdict = judge(decoding, [chunk]);
      else {
        const kind = classify(protocol, bytesOf(chunk));
        if (kind === 'content') return { held: held() };
        if (kind === 'refusal') {
          // From here on the events are decoded, those held so far first.
          decoding = { sse: new SSEReader(), decoder: decoder() };
          verdict = judge(decoding, head);
        }
      }
      if (verdict !== undefined) return verdict === true ? { held: held() } : { held: held(), error: verdict };
      if (size >= HEAD_LIMIT_BYTES) return { held: held() };
    }
  } finally {
    clearTimeout(timer);
  }
}

const endedEarly = (message: string): ProxyErrorInfo => ({ status: 502, kind: 'api_error', message });

/**
 * The refusal among these chunks' events, true when content came first, undefined for opening only.
 * Events the decoder cannot read end the judging: the stream's own decoder reports them.
 */
function judge(d: { sse: SSEReader; decoder: StreamDecoder }, chunks: Uint8Array[]): ProxyErrorInfo | true | undefined {
  try {
    for (const chunk of chunks) {
      for (const message of d.sse.push(chunk)) {
        for (const ev of d.decoder.message(message)) {
          if (ev.type === 'error') return ev.error;
          if (ev.type !== 'start' && ev.type !== 'usage') return true;
        }
      }
      if (d.sse.failure !== undefined) return true;
    }
  } catch {
    return true;
  }
  return undefined;
}

/**
 * What a chunk holds, by its bytes: only the opening (or comments and blank lines), maybe a refusal (to be
 * decoded), or content. A name cut by the chunk's end counts as content: the stream then goes out as it
 * is, as it did before.
 */
function classify(protocol: Protocol, bytes: Buffer): 'opening' | 'refusal' | 'content' {
  const names = OPENING[protocol];
  let at = names ? bytes.indexOf('event:') : -1;
  if (at < 0) return bytes.indexOf('data:') < 0 ? 'opening' : saysError(bytes) ? 'refusal' : 'content';
  for (; at >= 0; at = bytes.indexOf('event:', at + 6)) {
    let from = at + 6;
    if (bytes[from] === 0x20) from++;
    if (names!.some((name) => isNameAt(bytes, name, from))) continue;
    return REFUSAL[protocol]!.some((name) => isNameAt(bytes, name, from)) ? 'refusal' : 'content';
  }
  return 'opening';
}

/**
 * Whether the bytes say "error" other than as a key whose value is null (`"error":null` is in every
 * Responses event, and in some compatible servers' chunks).
 */
function saysError(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(ERROR); at >= 0; at = bytes.indexOf(ERROR, at + ERROR.length)) {
    const after = at + ERROR.length;
    if (after + NULL_VALUE.length > bytes.length || bytes.compare(NULL_VALUE, 0, NULL_VALUE.length, after, after + NULL_VALUE.length) !== 0) return true;
  }
  return false;
}

/**
 * Whether a held chunk is SSE lines only (blank, comments, fields), as an opening is: what classify let
 * through holds opening events only, and a line the chunk cut or that is no SSE field makes it false.
 */
function sseOpening(chunk: Uint8Array): boolean {
  const text = bytesOf(chunk).toString('latin1');
  if (!text.endsWith('\n')) return false;
  return text.split(/\r?\n|\r/).every((line) => line === '' || /^(:|event:|data:|id:|retry:)/.test(line));
}

/** Whether `name` ends a line that starts at `from` (a line the chunk cut is not one). */
function isNameAt(bytes: Buffer, name: Buffer, from: number): boolean {
  const end = from + name.length;
  if (end >= bytes.length) return false;
  return bytes.compare(name, 0, name.length, from, end) === 0 && (bytes[end] === 0x0a || bytes[end] === 0x0d);
}
