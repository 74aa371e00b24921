import { isRecord, tryParseJson } from '../util/json.ts';
import { bytesOf } from '../util/raw-body.ts';
import { escapeLineSeparators } from '../util/sse.ts';
import { CR, LF, lineEnd, nextLine } from '../util/sse-bytes.ts';

const COMPLETION = Buffer.from('"chat.completion');
const CHUNK = Buffer.from('"chat.completion.chunk"');
const DELTA = Buffer.from('"delta"');
const DATA = Buffer.from('data:');
const QUOTE = 0x22;
/** The most of a cut line held back for its end; past it, the line goes out as it came. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Some OpenAI-compatible servers answer a stream request with the whole completion as one `data:` line
 * (object "chat.completion", `choices[].message`), then `data: [DONE]` (decolua/9router#3492, and as its
 * one chunk: Amm1rr/WebAI-to-API#55). The convert path reads the message as a delta (decode-stream.ts);
 * a relayed client's SDK reads `delta` and finds none, an empty answer. The relay rewrites that one line
 * into the chunk it stands for (`delta` for `message`, object "chat.completion.chunk", each tool call
 * with its index); every other byte goes as it came.
 *
 * Cheap on a normal stream: only the stream's first `data:` line is looked at, searched for
 * `"chat.completion"`: it tells what the stream is made of, and from there on each chunk goes out
 * untouched. Only a line that names "chat.completion" is parsed. A first line a chunk cut is held until
 * its end comes, unless what came already shows a chunk ("chat.completion.chunk", "delta").
 */
export class CompletionAsChunk {
  /** The stream showed what it is made of: nothing more to look for. */
  private done = false;
  /** The bytes relayed so far end a line (or there were none). */
  private atLineStart = true;
  /** The start of a line that may be a whole completion, until its end comes. */
  private held: Uint8Array[] = [];
  private heldBytes = 0;

  push(value: Uint8Array): Uint8Array {
    if (this.done && this.held.length === 0) return value;
    if (value.length === 0) return value;
    let chunk = value;
    if (this.held.length > 0) {
      this.held.push(value);
      this.heldBytes += value.length;
      if (lineEnd(bytesOf(value), 0) < 0 && !namesChunk(bytesOf(value))) {
        if (this.heldBytes <= MAX_LINE_BYTES) return EMPTY;
        this.done = true;
        return this.flush();
      }
      chunk = Buffer.concat(this.held.splice(0));
      this.heldBytes = 0;
      // The held line started a line.
      this.atLineStart = true;
    }
    const buf = bytesOf(chunk);
    const startsLine = this.atLineStart;
    const last = buf[buf.length - 1];
    this.atLineStart = last === LF || last === CR;
    // The stream's first `data:` line tells what the stream is made of (a comment may mention data: too).
    const start = firstDataLine(buf, startsLine);
    if (start < 0) return chunk;
    const end = lineEnd(buf, start);
    if (end < 0) {
      // Cut by the chunk's end: it goes once whole, what comes before it now. Servers that write their
      // keys in order (Go's maps, nlohmann::json) put "object" after the whole answer, so the name may
      // come last; a line that already shows a chunk goes on as it came (a client may read half an event).
      if (namesChunk(buf.subarray(start))) {
        this.done = true;
        return chunk;
      }
      this.held.push(chunk.subarray(start));
      this.heldBytes = chunk.length - start;
      this.atLineStart = true;
      return chunk.subarray(0, start);
    }
    this.done = true;
    if (!namesCompletion(buf, start, end)) return chunk;
    const line = asChunk(buf.toString('utf8', start + DATA.length, end));
    if (line === undefined) return chunk;
    return Buffer.concat([chunk.subarray(0, start), Buffer.from(`data: ${line}`), chunk.subarray(end)]);
  }

  /** What is still held when the upstream ended: sent as it came. */
  flush(): Uint8Array {
    this.heldBytes = 0;
    return this.held.length > 0 ? Buffer.concat(this.held.splice(0)) : EMPTY;
  }
}

const EMPTY = new Uint8Array(0);

/** Whether the line `from`..`end` names "chat.completion" itself (not "chat.completion.chunk"). */
function namesCompletion(buf: Buffer, from: number, end: number): boolean {
  for (let at = buf.indexOf(COMPLETION, from); at >= 0 && at < end; at = buf.indexOf(COMPLETION, at + COMPLETION.length)) {
    if (buf[at + COMPLETION.length] === QUOTE) return true;
  }
  return false;
}

/** A whole completion's JSON as the chunk it stands for, or undefined for anything else. */
function asChunk(payload: string): string | undefined {
  const json = tryParseJson(payload.trim());
  if (!isRecord(json) || json.object !== 'chat.completion' || !Array.isArray(json.choices)) return undefined;
  const choices = json.choices.map((c) => {
    if (!isRecord(c) || !isRecord(c.message)) return c;
    const { message, ...rest } = c;
    const delta: Record<string, unknown> = { ...message };
    // A delta's calls carry their index: the SDKs' stream helpers gather a call's pieces by it.
    if (Array.isArray(message.tool_calls)) delta.tool_calls = message.tool_calls.map((tc, index) => (isRecord(tc) ? { index, ...tc } : tc));
    return { ...rest, delta };
  });
  return escapeLineSeparators(JSON.stringify({ ...json, object: 'chat.completion.chunk', choices }));
}

/**
 * Where the first line that starts with `data:` starts (or a last line that may be its start, cut by the
 * chunk's end), or -1. Only lines that start in this chunk: one that went on from an earlier chunk is
 * past looking at.
 */
function firstDataLine(buf: Buffer, startsLine: boolean): number {
  let at = startsLine ? 0 : nextLine(buf, 0);
  while (at < buf.length) {
    const length = Math.min(DATA.length, buf.length - at);
    if (buf.compare(DATA, 0, length, at, at + length) === 0) return at;
    at = nextLine(buf, at);
  }
  return -1;
}


/** Whether the bytes show a stream chunk rather than a whole completion. */
function namesChunk(buf: Buffer): boolean {
  return buf.indexOf(CHUNK) >= 0 || buf.indexOf(DELTA) >= 0;
}

