import { isRecord } from '../../util/json.ts';

/** One piece of an upstream's `content` array, in order. */
export interface ContentPiece {
  kind: 'text' | 'thinking';
  text: string;
}

const NONE: readonly ContentPiece[] = Object.freeze([]);

/**
 * An assistant `content` that is an array rather than a string. Some compatible servers send text
 * parts; Mistral's reasoning models (Magistral) send their reasoning as
 * `{"type":"thinking","thinking":[{"type":"text","text":"…"}]}`, streamed and not, which is thinking,
 * not answer text.
 */
export function contentPieces(content: unknown): readonly ContentPiece[] {
  // Called for every streamed delta, nearly all of them strings: no array made for those.
  if (!Array.isArray(content)) return NONE;
  const out: ContentPiece[] = [];
  for (const p of content) {
    if (!isRecord(p)) continue;
    if (p.type === 'thinking') {
      const text = thinkingText(p.thinking);
      if (text) out.push({ kind: 'thinking', text });
    } else if (typeof p.text === 'string' && p.text) {
      out.push({ kind: 'text', text: p.text });
    }
  }
  return out;
}

/** Mistral nests text chunks in `thinking`; a bare string is accepted too. */
function thinkingText(thinking: unknown): string {
  if (typeof thinking === 'string') return thinking;
  if (!Array.isArray(thinking)) return '';
  let text = '';
  for (const t of thinking) if (isRecord(t) && typeof t.text === 'string') text += t.text;
  return text;
}
