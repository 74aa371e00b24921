import type { Protocol } from '../protocols/types.ts';

/** How much of a relayed stream's end is kept to check it ended properly. */
const WINDOW_BYTES = 64 * 1024;
// Decodes whole buffers only (no `stream` state), so one serves every relay.
const utf8 = new TextDecoder();
const EVENT_SEPARATOR = /\r\n\r\n|\n\n|\r\r/;
const DONE_LINE = /^data:\s*\[DONE\]\s*$/m;
const LINE_BREAK = /\r\n|\n|\r/;
const ERROR_EVENT = /^event:\s*error\s*$/m;
/** `data: {"error": …}` (OpenAI, Gemini) or `data: {"type": "error", …}` (Anthropic). */
const ERROR_DATA = /^data:\s*\{\s*"(error"|type"\s*:\s*"error")/m;

/** Whether a Gemini stream chunk is one a complete stream ends with: a finish reason, or a blocked prompt. */
export function isLastGeminiChunk(text: string): boolean {
  return text.includes('"finishReason"') || text.includes('"blockReason"');
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

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.byteLength >= WINDOW_BYTES) {
      this.size -= this.chunks.shift()!.byteLength;
      this.dropped = true;
    }
  }

  /** Whether the stream ended with its protocol's end marker (or an upstream error). */
  complete(protocol: Protocol, format: 'sse' | 'json-array'): boolean {
    const text = utf8.decode(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
    if (format === 'json-array') return text.trimEnd().endsWith(']');
    const events = text.split(EVENT_SEPARATOR);
    // Without a separator in view, the window may start inside the last event: do not guess.
    if (events.length < 2 && this.dropped) return true;
    let last: string | undefined;
    for (let i = events.length - 1; i >= 0 && last === undefined; i--) {
      const e = events[i]!.trim();
      if (e && !e.split(LINE_BREAK).every((line) => line.startsWith(':'))) last = e;
    }
    if (last === undefined) return false;
    if (ERROR_EVENT.test(last) || ERROR_DATA.test(last)) return true;
    switch (protocol) {
      case 'openai':
        return DONE_LINE.test(last);
      case 'anthropic':
        return last.includes('message_stop');
      case 'gemini':
        return isLastGeminiChunk(last);
    }
  }
}
