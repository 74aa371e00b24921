import { createHash } from 'node:crypto';
import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { isMistralModel, isOpenAIModel } from './model-rules.ts';

const MISTRAL_ID = /^[A-Za-z0-9]{9}$/;
/**
 * OpenAI's limit on a tool call id: 400 "Invalid 'messages[3].tool_calls[0].id': string too long. Expected
 * a string with maximum length 40" (microsoft/autogen#6377, agno-agi/agno#5382). Ids other upstreams made
 * can be longer: Kimi's name theirs after the tool (`functions.mcp__github__create_pull_request:0`).
 */
const MAX_ID_LENGTH = 40;

/** Letters and digits of an id's digest: the same id always gives the same, two give the same by a 1-in-10^16 chance. */
const digest = (id: string): string => createHash('sha256').update(id).digest('base64').replace(/[^A-Za-z0-9]/g, '');

/**
 * A tool call id as the model takes it: Mistral's take exactly 9 letters and digits (400 "Tool call id
 * was toolu_01… but must be a-z, A-Z, 0-9, with a length of 9.": anomalyco/opencode#1680,
 * nearai/ironclaw#1241; their chat templates check it too, ml-explore/mlx-lm#1375), OpenAI's at most 40
 * characters. An id that fits goes as it is; any other is derived from its digest,
 * so a call and its result keep one id in every request of a conversation. Other servers get the ids as
 * they are: Kimi's chat template renders them into the prompt and wants its own (`functions.name:0`)
 * back verbatim, however long (vybestack/llxprt-code#713, exo-explore/exo#2281).
 */
export function callIdFor(model: string): (id: string) => string {
  return isMistralModel(model) ? mistralId : isOpenAIModel(model) ? boundedId : asItIs;
}

const asItIs = (id: string): string => id;

const mistralId = (id: string): string => (MISTRAL_ID.test(id) ? id : digest(id).slice(0, 9));
const boundedId = (id: string): string => (id.length <= MAX_ID_LENGTH ? id : `call_${digest(id).slice(0, 24)}`);

/**
 * Chat Completions messages with every tool call id (assistant `tool_calls`, `tool` messages'
 * `tool_call_id`) as `fit` makes it; undefined when none changed.
 */
export function withCallIds(messages: readonly unknown[], fit: (id: string) => string): unknown[] | undefined {
  // Nothing is copied for the common history whose ids all fit (every relayed request walks this).
  if (!messages.some((m) => holdsMisfit(m, fit))) return undefined;
  let changed = false;
  const out = messages.map((m) => {
    if (!isRecord(m)) return m;
    if (m.role === 'tool' && typeof m.tool_call_id === 'string' && fit(m.tool_call_id) !== m.tool_call_id) {
      changed = true;
      return { ...m, tool_call_id: fit(m.tool_call_id) };
    }
    if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return m;
    if (m.tool_calls.every((c: unknown) => !isRecord(c) || typeof c.id !== 'string' || fit(c.id) === c.id)) return m;
    changed = true;
    const calls = m.tool_calls.map((c: unknown) => (isRecord(c) && typeof c.id === 'string' ? { ...c, id: fit(c.id) } : c));
    return { ...m, tool_calls: calls };
  });
  return changed ? out : undefined;
}

/** Whether a message holds a tool call id `fit` changes: an assistant's calls', or a tool message's. */
function holdsMisfit(m: unknown, fit: (id: string) => string): boolean {
  if (!isRecord(m)) return false;
  if (m.role === 'tool') return typeof m.tool_call_id === 'string' && fit(m.tool_call_id) !== m.tool_call_id;
  if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return false;
  for (const c of m.tool_calls) if (isRecord(c) && typeof c.id === 'string' && fit(c.id) !== c.id) return true;
  return false;
}

/**
 * A Chat Completions client's history relayed as it came: calls other upstreams made carry their ids
 * (`call_…`, `toolu_…`, Kimi's). Undefined when nothing needs it.
 */
export function withCallIdsFor(_raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  // The messages are walked, not the bytes searched: a long prompt is one message, and a walk over the
  // messages costs less than a search through its text.
  if (!Array.isArray(body.messages)) return undefined;
  const messages = withCallIds(body.messages, callIdFor(model));
  return messages ? { ...body, model, messages } : undefined;
}
