import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { wantsReasoningBack } from './model-rules.ts';
import { recallReasoning } from './reasoning-cache.ts';
import { bodyHolds } from '../../util/raw-body.ts';

/**
 * A Chat Completions client's history on its way, as it came, to a model that wants its reasoning back
 * (DeepSeek, Kimi: 400 "Missing `reasoning_content` field in the assistant message" for a tool-call turn
 * without it), made acceptable as the convert path makes it (encode-messages.ts): a tool-call turn
 * without the field gets the reasoning that server sent with those calls, or "" when there is none. A
 * turn another upstream served through aiproxy has none (it did not think, or thought in another form),
 * and that one turn would fail every later request of the conversation; the servers refuse only a
 * missing field. Undefined when nothing needs it: the client's bytes go as they came.
 */
export function withReasoningBack(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!wantsReasoningBack(model) || !mayHoldCalls(raw) || !Array.isArray(body.messages)) return undefined;
  let changed = false;
  const messages = body.messages.map((m: unknown) => {
    if (!lacksReasoning(m)) return m;
    changed = true;
    const first: unknown = m.tool_calls[0];
    const id = isRecord(first) && typeof first.id === 'string' ? first.id : undefined;
    return { ...m, reasoning_content: (id === undefined ? undefined : recallReasoning(id)) ?? '' };
  });
  return changed ? { ...body, model, messages } : undefined;
}

/** An assistant turn with tool calls and no `reasoning_content` (null counts as none). */
function lacksReasoning(m: unknown): m is Record<string, unknown> & { tool_calls: unknown[] } {
  return isRecord(m) && m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== 'string';
}

/** Most requests carry no call at all; those go untouched without a walk through their messages. */
function mayHoldCalls(raw: RequestBody): boolean {
  return bodyHolds(raw, '"tool_calls"');
}
