import { isRecord } from '../util/json.ts';
import { OPEN_BRACE, OPEN_BRACKET } from '../util/json-chars.ts';
import { escapeLineSeparators } from '../util/sse.ts';
import { CR, LF } from '../util/sse-bytes.ts';

/**
 * A relayed Chat Completions stream whose tool-call deltas carry no `index`: Google's OpenAI-compatible
 * endpoint writes each call whole (id, name, arguments) without one (THU-MAIC/OpenMAIC#1556,
 * AstrBotDevs/AstrBot#6661, QuantumNous/new-api#672), and may end the turn with finish_reason "stop"
 * (open-webui/computer#224). The OpenAI SDKs' stream helpers and the Vercel AI SDK gather a call's pieces
 * by index: they refuse such a chunk or lose its arguments (openai/openai-python#2806), so a client that
 * got the stream relayed as it came never ran the tool.
 *
 * Used for requests that declared tools. The relay stays byte for byte (a line cut between two chunks
 * goes out once whole) until a line mentions `"tool_calls"`; from there lines are read, and a `data:`
 * line whose calls lack an index gets one: a new call id takes the next index, a delta without an id
 * continues the call before it. Once an index was missing, the stream is the server's way throughout:
 * its later lines are read as well, and a "stop" after calls says "tool_calls". A server that sends
 * indexes gets its bytes back untouched.
 */
export class ToolCallIndexes {
  /** Pieces of a line not yet whole: they go out with the chunk that ends it. */
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;
  private reading = false;
  private repairing = false;
  /** A call came with its index: the server numbers its calls, and the relay goes back to bytes. */
  private numbered = false;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  /** Per choice: the index each call id got, the last index used and how many there are. */
  private readonly choices = new Map<number, { ids: Map<string, number>; last: number; count: number }>();

  /** The bytes to relay now for `value`: its whole lines (the chunk itself when it ends one), repaired when they need it. */
  push(value: Uint8Array): Uint8Array {
    if (this.numbered && !this.reading && this.held.length === 0) return value;
    // A line cut between chunks waits for its end, so a call is never missed for being cut in two (and
    // the text read below always ends on a whole character). The pieces are joined once, at its end.
    // A bare CR ends a line too (SSE allows it): such a stream is never held for want of an LF.
    const lf = Math.max(value.lastIndexOf(LF), value.lastIndexOf(CR));
    if (lf === -1) {
      this.held.push(value);
      this.heldBytes += value.length;
      // A line that never ends (a broken or hostile upstream) is not held without bound: while nothing
      // goes out, the pump reads on, so the client's backpressure would not stop the upstream either.
      // Past the limit, what came goes out as it came; the rest of the line follows the same way.
      return this.heldBytes > MAX_LINE_BYTES ? this.flush() : EMPTY;
    }
    const chunk = this.held.length > 0 ? join([...this.held.splice(0), value]) : value;
    const cut = chunk.length - (value.length - lf - 1);
    const whole = cut === chunk.length ? chunk : chunk.subarray(0, cut);
    if (cut < chunk.length) this.held.push(chunk.slice(cut));
    this.heldBytes = chunk.length - cut;
    if (!this.reading) {
      if (this.numbered || !mentionsToolCalls(whole)) return whole;
      this.reading = true;
    }
    const text = this.decoder.decode(whole);
    const out = this.repairLines(text);
    if (this.numbered && !this.repairing) this.reading = false;
    return out === text ? whole : this.encoder.encode(out);
  }

  /** What is still held when the upstream ended: sent as it came. */
  flush(): Uint8Array {
    this.heldBytes = 0;
    return this.held.length > 0 ? join(this.held.splice(0)) : EMPTY;
  }

  private repairLines(text: string): string {
    let out = '';
    let from = 0;
    while (from < text.length) {
      // Lines are split at LF; what follows the last one (CR-only lines) is taken whole, as it came.
      const nl = text.indexOf('\n', from);
      const end = nl === -1 ? text.length : nl + 1;
      const line = text.slice(from, end);
      from = end;
      const relevant = CALLS.test(line) || (this.repairing && line.includes('"finish_reason"'));
      out += relevant && line.startsWith('data:') ? this.repairData(line) : line;
    }
    return out;
  }

