import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../util/json-chars.ts';
import { CR, LF } from '../util/sse-bytes.ts';

/**
 * Whether the bytes relayed so far end between two events, so something of our own (a keep-alive, an
 * in-band error) can be written without landing inside an upstream event. Only a little state is kept,
 * never the stream itself.
 */
export interface EventBoundary {
  push(chunk: Uint8Array): void;
  /** Nothing was relayed, or the last relayed byte ended an event. */
  atBoundary(): boolean;
  /** What to write before an event of our own: a line break to end a half-sent SSE line, `[` or `,` in an array. */
  lead(): string;
  /** The stream is already complete (a JSON array's closing `]` went out): nothing may follow. */
  ended(): boolean;
}


/** SSE: an event ends with a blank line (LF LF, CRLF CRLF or CR CR). The last three bytes tell. */
export function sseBoundary(): EventBoundary {
  let b1 = -1;
  let b2 = -1;
  let b3 = -1;
  let sentAny = false;
  const atBoundary = (): boolean => !sentAny || (b1 === LF && (b2 === LF || (b2 === CR && b3 === LF))) || (b1 === CR && b2 === CR);
  return {
    push(chunk) {
      if (chunk.length === 0) return;
      sentAny = true;
      for (let i = Math.max(0, chunk.length - 3); i < chunk.length; i++) {
        b3 = b2;
        b2 = b1;
        b1 = chunk[i]!;
      }
    },
    atBoundary,
    lead: () => (atBoundary() ? '' : b1 === LF ? '\n' : '\n\n'),
    ended: () => false,
  };
}

/**
 * Gemini's streamed JSON array (`[{…},\r\n{…}]`): between elements means outside any string and no
 * deeper than the array itself. A byte scan that follows strings and nesting, nothing more.
 */
export function jsonArrayBoundary(): EventBoundary {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let opened = false;
  let elements = 0;
  // The separator after the last element already went out (`,\r\n` split from the element it leads).
  let separated = false;
  return {
    push(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        // Multi-byte UTF-8 characters never contain ASCII bytes, so a byte scan is exact.
        if (c === QUOTE) {
          inString = true;
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          if (depth === 1) separated = false;
          if (depth++ === 0) opened = true;
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (--depth === 1) elements++;
        } else if (c === COMMA && depth === 1) {
          separated = true;
        }
      }
    },
    atBoundary: () => !inString && depth <= 1,
    lead: () => (!opened ? '[' : elements === 0 || separated ? '' : ','),
    ended: () => opened && depth === 0,
  };
}
