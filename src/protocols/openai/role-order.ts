import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { isMistralModel } from './model-rules.ts';

/**
 * What stands between tool results and the user's next words for Mistral's models, which refuse a user
 * message right after a tool message: 400 "Unexpected role 'user' after role 'tool'" (code 3230,
 * zed-industries/zed#37021, NousResearch/hermes-agent#20154; their chat templates elsewhere too). Claude
 * Code sends its reminders in the same turn as tool results, and a user who answers a tool call with
 * words does the same. Others put an assistant message between (avante-corp/avante.nvim#2695); a short
 * neutral one says nothing the model did not.
 */
export const TOOL_RESULTS_READ = 'Tool results received.';

/** Chat Completions messages with an assistant message wherever a user one follows a tool one; undefined when none does. */
export function withAssistantAfterTools(messages: readonly unknown[]): unknown[] | undefined {
  let at = -1;
  for (let i = 1; i < messages.length && at < 0; i++) if (roleOf(messages[i]) === 'user' && roleOf(messages[i - 1]) === 'tool') at = i;
  if (at < 0) return undefined;
  const out: unknown[] = messages.slice(0, at);
  for (let i = at; i < messages.length; i++) {
    if (roleOf(messages[i]) === 'user' && roleOf(out[out.length - 1]) === 'tool') out.push({ role: 'assistant', content: TOOL_RESULTS_READ });
    out.push(messages[i]);
  }
  return out;
}

const roleOf = (m: unknown): unknown => (isRecord(m) ? m.role : undefined);

/** The relay's repair: a Chat Completions client's history as Mistral's models take it. */
export function withRoleOrderFor(_raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!isMistralModel(model) || !Array.isArray(body.messages)) return undefined;
  const messages = withAssistantAfterTools(body.messages);
  return messages ? { ...body, model, messages } : undefined;
}
