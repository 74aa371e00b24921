import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-chars.ts';

/**
 * Whether JSON text nests objects and arrays deeper than `max`. Checked on the text, before parsing:
 * JSON.parse copes with any depth, but the recursive code after it (validation, conversion,
 * JSON.stringify) would overflow the stack on a hostile body. One pass with no allocation; string
 * contents are skipped with indexOf, so long strings (base64 media) cost almost nothing.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i + 1);
      if (i < 0) return false; // unterminated: JSON.parse reports it
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote that closes a string whose content starts at `from`, or -1. */
function endOfString(text: string, from: number): number {
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return -1;
    // The quote is escaped when an odd number of backslashes precede it.
    let slashes = 0;
    for (let j = q - 1; j >= from && text.charCodeAt(j) === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return q;
    i = q + 1;
  }
}
