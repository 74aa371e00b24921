import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { SSEMessage } from '../protocols/types.ts';

/** Upstream events larger than this are malformed or hostile; the parser stops instead of growing without bound. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * Bytes in, SSE messages out. Decodes UTF-8 with `stream: true` so a character split across network
 * chunks survives, and parses with eventsource-parser (CR/LF/CRLF, multi-line data, comments).
 */
export class SSEReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private readonly parser;
  private pending: SSEMessage[] = [];
  /** Set when the parser gave up (e.g. an event over the size limit). */
  failure?: string;

  constructor() {
    this.parser = createParser({
      onEvent: (ev: EventSourceMessage) => {
        this.pending.push(ev.event === undefined ? { data: ev.data } : { event: ev.event, data: ev.data });
      },
      onError: (err) => {
        this.failure ??= err.message;
      },
      maxBufferSize: MAX_EVENT_BYTES,
    });
  }

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: Uint8Array | string): SSEMessage[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    // A terminated parser throws on feed; the failure is already recorded for the caller.
    if (this.failure === undefined) this.parser.feed(text);
    return this.take();
  }

  /** The body ended: flushes a final event that had no trailing blank line. */
  end(): SSEMessage[] {
    if (this.failure === undefined) {
      const tail = this.decoder.decode();
      // A last event without its blank line still counts: upstreams that close right after it exist.
      this.parser.feed(`${tail}\n\n`);
    }
    return this.take();
  }

  private take(): SSEMessage[] {
    if (this.pending.length === 0) return EMPTY;
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

const EMPTY: SSEMessage[] = [];

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
  return json.replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}
