import { createHash } from 'node:crypto';
import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { bodyHolds } from '../../util/raw-body.ts';
import { takesShortCallIdsOnly } from './model-rules.ts';

const SHORT_ID = /^[A-Za-z0-9]{9}$/;

/**
 * A tool call id as a model that takes only 9 letters and digits accepts it (takesShortCallIdsOnly):
 * its own ids as they are, any other the first 9 such characters of its digest, so a call and its
 * result keep one id in every request of a conversation, and two ids meet only by a 1-in-10^16 chance.
 */
export function shortCallId(id: string): string {
  if (SHORT_ID.test(id)) return id;
  return createHash('sha256').update(id).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 9);
}

/**
 * Chat Completions messages with every tool call id such a model would refuse (assistant `tool_calls`,
 * `tool` messages' `tool_call_id`) made short; undefined when none needed it.
 */
export function withShortCallIds(messages: readonly unknown[]): unknown[] | undefined {
  let changed = false;
  const out = messages.map((m) => {
    if (!isRecord(m)) return m;
    if (m.role === 'tool' && typeof m.tool_call_id === 'string' && !SHORT_ID.test(m.tool_call_id)) {
      changed = true;
      return { ...m, tool_call_id: shortCallId(m.tool_call_id) };
    }
    if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return m;
    if (m.tool_calls.every((c: unknown) => !isRecord(c) || typeof c.id !== 'string' || SHORT_ID.test(c.id))) return m;
    changed = true;
    const calls = m.tool_calls.map((c: unknown) => (isRecord(c) && typeof c.id === 'string' ? { ...c, id: shortCallId(c.id) } : c));
    return { ...m, tool_calls: calls };
  });
  return changed ? out : undefined;
}

/**
 * A Chat Completions client's history relayed as it came to such a model: calls other upstreams made
 * carry their ids (`call_…`, `toolu_…`). Undefined when nothing needs it.
 */
export function withShortCallIdsFor(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!takesShortCallIdsOnly(model) || !bodyHolds(raw, '"tool_call') || !Array.isArray(body.messages)) return undefined;
  const messages = withShortCallIds(body.messages);
  return messages ? { ...body, model, messages } : undefined;
}