  /** One `data:` line (its line break included), rewritten only when an index was missing. */
  private repairData(line: string): string {
    const payload = line.slice(5).trim();
    if (!payload.startsWith('{')) return line;
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return line;
    }
    if (!isRecord(json) || !Array.isArray(json.choices)) return line;
    let changed = false;
    for (const choice of json.choices) {
      if (!isRecord(choice)) continue;
      const at = typeof choice.index === 'number' ? choice.index : 0;
      const delta = choice.delta;
      if (isRecord(delta) && Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) if (isRecord(call) && this.indexCall(at, call)) changed = true;
      }
      if (this.repairing && choice.finish_reason === 'stop' && (this.choices.get(at)?.count ?? 0) > 0) {
        choice.finish_reason = 'tool_calls';
        changed = true;
      }
    }
    if (!changed) return line;
    const eol = /[\r\n]*$/.exec(line)![0];
    // Escaped as the upstream wrote them: raw, these two split lines for some readers (util/sse.ts).
    return `data: ${escapeLineSeparators(JSON.stringify(json))}${eol}`;
  }

  /** Records the call's index, giving it one when it has none; true when it did. */
  private indexCall(choice: number, call: Record<string, unknown>): boolean {
    let state = this.choices.get(choice);
    if (!state) this.choices.set(choice, (state = { ids: new Map(), last: -1, count: 0 }));
    const id = typeof call.id === 'string' && call.id ? call.id : undefined;
    if (typeof call.index === 'number') {
      this.numbered = true;
      if (id) state.ids.set(id, call.index);
      state.last = call.index;
      state.count = Math.max(state.count, call.index + 1);
      return false;
    }
    // Without an id, a delta naming a function starts a call (AstrBot#6661's `"id": ""` calls); one
    // naming none continues the call before it.
    const fn = call.function;
    const starts = id === undefined && isRecord(fn) && typeof fn.name === 'string' && fn.name !== '';
    let index = starts ? undefined : id === undefined ? state.last : state.ids.get(id);
    if (index === undefined || index < 0) {
      index = state.count++;
      if (id) state.ids.set(id, index);
    }
    state.last = index;
    call.index = index;
    this.repairing = true;
    return true;
  }
}

const EMPTY = new Uint8Array(0);
/** The most of a cut line held back for its end, as completion-chunk.ts holds one (and util/sse.ts parses one). */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

function join(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A line that carries calls: `"tool_calls"` and a list with something in it (not null, not []). */
const CALLS = /"tool_calls"\s*:\s*\[\s*\{/;

const UNDERSCORE = 0x5f;
const TOOL_CALLS = [0x22, 0x74, 0x6f, 0x6f, 0x6c, 0x5f, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x22]; // "tool_calls"

/**
 * Whether the bytes hold `"tool_calls"` with a call in it (CALLS), found from the key's underscore: a
 * text chunk has few of them (its finish_reason), so this costs tens of nanoseconds where a decode or a
 * general search costs hundreds. Servers that write `"tool_calls":null` in every delta stay on bytes.
 */
function mentionsToolCalls(chunk: Uint8Array): boolean {
  for (let i = chunk.indexOf(UNDERSCORE, 5); i !== -1 && i + 6 < chunk.length; i = chunk.indexOf(UNDERSCORE, i + 1)) {
    let k = 0;
    while (k < TOOL_CALLS.length && chunk[i - 5 + k] === TOOL_CALLS[k]) k++;
    if (k === TOOL_CALLS.length && opensList(chunk, i + 7)) return true;
  }
  return false;
}

/** `: [ {` from `at`, with any whitespace between. */
function opensList(chunk: Uint8Array, at: number): boolean {
  let i = at;
  for (const want of [COLON, OPEN_BRACKET, OPEN_BRACE]) {
    while (i < chunk.length && isSpace(chunk[i]!)) i++;
    if (chunk[i] !== want) return false;
    i++;
  }
  return true;
}

const COLON = 0x3a;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
