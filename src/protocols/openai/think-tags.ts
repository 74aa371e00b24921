/**
 * A reasoning model served without its server's reasoning parser (vLLM without --reasoning-parser, an
 * older llama.cpp or LM Studio, SGLang, many gateways) writes its thinking into `content` between
 * `<think>` and `</think>`. Relayed to an OpenAI client that is what the client sees and may parse itself
 * (Open WebUI, Cherry Studio do); converted, Claude Code and Gemini clients would show the thinking as the
 * answer and keep it in the history. Only an answer that opens with the tag is read this way (after
 * whitespace): a model quoting the tag later in its answer keeps its words.
 */
const OPEN = '<think>';
const CLOSE = '</think>';

export interface ThinkPiece {
  kind: 'thinking' | 'text';
  text: string;
}

/** Splits streamed content deltas; `push` returns what can be told apart so far, `end` the rest. */
export class ThinkTags {
  /** lead: the answer's opening, maybe `<think>`; answer: after `</think>`, its blank line dropped. */
  private state: 'lead' | 'thinking' | 'answer' | 'text' = 'lead';
  /** Text held back: the answer's opening while it may still be `<think>`, or what may start `</think>`. */
  private held = '';
  /** Some thinking went out (its leading whitespace is not sent). */
  private thought = false;

  /** Past the opening (or the thinking): every later delta is answer text as it came. */
  get passing(): boolean {
    return this.state === 'text';
  }

  push(delta: string): ThinkPiece[] {
    if (this.state === 'text') return [{ kind: 'text', text: delta }];
    if (this.state === 'answer') return this.answer(delta);
    let text = this.held + delta;
    this.held = '';
    if (this.state === 'lead') {
      const start = text.trimStart();
      if (start.length < OPEN.length && OPEN.startsWith(start)) {
        this.held = text;
        return [];
      }
      if (!start.startsWith(OPEN)) {
        this.state = 'text';
        return [{ kind: 'text', text }];
      }
      this.state = 'thinking';
      text = start.slice(OPEN.length);
    }
    // Whitespace before the thinking is dropped, so Qwen3's `<think>\n\n</think>` (thinking off) makes no block.
    if (!this.thought) {
      text = text.replace(/^\s+/, '');
      if (text) this.thought = true;
    }
    const close = text.indexOf(CLOSE);
    if (close === -1) {
      const keep = partialSuffix(text, CLOSE);
      this.held = text.slice(text.length - keep);
      return keep === text.length ? [] : [{ kind: 'thinking', text: text.slice(0, text.length - keep) }];
    }
    const out: ThinkPiece[] = close > 0 ? [{ kind: 'thinking', text: text.slice(0, close) }] : [];
    this.state = 'answer';
    return out.concat(this.answer(text.slice(close + CLOSE.length)));
  }

  end(): ThinkPiece[] {
    const rest = this.held;
    this.held = '';
    return rest ? [{ kind: this.state === 'thinking' ? 'thinking' : 'text', text: rest }] : [];
  }

  /** The blank line models write after `</think>` belongs to the tag, not to the answer. */
  private answer(delta: string): ThinkPiece[] {
    const text = delta.replace(/^\s+/, '');
    if (!text) return [];
    this.state = 'text';
    return [{ kind: 'text', text }];
  }
}

/** A whole answer's content, split as ThinkTags splits a stream. */
export function splitThinkTags(content: string): ThinkPiece[] {
  const t = new ThinkTags();
  return mergePieces([...t.push(content), ...t.end()]);
}

/** How many of `text`'s last characters could begin `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (tag.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}

/** Neighbouring pieces of one kind joined. */
export function mergePieces(pieces: ThinkPiece[]): ThinkPiece[] {
  const out: ThinkPiece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && last.kind === p.kind) last.text += p.text;
    else out.push({ ...p });
  }
  return out;
}
