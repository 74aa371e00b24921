import type { CanonicalRequest, CanonicalResponse, StreamEvent, TextPart } from '../core/index.ts';
import type { StreamDecoder } from '../protocols/types.ts';

/**
 * JSON asked for (JSON mode or a schema) and answered inside a Markdown code fence: Claude, which has no
 * JSON switch and is asked in words, often writes ```json … ``` around it (router-for-me/CLIProxyAPI#2174,
 * unclecode/crawl4ai#1663), as Kimi does even in JSON mode (decolua/9router#288), and the client's
 * JSON.parse fails on the first backtick. No JSON text starts with a backtick, so an answer that opens
 * with a fence loses it, and its closing fence, and nothing else changes.
 */
export function wantsJson(req: CanonicalRequest): boolean {
  return req.responseFormat?.type === 'json' || req.responseFormat?.type === 'json_schema';
}

/** A fence opening: three backticks, a language tag or none, the end of the line. */
const OPENING = /^\s*```[\w-]*[ \t]*\r?\n/;
/** The first line of a fence opening before its end came. */
const OPENING_SO_FAR = /^```[\w-]*[ \t]*\r?$/;
/** A whole answer in one fence. */
const FENCED = /^\s*```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?[ \t]*```\s*$/;
/** What may be the closing fence, or whitespace before it: held back until more text or the end. */
const TAIL = /[\s`]*$/;
/** Longer than any language tag: a first line this long without its end is no fence opening. */
const MAX_OPENING = 32;

/** The answer's text without a fence around all of it; other text is left as it is. */
export function unfenceJsonResponse(res: CanonicalResponse): void {
  const texts = res.content.filter((p): p is TextPart => p.type === 'text' && !p.refusal);
  const inner = FENCED.exec(texts.map((p) => p.text).join(''))?.[1];
  if (inner === undefined) return;
  const first = texts[0]!;
  res.content = res.content.filter((p) => p.type !== 'text' || !texts.includes(p) || p === first);
  first.text = inner;
}

/**
 * A stream decoder whose answer loses a fence around it. Text waits only while it may still be a fence
 * opening (leading whitespace and backticks, then the tag up to the line's end); once inside a fence,
 * trailing whitespace and backticks wait for what follows, and at the end a closing fence is dropped.
 */
export function unfencingDecoder(inner: StreamDecoder): StreamDecoder {
  let state: 'start' | 'plain' | 'fenced' = 'start';
  let held = '';

  const text = (value: string, out: StreamEvent[]): void => {
    held += value;
    if (state === 'start') {
      const head = held.trimStart();
      if (head === '' || (head.length < 3 && '```'.startsWith(head))) return;
      const opening = OPENING.exec(held);
      if (!opening) {
        // Still the first line of a fence opening: its tag, perhaps the \r of its \r\n.
        if (head.length <= MAX_OPENING && OPENING_SO_FAR.test(head)) return;
        state = 'plain';
      } else {
        state = 'fenced';
        held = held.slice(opening[0].length);
      }
    }
    if (state === 'plain') {
      out.push({ type: 'text', text: held });
      held = '';
      return;
    }
    const keep = TAIL.exec(held)?.[0] ?? '';
    const ready = held.slice(0, held.length - keep.length);
    if (ready) out.push({ type: 'text', text: ready });
    held = keep;
  };

  /** What waited goes out before anything else does; inside a fence, its closing is dropped. */
  const flush = (out: StreamEvent[]): void => {
    if (state === 'start') state = 'plain';
    if (held === '') return;
    const rest = state === 'fenced' ? held.replace(/\s*```\s*$/, '') : held;
    if (rest) out.push({ type: 'text', text: rest });
    held = '';
  };

  const pass = (events: StreamEvent[]): StreamEvent[] => {
    const out: StreamEvent[] = [];
    for (const ev of events) {
      // Empty text (a Gemini part that only carries a signature) is nothing any encoder writes: it neither
      // waits nor lets what waits go.
      if (ev.type === 'text' && !ev.refusal) {
        if (ev.text !== '') text(ev.text, out);
      } else {
        if (ev.type !== 'start' && ev.type !== 'usage' && (held !== '' || ev.type === 'finish' || ev.type === 'error')) flush(out);
        out.push(ev);
      }
    }
    return out;
  };
  return { message: (msg) => pass(inner.message(msg)), end: () => pass(inner.end()) };
}
