import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';

/**
 * Assistant messages that say nothing, as the convert path writes them: not at all. A turn the user
 * stopped before any text, or one whose text was empty, reaches the server from some clients as
 * `{"role": "assistant", "content": null}` (the AI SDK's OpenAI-compatible provider: vercel/ai#13744),
 * and the openai SDK's parse helper gave answers `tool_calls: []` (openai/openai-node#1341); OpenAI
 * refuses both ("Invalid value for 'content': expected a string, got null", "Invalid
 * 'messages[1].tool_calls': empty array"), and as the client sends the history again every turn, the
 * conversation failed from then on. An empty `tool_calls` is left out; a message left with no content
 * and nothing else to say (no call, audio or refusal) goes. Undefined when none is so.
 */
export function withoutEmptyTurns(_raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!Array.isArray(body.messages) || !body.messages.some(isEmptyish)) return undefined;
  const messages: unknown[] = [];
  for (const m of body.messages) {
    if (!isEmptyish(m)) {
      messages.push(m);
      continue;
    }
    const { tool_calls: calls, ...rest } = m;
    const kept = Array.isArray(calls) && calls.length === 0 ? rest : m;
    if (!saysNothing(kept)) messages.push(kept);
  }
  return { ...body, model, messages };
}

/** An assistant message with an empty `tool_calls` array, or with no content and no calls. */
function isEmptyish(m: unknown): m is Record<string, unknown> {
  if (!isRecord(m) || m.role !== 'assistant') return false;
  return (Array.isArray(m.tool_calls) && m.tool_calls.length === 0) || saysNothing(m);
}

function saysNothing(m: Record<string, unknown>): boolean {
  return m.content == null && m.tool_calls == null && m.function_call == null && m.audio == null && m.refusal == null;
}
