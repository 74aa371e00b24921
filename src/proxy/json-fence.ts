import type { CanonicalRequest, CanonicalResponse, StreamEvent, TextPart } from '../core/index.ts';
import type { StreamDecoder } from '../protocols/types.ts';

/**
 * JSON asked for (JSON mode or a schema) and answered inside a Markdown code fence: Claude, which has no
 * JSON switch and is asked in words, often writes ```json … ``` around it (router-for-me/CLIProxyAPI#2174,
 * unclecode/crawl4ai#1663), as Kimi does even in JSON mode (decolua/9router#288), and the client's
 * JSON.parse fails on the first backtick. No JSON text starts with a backtick, so an answer that opens
 * with a fence is what that fence holds: the fence, and anything after its closing line (a sentence about
 * the JSON), are dropped; an answer cut inside the fence loses only its opening. An answer that does not
 * open with a fence goes as it came. Whole and streamed alike.
 */
export function wantsJson(req: CanonicalRequest): boolean {
  return req.responseFormat?.type === 'json' || req.responseFormat?.type === 'json_schema';
}

/** A fence opening: three backticks, a language tag or none, the end of the line. */
const OPENING = /^\s*```[\w-]*[ \t]*\r?\n/;
/** The first line of a fence opening before its end came. */
const OPENING_SO_FAR = /^```[\w-]*[ \t]*\r?$/;
/**
 * A closing fence line (indented at most three spaces, as Markdown has it). Inside JSON text a line cannot
 * start with backticks (a string holds no raw newline).
 */
const CLOSING = /\r?\n[ \t]{0,3}```/;

/** `s` without a closing fence right after the last of its content, at its end (and the whitespace around it). */
function withoutClosingAtEnd(s: string): string {
  const t = s.trimEnd();
  return t.endsWith('```') ? t.slice(0, -3).trimEnd() : s;
}
/** Longer than any language tag: a first line this long without its end is no fence opening. */
const MAX_OPENING = 32;

/** The answer's text without a fence around all of it; other text is left as it is. */
export function unfenceJsonResponse(res: CanonicalResponse): void {
  const texts = res.content.filter((p): p is TextPart => p.type === 'text' && !p.refusal);
  const joined = texts.map((p) => p.text).join('');
  const opening = OPENING.exec(joined);
  if (!opening) return;
  const fenced = joined.slice(opening[0].length);
  const close = CLOSING.exec(fenced);
  // Whitespace before the fence is kept, as the stream sends it on before it knows a fence follows.
  const inner = joined.slice(0, joined.length - joined.trimStart().length) + (close ? fenced.slice(0, close.index) : withoutClosingAtEnd(fenced));
  const first = texts[0]!;
  res.content = res.content.filter((p) => p.type !== 'text' || !texts.includes(p) || p === first);
  first.text = inner;
}

/**
 * Where the end of `s` that may be a closing fence on its way begins: up to three backticks, and before
 * them the line break and indentation (at most three) that would make them a fence line. Bounded, so a
 * long run of whitespace or backticks is not held, nor scanned again with every piece.
 */
function tailStart(s: string): number {
  let i = s.length;
  while (i > 0 && s.length - i < 3 && s.charCodeAt(i - 1) === 96) i--;
  let j = i;
  while (j > 0 && i - j < 3 && (s.charCodeAt(j - 1) === 32 || s.charCodeAt(j - 1) === 9)) j--;
  if (j > 0 && s.charCodeAt(j - 1) === 10) return j > 1 && s.charCodeAt(j - 2) === 13 ? j - 2 : j - 1;
  // A \r whose \n may come next.
  if (j > 0 && j === s.length && s.charCodeAt(j - 1) === 13) return j - 1;
  return i;
}

/**
 * A stream decoder whose answer loses a fence around it. Text waits only while it may still be a fence
 * opening (backticks, then the tag up to the line's end; whitespace before it goes on at once, JSON
 * takes it); once inside a fence, trailing whitespace and backticks wait for what follows, a closing fence
 * line ends the answer's text, and at the end a closing fence is dropped.
 */
export function unfencingDecoder(inner: StreamDecoder): StreamDecoder {
  let state: 'start' | 'plain' | 'fenced' | 'closed' = 'start';
  let held = '';

  const text = (value: string, out: StreamEvent[]): void => {
    if (state === 'closed') return;
    held += value;
    if (state === 'start') {
      // Whitespace before the fence goes on as it comes: JSON takes it, and it need not wait (a model
      // looping on whitespace would otherwise send nothing, and its growing run be searched again and again).
      const head = held.trimStart();
      if (head.length < held.length) {
        out.push({ type: 'text', text: held.slice(0, held.length - head.length) });
        held = head;
      }
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
    const close = CLOSING.exec(held);
    if (close) {
      if (close.index > 0) out.push({ type: 'text', text: held.slice(0, close.index) });
      held = '';
      state = 'closed';
      return;
    }
    const keep = tailStart(held);
    if (keep > 0) out.push({ type: 'text', text: held.slice(0, keep) });
    held = held.slice(keep);
  };

  /** What waited goes out before anything else does; inside a fence, its closing is dropped. */
  const flush = (out: StreamEvent[]): void => {
    if (state === 'start') state = 'plain';
    if (held === '') return;
    const rest = state === 'fenced' ? withoutClosingAtEnd(held) : held;
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
