/**
 * A reasoning model served without its server's reasoning parser (vLLM without --reasoning-parser, an
 * older llama.cpp or LM Studio, SGLang, many gateways) writes its thinking into `content` between
 * `<think>` and `</think>`. Relayed to an OpenAI client that is what the client sees and may parse itself
 * (Open WebUI, Cherry Studio do); converted, Claude Code and Gemini clients would show the thinking as the
 * answer and keep it in the history. Only an answer that opens with the tag is read this way (after
 * whitespace): a model quoting the tag later in its answer keeps its words.
 *
 * Models that only think have templates that write the `<think>` into the prompt (Qwen3's -Thinking
 * models, QwQ, DeepSeek-R1 and its distills): their answer is "reasoning…</think>\n\nanswer", the opening
 * tag never written (vllm-project/vllm#31045, #22507; QwenLM/Qwen3-VL#1504). Whether a `</think>` will
 * come is not known until it does, and a stream cannot be held back that long, so this reading is kept
 * to those models (promptOpensThinking), and only when their content comes first: a reasoning parser
 * sends the thinking apart first. A hybrid model (Qwen3.5, whose template writes either `<think>` or
 * `<think></think>`, vllm-project/vllm#53284) may answer without thinking at all, every word of which
 * would turn into thinking: it is not matched. Should a `</think>` never come, a whole answer is text,
 * and a stream, whose words already went out as thinking, gives them again as its answer at its end or
 * before its calls.
 */
const OPEN = '<think>';
const CLOSE = '</think>';

/** QwQ-32B-Preview wrote no tags at all: every word of its answers would turn into thinking. */
const OPENED_IN_PROMPT = /qwq(?![\w.-]*preview)|qwen3[\w.-]*-thinking|deepseek-r1/i;

/** Whether `model`'s chat template writes `<think>` into the prompt, so that its answer starts inside the thinking. */
export function promptOpensThinking(model: string): boolean {
  return OPENED_IN_PROMPT.test(model);
}

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
  /** Thinking without `<think>` (promptOpensThinking) not yet closed: all of it, the answer if `</think>` never comes. */
  private implicit: string | undefined;

  /** Past the opening (or the thinking): every later delta is answer text as it came. */
  get passing(): boolean {
    return this.state === 'text';
  }

  /** `opened`: the prompt opened the thinking (promptOpensThinking), read only at the answer's start. */
  push(delta: string, opened = false): ThinkPiece[] {
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
      if (start.startsWith(OPEN)) text = start.slice(OPEN.length);
      else if (opened) this.implicit = '';
      else {
        this.state = 'text';
        return [{ kind: 'text', text }];
      }
      this.state = 'thinking';
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
      return keep === text.length ? [] : this.thinking(text.slice(0, text.length - keep));
    }
    const out: ThinkPiece[] = close > 0 ? this.thinking(text.slice(0, close)) : [];
    this.state = 'answer';
    this.implicit = undefined;
    return out.concat(this.answer(text.slice(close + CLOSE.length)));
  }

  /**
   * What is held back. `answered`: the answer is over, or calls follow it (not cut by the output limit):
   * thinking that no `</think>` closed, taken on the prompt's word, was the answer after all.
   */
  end(answered = false): ThinkPiece[] {
    const rest = this.held;
    this.held = '';
    const out: ThinkPiece[] = rest ? [{ kind: this.state === 'thinking' ? 'thinking' : 'text', text: rest }] : [];
    if (this.implicit !== undefined && this.state === 'thinking') {
      const all = this.implicit + rest;
      this.implicit = undefined;
      if (answered && all) out.push({ kind: 'text', text: all });
    }
    return out;
  }

  private thinking(text: string): ThinkPiece[] {
    if (this.implicit !== undefined) this.implicit += text;
    return [{ kind: 'thinking', text }];
  }

  /** The blank line models write after `</think>` belongs to the tag, not to the answer. */
  private answer(delta: string): ThinkPiece[] {
    const text = delta.replace(/^\s+/, '');
    if (!text) return [];
    this.state = 'text';
    return [{ kind: 'text', text }];
  }
}

/**
 * A whole answer's content, split as ThinkTags splits a stream. `opened` (promptOpensThinking, no
 * reasoning sent apart): what comes before a `</think>` is thinking; without one, all is text.
 */
export function splitThinkTags(content: string, opened = false): ThinkPiece[] {
  const t = new ThinkTags();
  return mergePieces([...t.push(content, opened && content.includes(CLOSE)), ...t.end()]);
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
