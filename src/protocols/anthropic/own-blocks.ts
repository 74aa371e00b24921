import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { finishConversation, thinkingFitsHistory } from './final-turn.ts';
import { isThinkingBlock } from './encode-messages.ts';
import { disableThinkingExplicitly } from './model-rules.ts';
import { FOREIGN_PREFIXES, parseSignature } from './signature.ts';
import type { AnthropicBlock, AnthropicTurn } from './wire-types.ts';
import { bytesOf } from '../../util/raw-body.ts';

/**
 * A Messages history on its way to an Anthropic upstream, with the thinking aiproxy wrote for an
 * Anthropic client left out: a turn another upstream served carries aiproxy's mark for unsigned thinking
 * (Gemini, DeepSeek) or a prefixed foreign signature (`gemini:…`, `openai:…`; signature.ts), and
 * Anthropic answers every later request with 400 "Invalid `signature` in `thinking` block". Redacted
 * thinking is only ever Anthropic's, so it stays. Thinking goes off for the request when the final tool
 * turn is then left without thinking, or was served without any (an upstream that did not think: the
 * API wants that turn led by thinking while thinking is on). Undefined when there is nothing to do:
 * the client's bytes go as they came.
 */
export function readableToAnthropic(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!Array.isArray(body.messages)) return undefined;
  const kept = mayHoldForeignThinking(raw) ? withoutForeignThinking(body.messages) : undefined;
  const messages = kept ?? body.messages;
  const off = thinkingOn(body) && ((kept !== undefined && fits(body.messages) && !fits(kept)) || calledWithoutThinking(messages));
  if (!kept && !off) return undefined;
  const out: Record<string, unknown> = { ...body, model, messages: [...messages] };
  if (off) thinkingOff(out, model);
  return out;
}

/** The messages without the thinking aiproxy wrote; undefined when they hold none. */
function withoutForeignThinking(messages: unknown[]): unknown[] | undefined {
  let dropped = false;
  const out: unknown[] = [];
  for (const m of messages) {
    if (!isRecord(m) || m.role !== 'assistant' || !Array.isArray(m.content) || !m.content.some(isForeignThinking)) {
      out.push(m);
      continue;
    }
    dropped = true;
    const content = m.content.filter((b: unknown) => !isForeignThinking(b));
    // A turn that was only thinking is left out: the API merges the neighbours it leaves side by side.
    if (content.length > 0) out.push({ ...m, content });
  }
  return dropped ? out : undefined;
}

/**
 * Whether the assistant turn whose calls the last user turn answers holds no thinking at all, as one
 * another upstream served without thinking does (Claude with thinking on always leads a tool turn with
 * it). Adjacent assistant messages count as one turn, as the API merges them; Claude Code's `system`
 * entries are passed over. Only the end of the history is read.
 */
function calledWithoutThinking(messages: unknown[]): boolean {
  let i = messages.length - 1;
  while (i >= 0 && isSystemEntry(messages[i])) i--;
  const last = messages[i];
  if (!isRecord(last) || last.role !== 'user' || !Array.isArray(last.content)) return false;
  const first: unknown = last.content[0];
  if (!isRecord(first) || first.type !== 'tool_result') return false;
  let assistant = false;
  for (i--; i >= 0; i--) {
    const m = messages[i];
    if (isSystemEntry(m)) continue;
    if (!isRecord(m) || m.role !== 'assistant') break;
    assistant = true;
    if (Array.isArray(m.content) && m.content.some((b: unknown) => isRecord(b) && isThinkingBlock(b as AnthropicBlock))) return false;
  }
  return assistant;
}

const isSystemEntry = (m: unknown): boolean => isRecord(m) && m.role === 'system';

/**
 * Runs on every Claude Code request, so the bytes are searched (natively, without decoding them) before
 * any JSON is walked. JSON allows blanks around the colon, hence the scan after each `"signature"` key.
 */
function mayHoldForeignThinking(raw: RequestBody): boolean {
  const bytes = bytesOf(raw);
  for (let at = bytes.indexOf(KEY); at >= 0; at = bytes.indexOf(KEY, at + KEY.length)) {
    let i = at + KEY.length;
    while (isBlank(bytes[i])) i++;
    if (bytes[i++] !== COLON) continue;
    while (isBlank(bytes[i])) i++;
    if (bytes[i++] !== QUOTE) continue;
    if (FOREIGN.some((prefix) => bytes.subarray(i, i + prefix.length).equals(prefix))) return true;
  }
  return false;
}

const KEY = Buffer.from('"signature"');
/**
 * signature.ts's prefixes: other families' signatures and aiproxy's mark for unsigned thinking (a real
 * Anthropic signature is base64, never with a colon). An empty signature is not one of them: servers that
 * speak Anthropic's protocol without signing (DeepSeek's, gateways) send it, and take it back.
 */
const FOREIGN = [...FOREIGN_PREFIXES, 'aiproxy:'].map((p) => Buffer.from(p));
const COLON = 0x3a;
const QUOTE = 0x22;
const isBlank = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function isForeignThinking(b: unknown): boolean {
  return isRecord(b) && b.type === 'thinking' && typeof b.signature === 'string' && b.signature !== '' && parseSignature(b.signature)?.family !== 'anthropic';
}

function thinkingOn(body: Record<string, unknown>): boolean {
  return isRecord(body.thinking) && body.thinking.type !== 'disabled';
}

/**
 * The convert path's rule (final-turn.ts) on the client's messages: Claude Code places `system` entries
 * inside `messages`, which take no part in it.
 */
function fits(messages: unknown[]): boolean {
  return thinkingFitsHistory(turnsOf(messages));
}

function turnsOf(messages: unknown[]): AnthropicTurn[] {
  const turns: AnthropicTurn[] = [];
  for (const m of messages) {
    if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant')) continue;
    const content: AnthropicBlock[] = Array.isArray(m.content) ? m.content.filter(isRecord).map((b) => b as AnthropicBlock) : [];
    turns.push({ role: m.role, content });
  }
  return turns;
}

/**
 * The final assistant turn's thinking came from elsewhere, and with thinking on the API wants it led by
 * its own ("a final assistant message must start with a thinking block"): thinking goes off for this
 * request, as the convert path does. Thinking-clearing edits go with it, having nothing to act on.
 */
function thinkingOff(out: Record<string, unknown>, model: string): void {
  if (disableThinkingExplicitly(model)) out.thinking = { type: 'disabled' };
  else delete out.thinking;
  const messages = out.messages as unknown[];
  const last = messages.at(-1);
  if (isRecord(last) && last.role === 'assistant' && Array.isArray(last.content)) {
    // A prefill cannot hold thinking once thinking is off; finishConversation knows the rest of the rules.
    const turns: AnthropicTurn[] = [{ role: 'assistant', content: last.content.filter(isRecord).map((b) => b as AnthropicBlock) }];
    finishConversation(turns, false);
    if (turns.length === 0) messages.pop();
    else messages[messages.length - 1] = { ...last, content: turns[0]!.content };
  }
  withoutThinkingEdits(out);
}

function withoutThinkingEdits(out: Record<string, unknown>): void {
  const cm = out.context_management;
  if (!isRecord(cm) || !Array.isArray(cm.edits)) return;
  const edits = cm.edits.filter((e: unknown) => !(isRecord(e) && typeof e.type === 'string' && e.type.startsWith('clear_thinking')));
  if (edits.length === cm.edits.length) return;
  if (edits.length > 0 || Object.keys(cm).length > 1) out.context_management = { ...cm, edits };
  else delete out.context_management;
}
