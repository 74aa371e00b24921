import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { isOpenAIModel } from './model-rules.ts';

/**
 * A Chat Completions client's `developer` messages (OpenAI's name for system instructions since the
 * o-series) as `system` for a model OpenAI does not serve: compatible servers other than OpenAI's own
 * may not know the role, and DeepSeek refuses the whole request ("messages[1].role: unknown variant
 * `developer`, expected one of `system`, `user`, `assistant`, `tool`", decolua/9router#773). `system`
 * is what every server takes, and what the convert path writes. Undefined when nothing needs it: the
 * client's bytes go as they came.
 */
export function withSystemRole(_raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (isOpenAIModel(model) || !Array.isArray(body.messages) || !body.messages.some(isDeveloper)) return undefined;
  const messages = body.messages.map((m: unknown) => (isDeveloper(m) ? { ...m, role: 'system' } : m));
  return { ...body, model, messages };
}

function isDeveloper(m: unknown): m is Record<string, unknown> {
  return isRecord(m) && m.role === 'developer';
}
