import { unwrapEnumAnswer } from '../core/enum-answer.ts';
import type { CanonicalRequest, CanonicalResponse, StreamEvent } from '../core/index.ts';
import type { StreamDecoder, UpstreamProtocol } from '../protocols/types.ts';

/**
 * Whether the answer comes wrapped: Gemini's enum output asked of an upstream that took it as structured
 * output (core/enum-answer.ts). A Gemini upstream answers the bare value itself.
 */
export function wrapsEnumAnswer(req: CanonicalRequest, target: UpstreamProtocol): boolean {
  return req.responseFormat?.type === 'enum' && target !== 'gemini';
}

/** The answer's text replaced by the bare value, in the place of its first text part. */
export function unwrapEnumResponse(res: CanonicalResponse): void {
  const texts = res.content.filter((p) => p.type === 'text');
  if (texts.length === 0) return;
  const value = unwrapEnumAnswer(texts.map((p) => p.text).join(''));
  const first = texts[0]!;
  res.content = res.content.filter((p) => p.type !== 'text' || p === first);
  first.text = value;
}

/**
 * A stream decoder whose text is held back until the answer is complete and then goes out as the bare
 * value, in one piece just before `finish`: a fragment of `{"value":"POS` is nothing a client could use.
 * A stream that fails keeps its error; the partial answer goes nowhere.
 */
export function enumAnswerDecoder(inner: StreamDecoder): StreamDecoder {
  let held = '';
  const pass = (events: StreamEvent[]): StreamEvent[] => {
    const out: StreamEvent[] = [];
    for (const ev of events) {
      if (ev.type === 'text') {
        held += ev.text;
        continue;
      }
      if (ev.type === 'finish' && held !== '') out.push({ type: 'text', text: unwrapEnumAnswer(held) });
      out.push(ev);
    }
    return out;
  };
  return { message: (msg) => pass(inner.message(msg)), end: () => pass(inner.end()) };
}
