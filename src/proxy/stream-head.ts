import type { ProxyErrorInfo } from '../core/errors.ts';
import type { Protocol, SSEMessage, StreamDecoder } from '../protocols/types.ts';
import { isRecord, tryParseJson } from '../util/json.ts';
import { SSEReader } from '../util/sse.ts';
import type { StreamTiming } from './stream-clock.ts';
import { bytesOf } from '../util/raw-body.ts';
import { CR, LF, lineEnd, nextLine } from '../util/sse-bytes.ts';

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
/** The same names as text, for events read whole (OpeningEvents). */
const asText = (names: Partial<Record<Protocol, Buffer[]>>): Partial<Record<Protocol, string[]>> =>
  Object.fromEntries(Object.entries(names).map(([protocol, list]) => [protocol, list!.map((name) => name.toString())]));
const OPENING_NAMES = asText(OPENING);
const REFUSAL_NAMES = asText(REFUSAL);
const ERROR = Buffer.from('error');
const NULL_VALUE = Buffer.from('":null');
const EVENT = Buffer.from('event:');
const DATA = Buffer.from('data:');
const ROLE = Buffer.from('"role"');
const DONE = Buffer.from('[DONE]');
const NO_CONTENT = [Buffer.from('"content":""'), Buffer.from('"content": ""'), Buffer.from('"choices":[]'), Buffer.from('"choices": []')];
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Upstreams that have accepted a stream (200) can still refuse it as its first event: Anthropic's
 * `event: error` overloaded_error right after message_start (charmbracelet/fantasy#323), the Responses
 * API's response.failed "Selected model is at capacity" after response.created (KarpelesLab/teamclaude#391,
 * router-for-me/CLIProxyAPI#2712), an OpenAI-compatible relay's `data: {"error":…}`. Nothing has gone to
 * the client then, so such a refusal is a failure like a 529 or a 503 (generate.ts): another member can
 * take the request, and a client without one gets the error with its status, which its SDK retries (no
 * SDK retries an error inside a 200 stream). So the stream's opening (events that only say it started:
 * message_start, ping, response.created, comments, a Chat Completions chunk with only the assistant's
 * role) is read before the response goes out, until its first content or its error, within HEAD_WAIT_MS
 * and HEAD_LIMIT_BYTES: a stream whose content is slow to come goes out as it is then, and an error after
 * that is in-band as before. The caller cancels the reader if it refuses the stream.
 *
 * Chunks are judged on their bytes while each ends between events (a relay decodes nothing, and a
 * conversion decodes them once, later): by their event names where the protocol names its events, else
 * by whether a `data:` line came and says "error". A chunk the bytes cannot tell (one that may hold a
 * refusal, may be only a role, or ends inside an event, whose name or data the next chunk holds) sends
 * the opening through OpeningEvents from then on, event by event, however the upstream split them.
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
  let events: OpeningEvents | undefined;
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
      if (result.done) {
        // Read to its end, a last line without its line break too (a bare JSON error body, the whole
        // body: lemonade-sdk/lemonade#2826), and decoded: an event sent without its name (a data-only
        // error beside message_start) passes for part of the opening by its names.
        if (!events) {
          events = new OpeningEvents(protocol, decoder);
          const verdict = events.push(head);
          if (verdict !== undefined) return verdict === true ? { held: held(next) } : { held: held(), error: verdict };
        }
        const verdict = events.end();
        if (verdict === true) return { held: held(next) };
        if (verdict !== undefined) return { held: held(), error: verdict };
        // The stream's end with nothing but its opening: no answer came, as when the connection breaks.
        // Bytes that are no SSE are the stream's to report.
        return sseOpening(head) ? { held: held(), error: endedEarly('upstream ended the stream before its first content') } : { held: held(next) };
      }
      const chunk = result.value;
      head.push(chunk);
      size += chunk.byteLength;
      let verdict: ProxyErrorInfo | true | undefined;
      if (events) verdict = events.push([chunk]);
      else {
        const kind = classify(protocol, bytesOf(chunk));
        if (kind === 'content') return { held: held() };
        if (kind === 'decode') {
          // From here on the events are read whole, those held so far first.
          events = new OpeningEvents(protocol, decoder);
          verdict = events.push(head);
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
 * The opening read event by event: SSEReader joins what the upstream split (an `event:` line in one
 * chunk, its `data:` in the next; lines that end in CR only), and holds a last line until it is whole
 * or the body ends. Where the protocol names its events, they are told by their names as classify
 * tells them, unparsed (a response.created may echo tens of KB of instructions); a refusal, and any
 * event without a name, is decoded with a fresh decoder of the upstream's protocol, the opening before
 * it first. Verdicts: the refusal, true when content came first, undefined for opening only. Events the
 * decoder cannot read end the judging: the stream's own decoder reports them.
 */
class OpeningEvents {
  private readonly sse = new SSEReader();
  private decoder?: StreamDecoder;
  /** Opening events passed before the decoder was made: it reads them first. */
  private readonly passed: SSEMessage[] = [];
  private readonly names: string[] | undefined;
  private readonly refusals: string[] | undefined;

  constructor(
    protocol: Protocol,
    private readonly make: () => StreamDecoder,
  ) {
    this.names = OPENING_NAMES[protocol];
    this.refusals = REFUSAL_NAMES[protocol];
  }

  push(chunks: Uint8Array[]): ProxyErrorInfo | true | undefined {
    try {
      for (const chunk of chunks) {
        const verdict = this.judge(this.sse.push(chunk));
        if (verdict !== undefined) return verdict;
        if (this.sse.failure !== undefined) return true;
      }
    } catch {
      return true;
    }
    return undefined;
  }

  /** The body ended: its last event, if it had no blank line after it. */
  end(): ProxyErrorInfo | true | undefined {
    try {
      return this.judge(this.sse.end());
    } catch {
      return true;
    }
  }

  private judge(messages: SSEMessage[]): ProxyErrorInfo | true | undefined {
    for (const message of messages) {
      const name = this.names ? message.event : undefined;
      if (name !== undefined) {
        // By its name, as classify does: an opening event is passed, any other but a refusal is content.
        if (this.names!.includes(name) && !this.decoder) {
          this.passed.push(message);
          continue;
        }
        if (!this.names!.includes(name) && !this.refusals!.includes(name)) return true;
      }
      this.decoder ??= this.make();
      this.passed.push(message);
      for (const m of this.passed.splice(0)) {
        for (const ev of this.decoder.message(m)) {
          if (ev.type === 'error') return ev.error;
          if (ev.type !== 'start' && ev.type !== 'usage') return true;
        }
      }
    }
    return undefined;
  }
}

/**
 * What a chunk that starts an event holds, by its bytes: only the opening (comments, blank lines, opening
 * events, ending between events), content, or what only its events read whole can tell ('decode'): a
 * refusal maybe, or an event the chunk's end cut (its name, its first `data:` line, or the event an
 * opening chunk leaves open, whose `data:` the next chunk holds). A Chat Completions chunk that may carry
 * only the assistant's role or an empty content (the first chunk of OpenAI's and most compatible servers'
 * streams, which an error may follow: `data: {"error":…}` from a relay whose backend failed) or no choices
 * (Azure's prompt_filter_results chunk) is read as JSON (chatChunks): only the role, or no choice, is opening.
 */
function classify(protocol: Protocol, bytes: Buffer): 'opening' | 'content' | 'decode' {
  const names = OPENING[protocol];
  let at = names ? bytes.indexOf(EVENT) : -1;
  if (at < 0) {
    // A bare JSON error line or an `error:` field (SSEReader reads both) says it as well as a `data:` one.
    if (saysError(bytes)) return 'decode';
    const data = bytes.indexOf(DATA);
    if (data < 0) return endsEvent(bytes) ? 'opening' : 'decode';
    if (lineEnd(bytes, data) < 0) return 'decode';
    if (protocol !== 'openai') return 'content';
    // Still in the opening, `[DONE]` may end a stream that held no answer (chunks without a choice):
    // the decoder tells that failure, which must not go out as an empty 200.
    if (bytes.indexOf(DONE) >= 0) return 'decode';
    return mayBeEmpty(bytes) ? chatChunks(bytes) : 'content';
  }
  // Opening events only by their names; an error sent without a name beside them (a relay's
  // `data: {"type":"error",…}` after message_start) is read whole, as it is where no event is named. It is
  // looked for outside each named event's own data line: a response.created echoes the request's
  // instructions, which a coding tool's are sure to say "error" in.
  let unnamedError = saysError(bytes.subarray(0, at));
  for (let next; at >= 0; at = next) {
    let from = at + EVENT.length;
    if (bytes[from] === 0x20) from++;
    const end = lineEnd(bytes, from);
    if (end < 0) return 'decode';
    if (!names!.some((name) => isName(bytes, name, from, end))) {
      return REFUSAL[protocol]!.some((name) => isName(bytes, name, from, end)) ? 'decode' : 'content';
    }
    // Past the name's line and its data line, whose JSON may hold any words ("event:" too).
    const after = nextLine(bytes, nextLine(bytes, at));
    next = bytes.indexOf(EVENT, after);
    unnamedError ||= saysError(bytes.subarray(after, next < 0 ? bytes.length : next));
  }
  return endsEvent(bytes) && !unnamedError ? 'opening' : 'decode';
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
 * Whether a Chat Completions chunk may carry no content: the assistant's role (which comes with none, or ""),
 * `"content":""`, or no choices at all (Azure OpenAI's first chunk, its prompt_filter_results, which a
 * refusal may follow as it may follow a role chunk).
 */
function mayBeEmpty(bytes: Buffer): boolean {
  return bytes.indexOf(ROLE) >= 0 || NO_CONTENT.some((needle) => bytes.indexOf(needle) >= 0);
}

/**
 * What Chat Completions chunks that may carry no content hold, read without a decoder when they are
 * plain (`data:` lines of JSON chunks, comments, ending between events; OpenAI's first chunk of every
 * stream is such a role chunk): 'opening' when no choice holds anything but the role (values null,
 * empty or []) and none finished, 'content' when one does, 'decode' for anything else.
 */
function chatChunks(bytes: Buffer): 'opening' | 'content' | 'decode' {
  if (!endsEvent(bytes)) return 'decode';
  let content = false;
  for (const line of bytes.toString('utf8').split(LINE_BREAK)) {
    if (line === '' || line.startsWith(':')) continue;
    if (!line.startsWith('data:')) return 'decode';
    const chunk = tryParseJson(line.slice(5));
    if (!isRecord(chunk) || !Array.isArray(chunk.choices)) return 'decode';
    for (const choice of chunk.choices) {
      if (!isRecord(choice) || !isRecord(choice.delta)) return 'decode';
      if (!emptyChoice(choice, choice.delta)) content = true;
    }
  }
  return content ? 'content' : 'opening';
}

/** Whether a choice holds nothing yet: no finish, and no delta value but the role that is not null, "" or []. */
function emptyChoice(choice: Record<string, unknown>, delta: Record<string, unknown>): boolean {
  if (choice.finish_reason != null && choice.finish_reason !== '') return false;
  for (const key in delta) {
    const value = delta[key];
    if (key !== 'role' && value != null && value !== '' && !(Array.isArray(value) && value.length === 0)) return false;
  }
  return true;
}

/**
 * Whether held chunks are SSE lines only (blank, comments, fields), as an opening is: what was judged
 * holds opening events only, and a line cut by the body's end or that is no SSE field makes it false.
 */
function sseOpening(head: Uint8Array[]): boolean {
  const text = Buffer.concat(head).toString('latin1');
  if (text !== '' && !text.endsWith('\n') && !text.endsWith('\r')) return false;
  return text.split(/\r?\n|\r/).every((line) => line === '' || /^(:|event:|data:|id:|retry:)/.test(line));
}


/** Whether the bytes end with an empty line (two line ends, CRLF being one), between events. */
function endsEvent(bytes: Buffer): boolean {
  let n = bytes.length;
  if (n === 0) return true;
  const last = bytes[n - 1];
  if (last !== LF && last !== CR) return false;
  n -= last === LF && bytes[n - 2] === CR ? 2 : 1;
  return n === 0 || bytes[n - 1] === LF || bytes[n - 1] === CR;
}

/** Whether the line `from`..`end` is exactly `name`. */
function isName(bytes: Buffer, name: Buffer, from: number, end: number): boolean {
  return end - from === name.length && bytes.compare(name, 0, name.length, from, end) === 0;
}
