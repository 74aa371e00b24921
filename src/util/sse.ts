import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { SSEMessage } from '../protocols/types.ts';
import { CR, LF } from './sse-bytes.ts';

/**
 * Upstream events larger than this are malformed or hostile; the parser stops instead of growing without
 * bound. As large as a whole JSON answer may be (upstream/fetch.ts MAX_JSON_ANSWER_BYTES): a Gemini image
 * model streams each image whole in one event, and a 4K one runs past 16 MB and even 40 MB of base64
 * (looplj/axonhub#554, Wei-Shaw/sub2api#874); at 16 MB a converted stream of one failed.
 */
const MAX_EVENT_BYTES = 128 * 1024 * 1024;

/**
 * Bytes in, SSE messages out. Decodes UTF-8 with `stream: true` so a character split across network
 * chunks survives, and parses with eventsource-parser (CR/LF/CRLF, multi-line data, comments).
 */
export class SSEReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private readonly parser;
  private pending: SSEMessage[] = [];
  /** The start of a line held back from the parser (see feed). */
  private held = '';
  /** The text fed so far ends with a line break (or nothing was fed). */
  private atLineStart = true;
  /** Set when the parser gave up (an event over the size limit). */
  failure?: string;

  constructor() {
    this.parser = createParser({
      onEvent: (ev: EventSourceMessage) => {
        this.pending.push(ev.event === undefined ? { data: ev.data } : { event: ev.event, data: ev.data });
      },
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') this.failure ??= err.message;
        else if (err.type === 'unknown-field') this.unknownField(err.field ?? '', err.value ?? '', err.line ?? '');
        // An invalid `retry:` is ignored, as the SSE spec says.
      },
      maxBufferSize: MAX_EVENT_BYTES,
    });
  }

  /**
   * A line SSE does not know, ignored as the spec says, but for two ways servers write an error: an
   * `error:` field (llama.cpp's server through 2025 sends `error: {"code":400,"message":"the request
   * exceeds the available context size…"}` then `data: [DONE]`: ggml-org/llama.cpp#16109,
   * coddy-project/coddy-agent#106), read as an error event, and a JSON object without `data:` (Lemonade
   * forwards its backend's error body so: lemonade-sdk/lemonade#2826), read as the data it is.
   */
  private unknownField(field: string, value: string, line: string): void {
    if (field === 'error') this.pending.push({ event: 'error', data: value });
    else if (line.startsWith('{')) this.pending.push({ data: line });
  }

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: Uint8Array | string): SSEMessage[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    // A terminated parser throws on feed; the failure is already recorded for the caller.
    if (this.failure === undefined) this.feed(text);
    return this.take();
  }

  /** The body ended: flushes a final event that had no trailing blank line. */
  end(): SSEMessage[] {
    if (this.failure === undefined) {
      const tail = this.held + this.decoder.decode();
      this.held = '';
      // A last event without its blank line still counts: upstreams that close right after it exist.
      this.parser.feed(`${tail}\n\n`);
    }
    return this.take();
  }

  /**
   * Feeds the parser, holding back a last line that may be one unknownField reads until it is whole:
   * the parser drops the start of an unknown line that a chunk ends inside, and so the whole line.
   */
  private feed(text: string): void {
    if (text === '') return;
    let lastBreak = text.length - 1;
    while (lastBreak >= 0 && text.charCodeAt(lastBreak) !== LF && text.charCodeAt(lastBreak) !== CR) lastBreak--;
    if (lastBreak < 0) {
      // The line goes on: held on if it was held, else held if it starts here and may be one.
      if (this.held !== '' || (this.atLineStart && mayBeUnknownLine(text))) {
        this.held += text;
        if (this.held.length > MAX_EVENT_BYTES) this.failure = `a line over ${MAX_EVENT_BYTES} characters`;
      } else {
        this.parser.feed(text);
      }
      this.atLineStart = false;
      return;
    }
    const whole = this.held + text;
    this.held = '';
    const rest = whole.slice(whole.length - (text.length - lastBreak - 1));
    if (rest !== '' && mayBeUnknownLine(rest)) {
      this.held = rest;
      this.parser.feed(whole.slice(0, whole.length - rest.length));
    } else {
      this.parser.feed(whole);
    }
    this.atLineStart = rest === '';
  }

  private take(): SSEMessage[] {
    if (this.pending.length === 0) return EMPTY;
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

const EMPTY: SSEMessage[] = [];

/** Whether a line starting with `start` may be one SSEReader.unknownField reads: `error:` or a JSON object. */
function mayBeUnknownLine(start: string): boolean {
  return start.startsWith('{') || (start.length < 6 ? 'error:'.startsWith(start) : start.startsWith('error:'));
}

/** Parses a whole SSE text (tests, small bodies). */
export function parseSSE(text: string): SSEMessage[] {
  const r = new SSEReader();
  return [...r.push(text), ...r.end()];
}

/** One SSE frame. JSON never contains raw newlines, so a single data line is enough. */
export function sseFrame(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}

const LINE_SEPARATORS = /[\u2028\u2029]/g;

/**
 * JSON with U+2028 and U+2029 written as the escapes `\u2028` and `\u2029`, which read the same to every
 * JSON parser. JSON.stringify leaves them raw in strings, and @google/genai 1.x, which the Gemini CLI
 * bundles, reads an SSE event as `data: (.*)` and a blank line: `.` stops at either, so one of them in a
 * model's text or call arguments leaves the rest of the stream unread ("Incomplete JSON segment at the
 * end"). Python line readers split there too (langgenius/dify#39008, modelcontextprotocol/typescript-sdk#1925).
 */
export function escapeLineSeparators(json: string): string {
  // Called on every event a conversion writes, nearly all without either: two plain searches take a
  // fifth of the time of the regular expression's (bun 1.4).
  if (!json.includes('\u2028') && !json.includes('\u2029')) return json;
  return json.replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}
