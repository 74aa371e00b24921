import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { withSystemRole } from './developer-role.ts';
import { withReasoningBack } from './reasoning-back.ts';
import { withCallIdsFor } from './call-ids.ts';
import { withoutEmptyTurns } from './empty-turns.ts';
import { withRoleOrderFor } from './role-order.ts';
import { withUpstreamSignatures } from './thought-signature.ts';
import { wantsMoonshotSchemas } from './model-rules.ts';
import { withMoonshotSchemas } from './moonshot-schema.ts';

type Repair = (raw: RequestBody, body: Record<string, unknown>, model: string) => Record<string, unknown> | undefined;

/** Each returns at once for a body it has nothing to do for, without copying anything. */
const REPAIRS: readonly Repair[] = [withoutEmptyTurns, withReasoningBack, withUpstreamSignatures, withSystemRole, withCallIdsFor, withRoleOrderFor];

/**
 * A Chat Completions client's body, relayed as it came to an OpenAI-compatible server, made what that
 * server takes where the convert path would have written it otherwise: reasoning a thinking model wants
 * back, Google's thought signatures, the `developer` role, tool call ids and role order a server refuses,
 * Kimi's tool schemas. Undefined when none applies: the client's bytes go as they came.
 */
export function relayableToServer(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  // Kimi's tool schemas: the one repair that concerns the tools declared, not the conversation.
  let out = wantsMoonshotSchemas(model) ? withMoonshotSchemas(body, model) : undefined;
  out = withoutEmptyTools(out ?? body, model) ?? out;
  if (!mayNeedRepair(body.messages)) return out;
  for (const repair of REPAIRS) out = repair(raw, out ?? body, model) ?? out;
  return out;
}

/**
 * Every repair concerns tool calls and their results, `developer` messages or assistant messages without
 * content: a conversation without them (most requests) is passed over in one look at each message's role.
 */
function mayNeedRepair(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (const m of messages) {
    if (!isRecord(m)) continue;
    if (m.role === 'tool' || m.role === 'developer' || (m.role === 'assistant' && (m.tool_calls !== undefined || m.content == null))) return true;
  }
  return false;
}

/**
 * `tools: []` means no tools, and no tools is how the convert path writes it: chat UIs send the empty
 * array when no tool is switched on (LobeChat with web search off), and DeepSeek refuses the request
 * ("Invalid 'tools': empty array. Expected an array with minimum length 1…": lobehub/lobehub#9629,
 * runebookai/tome#78), as vLLM does (openclaw/openclaw#85835); OpenAI takes the array but refuses a
 * `tool_choice` or `parallel_tool_calls` beside it, so those go with it.
 */
function withoutEmptyTools(body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!Array.isArray(body.tools) || body.tools.length > 0) return undefined;
  const { tools: _tools, tool_choice: _choice, parallel_tool_calls: _parallel, ...rest } = body;
  return { ...rest, model };
}
