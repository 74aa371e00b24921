import { isRecord, tryParseJson } from '../util/json.ts';

const FIELD = Buffer.from('error:');
const LF = 0x0a;
const CR = 0x0d;

/**
 * llama.cpp's server through 2025 writes an error inside a 200 Chat Completions stream as an `error:`
 * field (`error: {"code":400,"message":"the request exceeds the available context size…"}`, then
 * `data: [DONE]`: ggml-org/llama.cpp#16109, coddy-project/coddy-agent#106). SSE clients ignore a field
 * they do not know, so a relayed stream read as an empty answer that finished. The relay sends such a
 * line as the `data: {"error": …}` event the server writes since. A byte search per chunk; a line
 * rewritten only when it is whole in its chunk and its value is a JSON object.
 */
export class ErrorFieldAsData {
  /** The bytes relayed so far end a line (or there were none). */
  private atLineStart = true;

  push(chunk: Uint8Array): Uint8Array {
    if (chunk.length === 0) return chunk;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const startsLine = this.atLineStart;
    const last = chunk[chunk.length - 1];
    this.atLineStart = last === LF || last === CR;
    let at = buf.indexOf(FIELD);
    if (at < 0) return chunk;
    const parts: Uint8Array[] = [];
    let from = 0;
    for (; at >= 0; at = buf.indexOf(FIELD, at + FIELD.length)) {
      const lineStart = at === 0 ? startsLine : buf[at - 1] === LF || buf[at - 1] === CR;
      if (!lineStart) continue;
      let end = at;
      while (end < buf.length && buf[end] !== LF && buf[end] !== CR) end++;
      if (end === buf.length) break; // cut inside: relayed as it came
      const value = buf.toString('utf8', at + FIELD.length, end).trim();
      if (!isRecord(tryParseJson(value))) continue;
      parts.push(chunk.subarray(from, at), Buffer.from(`data: {"error":${value}}`));
      from = end;
    }
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(from));
    return Buffer.concat(parts);
  }
}
