import { isRecord } from '../util/json.ts';

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
  /** Bytes of a line not yet whole: it goes out with the chunk that ends it. */
  private held: Uint8Array | undefined;
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
    if (this.numbered && !this.reading && !this.held) return value;
    let chunk = value;
    if (this.held) {
      chunk = concat(this.held, value);
      this.held = undefined;
    }
    // A line cut between chunks waits for its end, so "tool_calls" is never missed for being cut in two
    // (and the text read below always ends on a whole character).
    const cut = chunk[chunk.length - 1] === LF ? chunk.length : chunk.lastIndexOf(LF) + 1;
    const whole = cut === chunk.length ? chunk : chunk.subarray(0, cut);
    if (cut < chunk.length) this.held = chunk.slice(cut);
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
    const rest = this.held ?? EMPTY;
    this.held = undefined;
    return rest;
  }

  private repairLines(text: string): string {
    let out = '';
    let from = 0;
    while (from < text.length) {
      const nl = text.indexOf('\n', from);
      const line = text.slice(from, nl + 1);
      from = nl + 1;
      const relevant = line.includes('"tool_calls"') || (this.repairing && line.includes('"finish_reason"'));
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
    const eol = line.endsWith('\r\n') ? '\r\n' : '\n';
    return `data: ${JSON.stringify(json)}${eol}`;
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
    let index = id === undefined ? state.last : state.ids.get(id);
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
const LF = 0x0a;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const UNDERSCORE = 0x5f;
const TOOL_CALLS = [0x22, 0x74, 0x6f, 0x6f, 0x6c, 0x5f, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x22]; // "tool_calls"

/**
 * Whether the bytes hold `"tool_calls"`, found from its underscore: a text chunk has few of them (its
 * finish_reason), so this costs tens of nanoseconds where a decode or a general search costs hundreds.
 */
function mentionsToolCalls(chunk: Uint8Array): boolean {
  for (let i = chunk.indexOf(UNDERSCORE, 5); i !== -1 && i + 6 < chunk.length; i = chunk.indexOf(UNDERSCORE, i + 1)) {
    let k = 0;
    while (k < TOOL_CALLS.length && chunk[i - 5 + k] === TOOL_CALLS[k]) k++;
    if (k === TOOL_CALLS.length) return true;
  }
  return false;
}
