import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { wantsReasoningBack } from './model-rules.ts';
import { recallReasoning } from './reasoning-cache.ts';
import { bodyHolds } from '../../util/raw-body.ts';

/**
 * A Chat Completions client's history on its way, as it came, to a model that wants its reasoning back,
 * made acceptable as the convert path makes it (encode-messages.ts). DeepSeek V4 refuses a conversation
 * with tool calls in which an assistant message, the answer that closes a tool loop included, comes
 * back without `reasoning_content` ("The `reasoning_content` in the thinking mode must be passed back to
 * the API."), Kimi one whose tool-call message does. So once the history holds a call, each assistant
 * message without the field gets the reasoning the server sent with its calls, or "" when there is none:
 * a turn another upstream served through aiproxy has none (it did not think, or thought in another form),
 * most clients drop the field, and the servers refuse only a missing one. Undefined when nothing needs
 * it: the client's bytes go as they came.
 */
export function withReasoningBack(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!wantsReasoningBack(model) || !mayHoldCalls(raw) || !Array.isArray(body.messages)) return undefined;
  let changed = false;
  const messages = body.messages.map((m: unknown) => {
    if (!lacksReasoning(m)) return m;
    changed = true;
    const first: unknown = Array.isArray(m.tool_calls) ? m.tool_calls[0] : undefined;
    const id = isRecord(first) && typeof first.id === 'string' ? first.id : undefined;
    return { ...m, reasoning_content: (id === undefined ? undefined : recallReasoning(id)) ?? '' };
  });
  return changed ? { ...body, model, messages } : undefined;
}

/** An assistant message without `reasoning_content` (null counts as none). */
function lacksReasoning(m: unknown): m is Record<string, unknown> {
  return isRecord(m) && m.role === 'assistant' && typeof m.reasoning_content !== 'string';
}

/** Most requests carry no call at all; those go untouched without a walk through their messages. */
function mayHoldCalls(raw: RequestBody): boolean {
  return bodyHolds(raw, '"tool_calls"');
}
