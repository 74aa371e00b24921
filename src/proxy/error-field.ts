import { isRecord, tryParseJson } from '../util/json.ts';
import { bytesOf } from '../util/raw-body.ts';
import { CR, LF, lineEnd, nextLine } from '../util/sse-bytes.ts';

const FIELD = Buffer.from('error:');
const BARE = Buffer.from('{"error"');
/** In both: one search lets nearly every chunk through. */
const MARK = Buffer.from('error');
// Searched on the chunk itself: a Buffer view made per chunk cost more than the search (bun 1.4).
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: Uint8Array) => number;

/**
 * llama.cpp's server through 2025 writes an error inside a 200 Chat Completions stream as an `error:`
 * field (`error: {"code":400,"message":"the request exceeds the available context size…"}`, then
 * `data: [DONE]`: ggml-org/llama.cpp#16109, coddy-project/coddy-agent#106). SSE clients ignore a field
 * they do not know, so a relayed stream read as an empty answer that finished. The relay sends such a
 * line as the `data: {"error": …}` event the server writes since. So too a bare JSON error line
 * (`{"error":{…}}` without `data:`, then `data: [DONE]`: decolua/9router#3492), which read as an empty
 * answer that finished for the same reason. A byte search per chunk; a line rewritten only when it is
 * whole in its chunk and its value is a JSON object (with an `error`, for a bare one).
 */
export class ErrorFieldAsData {
  /** The bytes relayed so far end a line (or there were none). */
  private atLineStart = true;
  /** The bytes relayed so far end with an empty line, between events (or there were none). */
  private afterBlank = true;

  push(chunk: Uint8Array): Uint8Array {
    if (chunk.length === 0) return chunk;
    const startsLine = this.atLineStart;
    const startsBlank = this.afterBlank;
    const last = chunk[chunk.length - 1];
    this.atLineStart = last === LF || last === CR;
    this.afterBlank = this.atLineStart && followsBlank(chunk, chunk.length, startsLine, startsBlank);
    if (indexOf.call(chunk, MARK) < 0) return chunk;
    const buf = bytesOf(chunk);
    if (buf.indexOf(FIELD) < 0 && buf.indexOf(BARE) < 0) return chunk;
    const parts: Uint8Array[] = [];
    let from = 0;
    let lineStart = startsLine ? 0 : nextLine(buf, 0);
    for (; lineStart < buf.length; lineStart = nextLine(buf, lineStart)) {
      const field = startsWith(buf, FIELD, lineStart);
      if (!field && !startsWith(buf, BARE, lineStart)) continue;
      const end = lineEnd(buf, lineStart);
      if (end < 0) break; // cut inside: relayed as it came
      const value = buf.toString('utf8', field ? lineStart + FIELD.length : lineStart, end).trim();
      const json = tryParseJson(value);
      if (!isRecord(json) || (!field && json.error == null)) continue;
      // An event of its own: a blank line before it unless one is there (a `data:` line may come just
      // before it), and after it unless one follows (the next event's `data:` may follow at once).
      const before = followsBlank(buf, lineStart, startsLine, startsBlank) ? '' : '\n';
      const after = end + (buf[end] === CR && buf[end + 1] === LF ? 2 : 1);
      const blank = after < buf.length && (buf[after] === LF || buf[after] === CR) ? '' : '\n';
      parts.push(chunk.subarray(from, lineStart), Buffer.from(`${before}data: ${field ? `{"error":${value}}` : value}${blank}`));
      from = end;
    }
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(from));
    return Buffer.concat(parts);
  }
}

/**
 * Whether the line starting at `at` (just after a line end) follows an empty line, or the stream's start:
 * the line before it holds nothing. `startsLine`/`startsBlank`: the same for the chunk's first byte.
 */
function followsBlank(buf: Uint8Array, at: number, startsLine: boolean, startsBlank: boolean): boolean {
  if (at === 0) return startsBlank;
  // Back over the line end just before `at`, to the previous line's last byte.
  let p = at - 1;
  if (buf[p] === LF && buf[p - 1] === CR) p--;
  p--;
  if (p < 0) return startsLine;
  return buf[p] === LF || buf[p] === CR;
}


function startsWith(buf: Buffer, prefix: Buffer, at: number): boolean {
  return at + prefix.length <= buf.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}
