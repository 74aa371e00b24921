import type { Message, Part, TextPart } from '../../core/index.ts';
import { encodePart } from './encode-content.ts';
import type { AnthropicBlock, AnthropicTurn } from './wire-types.ts';

export interface EncodedConversation {
  turns: AnthropicTurn[];
  /** Text of mid-conversation system messages: Anthropic has no system role, so it joins the system prompt. */
  systemTail: TextPart[];
}

/** Sent when the conversation would otherwise not open with a user turn, which the API requires. */
const PLACEHOLDER_USER_TEXT = 'Continue.';
const MISSING_RESULT_TEXT = 'Tool result missing';

/**
 * Canonical messages → Anthropic turns that the real API accepts (protocols.md §7): empty blocks and
 * turns dropped, same-role turns merged, every tool_use answered right after, user turn first.
 */
export function encodeConversation(messages: Message[]): EncodedConversation {
  const systemTail: TextPart[] = [];
  const turns: AnthropicTurn[] = [];
  for (const m of messages) {
    if (m.role === 'system') {
      for (const p of m.content) if (p.type === 'text') systemTail.push(p);
      continue;
    }
    const content: AnthropicBlock[] = [];
    for (const p of m.content) {
      if (!allowedIn(m.role, p)) continue;
      const block = encodePart(p);
      if (block) content.push(block);
    }
    if (content.length === 0) continue;
    const last = turns.at(-1);
    if (last?.role === m.role) last.content.push(...content);
    else turns.push({ role: m.role, content });
  }
  for (const t of turns) if (t.role === 'assistant') keepThinkingFirst(t);
  pairToolResults(turns);
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', content: [{ type: 'text', text: PLACEHOLDER_USER_TEXT }] });
  return { turns, systemTail };
}

/** Assistant turns cannot hold media or tool results; user turns cannot hold calls or thinking. */
function allowedIn(role: 'user' | 'assistant', part: Part): boolean {
  if (role === 'assistant') return part.type === 'text' || part.type === 'thinking' || part.type === 'tool_call';
  return part.type !== 'thinking' && part.type !== 'tool_call';
}

export const isThinkingBlock = (b: AnthropicBlock | undefined): boolean =>
  b?.type === 'thinking' || b?.type === 'redacted_thinking';

/**
 * "If an assistant message contains any thinking blocks, the first block must be thinking" (a 400
 * otherwise). Merged turns can break that; moving signed blocks is not allowed, so they are dropped.
 */
function keepThinkingFirst(turn: AnthropicTurn): void {
  if (isThinkingBlock(turn.content[0]) || !turn.content.some(isThinkingBlock)) return;
  turn.content = turn.content.filter((b) => !isThinkingBlock(b));
}

function toolUseIds(turn: AnthropicTurn | undefined): string[] {
  if (turn?.role !== 'assistant') return [];
  const ids: string[] = [];
  for (const b of turn.content) if (b.type === 'tool_use' && typeof b.id === 'string' && !ids.includes(b.id)) ids.push(b.id);
  return ids;
}

/**
 * Every tool_use must be answered by a tool_result in the very next user turn, results first and
 * (for readability of the transcript) in call order. Missing results are synthesised as errors;
 * results that answer nothing would be a 400, so they become plain text.
 */
function pairToolResults(turns: AnthropicTurn[]): void {
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === 'assistant') {
      if (toolUseIds(turn).length > 0 && turns[i + 1]?.role !== 'user') turns.splice(i + 1, 0, { role: 'user', content: [] });
      continue;
    }
    turn.content = answer(toolUseIds(turns[i - 1]), turn.content);
  }
}

function answer(ids: string[], content: AnthropicBlock[]): AnthropicBlock[] {
  const found = new Map<string, AnthropicBlock>();
  const rest: AnthropicBlock[] = [];
  for (const b of content) {
    if (b.type !== 'tool_result') {
      rest.push(b);
      continue;
    }
    const id = String(b.tool_use_id);
    if (ids.includes(id) && !found.has(id)) found.set(id, b);
    else rest.push(...orphanAsText(b));
  }
  if (ids.length === 0) return rest;
  const results = ids.map(
    (id) => found.get(id) ?? { type: 'tool_result', tool_use_id: id, is_error: true, content: MISSING_RESULT_TEXT },
  );
  return [...results, ...rest];
}

function orphanAsText(result: AnthropicBlock): AnthropicBlock[] {
  const inner = Array.isArray(result.content) ? (result.content as AnthropicBlock[]) : [];
  const texts: string[] = [];
  const media: AnthropicBlock[] = [];
  for (const b of inner) {
    if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
    else media.push(b);
  }
  const header = `Result of tool call ${String(result.tool_use_id)}${result.is_error ? ' (error)' : ''}:`;
  return [{ type: 'text', text: texts.length > 0 ? `${header}\n${texts.join('\n')}` : `${header} (empty)` }, ...media];
}
