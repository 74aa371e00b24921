import { isInterruptedFinish } from '../protocols/openai/finish-reason.ts';
import type { Protocol } from '../protocols/types.ts';
import { isRecord, tryParseJson } from '../util/json.ts';
import { CLOSE_BRACKET, OPEN_BRACE } from '../util/json-chars.ts';

/**
 * A Responses stream ends with one of these events (there is no [DONE]), told by its `event:` line or,
 * from servers that leave that out, by the `type` its data starts with.
 */
const RESPONSES_END = /^(?:event:\s*|data:\s*\{\s*"type"\s*:\s*")response\.(completed|incomplete|failed)\b/m;
/** How much of a relayed stream's end is kept to check it ended properly. */
const WINDOW_BYTES = 64 * 1024;
/** How much of that is looked at first. */
const QUICK_LOOK_BYTES = 512;
/**
 * How much of a relayed Responses stream's beginning is kept until its response.created is whole: the
 * response it carries echoes the request's instructions and tools (Codex's run to tens of KB).
 */
const HEAD_BYTES = 1024 * 1024;
/**
 * The response.created event, by its `event:` line or its data's `type` (after a BOM, if the stream
 * starts with one), to the blank line that ends it: two line breaks of any kind (see EVENT_SEPARATOR).
 */
const CREATED_EVENT =
  /^\uFEFF?(?:event:[ \t]*response\.created|data:[ \t]*\{\s*"type"\s*:\s*"response\.created")[\s\S]*?(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)/m;
/** A relayed event's own numbering: in JSON text an unescaped key is a key, never a string's content. */
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/g;
/** How much of a streamed JSON array's end is searched for a last element that is an error. */
const ARRAY_ERROR_LOOK_BYTES = 8 * 1024;
// Decodes whole buffers only (no `stream` state), so one serves every relay.
const utf8 = new TextDecoder();
/** A blank line: two line breaks, each CRLF, LF or CR (a CR right before an LF is half of a CRLF, not one). */
const EVENT_SEPARATOR = /(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)/;
const DONE_LINE = /^data:\s*\[DONE\]\s*$/m;
const OPENAI_DONE = 'data: [DONE]\n\n';
const ANTHROPIC_STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
const LINE_BREAK = /\r\n|\n|\r/;
const ERROR_EVENT = /^event:\s*error\s*$/m;
/** `data: {"error": …}` (OpenAI, Gemini) or `data: {"type": "error", …}` (Anthropic). */
const ERROR_DATA = /^data:\s*\{\s*"(error"|type"\s*:\s*"error")/m;
/** Where a streamed JSON array element that is an error may start (its last one is tried first). */
const ARRAY_ERROR_START = /[[,]\s*\{\s*"error"\s*:/g;

/** Whether a Gemini stream chunk is one a complete stream ends with: a finish reason, or a blocked prompt. */
export function isLastGeminiChunk(text: string): boolean {
  return text.includes('"finishReason"') || text.includes('"blockReason"');
}

/**
 * A last `message_delta` with its `stop_reason`: the answer is whole, only `message_stop` is missing, as
 * Anthropic-compatible gateways close their streams (esengine/DeepSeek-Reasonix#8756). The convert
 * path takes these as complete too (anthropic/decode-stream.ts).
 */
function anthropicStopped(event: string): boolean {
  if (!event.includes('message_delta')) return false;
  const data = tryParseJson(dataOf(event));
  if (!isRecord(data) || data.type !== 'message_delta' || !isRecord(data.delta)) return false;
  return typeof data.delta.stop_reason === 'string' && data.delta.stop_reason !== '';
}

/**
 * A comment, or an `id:` or `retry:` field: a block of only these is no event (SSE dispatches nothing
 * for it), so a stream that ends with one after its end marker still ended with the marker.
 */
const NO_EVENT_LINE = /^(?::|id(?::|$)|retry(?::|$))/;
const dispatchesNothing = (line: string): boolean => NO_EVENT_LINE.test(line);
/** Whether a block between blank lines (trimmed) is an event: not empty, and not only comments and fields. */
const isEvent = (block: string): boolean => block !== '' && !block.split(LINE_BREAK).every(dispatchesNothing);

/**
 * Whether an SSE event's data is whole: `[DONE]`, JSON that parses, or none at all (an event without
 * data has nothing to cut). Decides whether a stream that stopped inside its last event still ended.
 */
export function wholeData(data: string): boolean {
  const d = data.trim();
  return d === '' || d === '[DONE]' || tryParseJson(d) !== undefined;
}

/** The data of one raw SSE event (its text, lines and all). */
function dataOf(event: string): string {
  // Split on SSE's own line breaks: JSON text may hold a raw U+2028, which ends a line for a regex's `.`.
  return event
    .split(LINE_BREAK)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    .join('\n');
}

/**
 * The message of an upstream's in-band error (each protocol has it at `error.message`; Google may wrap
 * the error in an array), or undefined when `json` is no error.
 */
export function inBandErrorMessage(json: unknown): string | undefined {
  const root: unknown = Array.isArray(json) ? json[0] : json;
  const error = (root as { error?: unknown } | null | undefined)?.error;
  if (error === undefined || error === null) return undefined;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && message ? message : 'the upstream ended the stream with an error';
}

/** The message of an error event's data, JSON or not. */
function errorMessage(data: string, inResponse = false): string {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    // Not JSON: still an error event.
  }
  if (inResponse) json = (json as { response?: unknown } | undefined)?.response;
  return inBandErrorMessage(json) ?? 'the upstream ended the stream with an error';
}

/**
 * The error message of a streamed JSON array whose last element is `{"error": …}`. Tried from the
 * last candidate back: only the last element parses alone up to the closing `]` (a nested object
 * leaves its parents' closing brackets behind).
 */
function arrayError(text: string): string | undefined {
  const end = text.lastIndexOf(']');
  const starts = [...text.matchAll(ARRAY_ERROR_START)].map((m) => m.index + m[0].indexOf('{'));
  for (let i = starts.length - 1; i >= 0 && i >= starts.length - 8; i--) {
    const element = text.slice(starts[i], end);
    try {
      JSON.parse(element);
    } catch {
      continue;
    }
    return errorMessage(element);
  }
  return undefined;
}

/**
 * Where a relayed Responses stream stood: what an error of ours appended to it must continue (the next
 * `sequence_number`) and name (the response the client is reading), as OpenAI's own would.
 */
export interface ResponseSoFar {
  /** The last `sequence_number` relayed. */
  sequence?: number;
  id?: string;
  model?: string;
  createdAt?: number;
}

/**
 * The last bytes of a relayed stream, by reference (chunks are not copied while relaying), so that at
 * its end we can tell a complete stream from one the upstream cut off cleanly: OpenAI ends with
 * `[DONE]`, Anthropic with `message_stop`, a Gemini stream's last chunk carries `finishReason` (or a
 * prompt `blockReason`), a streamed JSON array with `]`. A last event of ours to see is an upstream
 * error: that one is complete too. When the window cannot show the whole last event, the stream is
 * given the benefit of the doubt.
 */
export class StreamTail {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private dropped = false;
  /** The message of the upstream error the stream ended with, once complete() found one. */
  error?: string;
  /**
   * The end marker a stream complete() took as whole left out, once it found one missing: clients'
   * stream helpers wait for it (the Anthropic SDK's finalMessage() for message_stop), so the relay
   * sends it as the upstream should have.
   */
  missingEnd = '';
  /**
   * A Responses stream's first chunks, until they hold response.created whole (the window may have let
   * it go by the time an error needs its response's id), then undefined; also undefined for others.
   */
  private head?: Uint8Array[];
  private headBytes = 0;
  /** The last bytes of the head so far, latin1: a blank line may straddle two chunks. */
  private seam = '';
  /** The response.created event's text, parsed only if the stream fails. */
  private created?: string;

  /** `responses`: keep what responseSoFar() needs (a Responses SSE relay). */
  constructor(responses = false) {
    if (responses) this.head = [];
  }

  push(chunk: Uint8Array): void {
    if (this.head) this.pushHead(chunk);
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.byteLength >= WINDOW_BYTES) {
      this.size -= this.chunks.shift()!.byteLength;
      this.dropped = true;
    }
  }

  /**
   * Whether the stream ended with its protocol's end marker (or an upstream error). `cutShort`: the
   * bytes do not end between events, so the last event may be cut inside its data: it counts only if
   * that data is whole (a last event whose blank line the upstream left out is; one cut after the
   * marker's first bytes, `"finishReason"` or `message_stop`, is not). A JSON array is never whole
   * then: its closing `]` ends it between elements.
   */
  complete(protocol: Protocol, format: 'sse' | 'json-array', cutShort = false): boolean {
    this.missingEnd = '';
    if (format === 'json-array') {
      // A `]` that leaves the array open closed a nested array (`"parts":[…]`): no end.
      if (cutShort || this.lastNonSpaceByte() !== CLOSE_BRACKET) return false;
      // An error element is short: the last few KB show it whole (the array's text is not decoded whole).
      this.error = arrayError(this.text(this.startOfLast(ARRAY_ERROR_LOOK_BYTES)));
      return true;
    }
    // A last event is usually short: judge it from the last few KB, the whole window only when they
    // do not hold one whole event (decoding and splitting a 5 KB stream whole cost 2.5 µs, this 0.8).
    const from = this.startOfLast(QUICK_LOOK_BYTES);
    if (from > 0) {
      const verdict = this.judge(this.text(from), protocol, true, cutShort);
      if (verdict !== undefined) return verdict;
    }
    return this.judge(this.text(0), protocol, this.dropped, cutShort) ?? true;
  }

  /**
   * The verdict on the last event in `text`, or undefined when `text` may start inside that event
   * (`partial`: it is not the stream's beginning) and so cannot tell.
   */
  private judge(text: string, protocol: Protocol, partial: boolean, cutShort: boolean): boolean | undefined {
    const events = text.split(EVENT_SEPARATOR);
    let last: string | undefined;
    let at = -1;
    for (let i = events.length - 1; i >= 0 && last === undefined; i--) {
      const e = events[i]!.trim();
      if (isEvent(e)) {
        last = e;
        at = i;
      }
    }
    // Without a separator before it in view, the last event may have started before the view: do not guess.
    if (partial && at <= 0) return undefined;
    if (last === undefined) return false;
    if (protocol !== 'openai' && DONE_LINE.test(last)) {
      // Gateways end other protocols' streams with Chat Completions' `data: [DONE]` too: LiteLLM's proxy
      // after a Responses stream's response.completed (BerriAI/litellm#34095). The event before it tells.
      const before = this.eventBefore(events, at, partial);
      if (before === undefined) return partial ? undefined : false;
      last = before;
    }
    if (cutShort && !wholeData(dataOf(last))) return false;
    if (ERROR_EVENT.test(last) || ERROR_DATA.test(last)) {
      // Complete, but not a success: the request's log line and metrics must say it failed.
      this.error = errorMessage(dataOf(last));
      return true;
    }
    switch (protocol) {
      case 'openai':
        return DONE_LINE.test(last) ? this.errorBeforeDone(events, at, partial) : this.openaiFinished(events, at, partial);
      case 'anthropic':
        if (last.includes('message_stop')) return true;
        if (!anthropicStopped(last)) return false;
        this.missingEnd = ANTHROPIC_STOP;
        return true;
      case 'gemini':
        return isLastGeminiChunk(last);
      case 'responses': {
        const end = RESPONSES_END.exec(last);
        // A failed response is complete but not a success: its error is in the response it carries.
        if (end?.[1] === 'failed') this.error = errorMessage(dataOf(last), true);
        return end !== null;
      }
    }
  }

  /**
   * The event before the one at `at`, or undefined when there is none, or (`partial`) when it may have
   * started before the view.
   */
  private eventBefore(events: string[], at: number, partial: boolean): string | undefined {
    for (let i = at - 1; i >= 0 && !(partial && i === 0); i--) {
      const e = events[i]!.trim();
      if (isEvent(e)) return e;
    }
    return undefined;
  }

  /**
   * A Chat Completions stream without `[DONE]` whose last chunks are whole all the same, as the convert
   * path takes them (decode-stream.ts): a chunk with a `finish_reason`, maybe followed by the usage
   * chunk (`choices: []`), from servers that never send `[DONE]` (oobabooga/textgen#4778,
   * gpustack/llama-box#2); or OpenRouter's mid-stream error, a chunk with an `error` beside its
   * `choices` and `finish_reason: "error"`, after which it ends the stream: its error, not ours.
   */
  private openaiFinished(events: string[], at: number, partial: boolean): boolean | undefined {
    for (let i = at, seen = 0; i >= 0 && seen < 2; i--) {
      const e = events[i]!.trim();
      if (!isEvent(e)) continue;
      // An event that may have started before the view cannot be read: the caller looks further back.
      if (partial && i === 0) return undefined;
      seen++;
      const chunk = tryParseJson(dataOf(e));
      if (!isRecord(chunk)) return false;
      if (chunk.error != null) {
        if (seen > 1) return false; // an error chunk is the last one
        this.error = inBandErrorMessage(chunk);
        return true;
      }
      const choices = chunk.choices;
      if (!Array.isArray(choices)) return false;
      // The usage chunk comes only after the finish: look at the chunk before it.
      if (choices.length === 0 && chunk.usage != null && seen === 1) continue;
      const reason = isRecord(choices[0]) ? choices[0].finish_reason : undefined;
      // GLM's `network_error`, DeepSeek's `insufficient_system_resource`: a generation that failed part-way.
      if (typeof reason !== 'string' || reason === '' || isInterruptedFinish(reason)) return false;
      this.missingEnd = OPENAI_DONE;
      return true;
    }
    return false;
  }

  /**
   * A `[DONE]` ends the stream, but the chunk before it may be OpenRouter's mid-stream error (see
   * openaiFinished): the request then failed. Read only when that chunk names an error.
   */
  private errorBeforeDone(events: string[], at: number, partial: boolean): true {
    for (let i = at - 1; i >= 0 && !(partial && i === 0); i--) {
      const e = events[i]!.trim();
      if (!isEvent(e)) continue;
      if (!e.includes('"error"')) return true;
      const chunk = tryParseJson(dataOf(e));
      if (isRecord(chunk) && chunk.error != null) this.error = inBandErrorMessage(chunk);
      return true;
    }
    return true;
  }

  /**
   * The JSON a stream that is no stream held whole: a server that writes its error body where its events
   * belong, without `data:` (Lemonade: lemonade-sdk/lemonade#2826). Undefined for anything else, and
   * once the window let the stream's start go.
   */
  bareJson(): unknown {
    if (this.dropped || this.chunks.length === 0 || this.chunks[0]![0] !== OPEN_BRACE) return undefined;
    return tryParseJson(this.text(0));
  }

  /**
   * The relayed response's id, model and created_at (from its response.created) and its last
   * sequence_number (from the window's end). Read only when the stream fails: relaying parses nothing.
   */
  responseSoFar(): ResponseSoFar {
    // The head may end with response.created whole but its blank line not yet sent: closed here, a
    // response.created cut inside its data still does not parse.
    const so: ResponseSoFar = this.createdFields(this.created ?? (this.head ? `${Buffer.concat(this.head).toString('utf8')}\n\n` : ''));
    // The last events are in the last few KB unless one is long (a big function call's arguments).
    const from = this.startOfLast(QUICK_LOOK_BYTES);
    const last = this.lastSequence(this.text(from)) ?? (from > 0 ? this.lastSequence(this.text(0)) : undefined);
    if (last !== undefined) so.sequence = last;
    return so;
  }

  /** Keeps a head chunk; once response.created is whole in the head, reads it and lets the head go. */
  private pushHead(chunk: Uint8Array): void {
    const head = this.head!;
    head.push(chunk);
    this.headBytes += chunk.byteLength;
    const look = this.seam + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    this.seam = look.slice(-3);
    if (!EVENT_SEPARATOR.test(look)) {
      if (this.headBytes > HEAD_BYTES) this.head = undefined;
      return;
    }
    const event = CREATED_EVENT.exec(Buffer.concat(head).toString('utf8'))?.[0];
    if (!event && this.headBytes <= HEAD_BYTES) return;
    this.created = event;
    this.head = undefined;
  }

  /** The id, model and created_at of the response.created event in `text`, if any. */
  private createdFields(text: string): ResponseSoFar {
    const event = CREATED_EVENT.exec(text)?.[0];
    if (!event) return {};
    let response: unknown;
    try {
      // A BOM the stream began with is no part of its first `data:` line.
      const data = dataOf(event.replace(/^\uFEFF/, ''));
      response = (JSON.parse(data) as { response?: unknown }).response;
    } catch {
      return {};
    }
    if (typeof response !== 'object' || response === null) return {};
    const { id, model, created_at } = response as Record<string, unknown>;
    const so: ResponseSoFar = {};
    if (typeof id === 'string') so.id = id;
    if (typeof model === 'string') so.model = model;
    if (typeof created_at === 'number') so.createdAt = created_at;
    return so;
  }

  private lastSequence(text: string): number | undefined {
    let last: string | undefined;
    for (const m of text.matchAll(SEQUENCE)) last = m[1];
    return last === undefined ? undefined : +last;
  }

  /** Index of the first of the last chunks that together hold at least `bytes` bytes (0: all of them). */
  private startOfLast(bytes: number): number {
    let i = this.chunks.length;
    let size = 0;
    while (i > 0 && size < bytes) size += this.chunks[--i]!.byteLength;
    return i;
  }

  private text(from: number): string {
    const chunks = this.chunks;
    return utf8.decode(from === chunks.length - 1 ? chunks[from]! : Buffer.concat(from === 0 ? chunks : chunks.slice(from)));
  }

  private lastNonSpaceByte(): number {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const c = this.chunks[i]!;
      for (let j = c.byteLength - 1; j >= 0; j--) {
        const b = c[j]!;
        if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
      }
    }
    return -1;
  }
}
