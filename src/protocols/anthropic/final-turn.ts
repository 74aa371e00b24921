import { isThinkingBlock } from './encode-messages.ts';
import { recallThinking } from './thinking-cache.ts';
import type { AnthropicTurn } from './wire-types.ts';

/**
 * Rules the API enforces on the end of the conversation, applied after the thinking decision.
 * Quoted 400s: "When thinking is enabled, a final assistant message must start with a thinking
 * block (preceding the lastmost set of tool_use and tool_result blocks)"; "When thinking is
 * disabled, an assistant message in the final position cannot contain thinking"; and "final
 * assistant content cannot end with trailing whitespace".
 */

/** The assistant turn the thinking rule looks at: a trailing prefill, or the one whose calls the last turn answers. */
function finalAssistant(turns: AnthropicTurn[]): AnthropicTurn | undefined {
  const last = turns.at(-1);
  if (last?.role === 'assistant') return last;
  if (last?.content[0]?.type === 'tool_result') return turns.at(-2);
  return undefined;
}

/** False when enabling thinking would be rejected because history from elsewhere lacks Anthropic thinking. */
export function thinkingFitsHistory(turns: AnthropicTurn[]): boolean {
  const a = finalAssistant(turns);
  return a === undefined || isThinkingBlock(a.content[0]);
}

/**
 * Puts back the signed thinking the upstream sent with the final assistant turn's tool calls, when the
 * client's history came without it (thinking-cache.ts). True when the turn now leads with thinking.
 */
export function restoreThinking(turns: AnthropicTurn[]): boolean {
  const a = finalAssistant(turns);
  const call = a?.content.find((b) => b.type === 'tool_use');
  const blocks = typeof call?.id === 'string' ? recallThinking(call.id) : undefined;
  if (!a || !blocks) return false;
  a.content = [...blocks.map((b) => ({ ...b })), ...a.content.filter((b) => !isThinkingBlock(b))];
  return true;
}

/** Closes a conversation that ends with an assistant turn, for a model that takes no prefill (model-rules.ts refusesPrefill). */
const CLOSING_USER_TEXT = 'Continue.';

/**
 * A Chat Completions or Gemini client's history may end with the assistant's words (a continued answer,
 * a system message after it that joins the system prompt): OpenAI and Gemini answer it with a new turn,
 * where Claude 4.6 on refuses the request. A user turn after it asks for that answer.
 */
export function closeWithUser(turns: AnthropicTurn[]): void {
  if (turns.at(-1)?.role === 'assistant') turns.push({ role: 'user', content: [{ type: 'text', text: CLOSING_USER_TEXT }] });
}

export function finishConversation(turns: AnthropicTurn[], thinkingOn: boolean): void {
  const last = turns.at(-1);
  if (last?.role !== 'assistant') return;
  if (!thinkingOn) last.content = last.content.filter((b) => !isThinkingBlock(b));
  const tail = last.content.at(-1);
  if (tail?.type === 'text' && typeof tail.text === 'string') {
    const trimmed = tail.text.trimEnd();
    if (trimmed) last.content[last.content.length - 1] = { ...tail, text: trimmed };
    else last.content.pop();
  }
  // An emptied prefill is simply not sent; the previous turn is a user turn (alternation).
  if (last.content.length === 0) turns.pop();
}
