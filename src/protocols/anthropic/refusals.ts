import { budgetForEffort } from '../../core/reasoning.ts';
import { JSON_INSTRUCTION, type ReasoningEffort } from '../../core/request.ts';
import { isRecord } from '../../util/json.ts';

/**
 * What an Anthropic-compatible upstream refuses of a Messages request that the request can do without,
 * read from its answer; proxy/refused-retry.ts sends the request again without it and remembers it.
 */

/**
 * A top-level field refused in the API's own words:
 * `{"type":"error","error":{…,"message":"context_management: Extra inputs are not permitted"}}`. Anthropic
 * answers so for a beta field whose anthropic-beta did not come along, which a gateway in front of it
 * (LiteLLM to Bedrock, Envoy to Vertex, Copilot's API) does not pass on, and Claude Code's context edits
 * failed every request (anthropics/claude-code#49548, #21612; caozhiyuan/copilot-api#305). Only what a
 * Messages request does without goes: context edits, which only save room.
 */
const FIELD_REFUSAL = /"message"\s*:\s*"(?:[^"]*errors: )?([A-Za-z_]+(?:\.[A-Za-z_]+)?): Extra inputs are not permitted"/;
/**
 * Bedrock's Claude takes `output_config` with `effort` alone, and answers "output_config.format: Extra
 * inputs are not permitted" (wrapped in "The model returned the following errors: …" through its Converse
 * layer) to the structured output a JSON-mode client asks for (BerriAI/litellm#28312,
 * vectorize-io/hindsight#3300); older Bedrock and Vertex setups refuse `output_config.effort` the same way
 * (anthropics/claude-code-action#1005); Vertex's Claude Haiku 4.5 refuses `output_config` whole,
 * "output_config: Extra inputs are not permitted", a structured output alone too (Claude Code's session
 * titles: anthropics/claude-code#52312; BerriAI/litellm#21407). Without the format the schema is asked for
 * in the system prompt.
 * Bedrock and Vertex have no automatic caching either: a top-level `cache_control` (OpenRouter-style, from
 * a Chat Completions client) is refused the same way (UKGovernmentBEIS/inspect_ai#3851); marked blocks
 * still cache there.
 */
const OPTIONAL = new Set(['context_management', 'output_config', 'output_config.format', 'output_config.effort', 'cache_control']);

/** The top-level field (or `output_config` key) an Anthropic-compatible server's 400 says it does not take, or undefined. */
export function refusedMessagesField(status: number, text: string): string | undefined {
  return status === 400 ? FIELD_REFUSAL.exec(text)?.[1] : undefined;
}

/** The body without `field`, when a Messages request can do without it. */
export function withoutMessagesField(body: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  if (!OPTIONAL.has(field)) return undefined;
  const [top, key] = field.split('.') as [string, string | undefined];
  if (!(top in body)) return undefined;
  const { [top]: parent, ...rest } = body;
  if (key === undefined) return top === 'output_config' && isRecord(parent) && parent.format !== undefined ? withFormatInWords(rest, parent.format) : rest;
  if (!isRecord(parent) || !(key in parent)) return undefined;
  const { [key]: dropped, ...kept } = parent;
  const out: Record<string, unknown> = Object.keys(kept).length > 0 ? { ...rest, [top]: kept } : rest;
  return field === 'output_config.format' ? withFormatInWords(out, dropped) : out;
}

/** The structured output a server refused, asked for in the system prompt instead, after what is there. */
function withFormatInWords(body: Record<string, unknown>, format: unknown): Record<string, unknown> {
  const schema = isRecord(format) && isRecord(format.schema) ? format.schema : undefined;
  const text = schema ? `${JSON_INSTRUCTION} It must be valid against this JSON Schema:\n${JSON.stringify(schema)}` : JSON_INSTRUCTION;
  const system = body.system;
  if (typeof system === 'string' && system !== '') return { ...body, system: `${system}\n\n${text}` };
  if (Array.isArray(system) && system.length > 0) return { ...body, system: [...system, { type: 'text', text }] };
  return { ...body, system: [{ type: 'text', text }] };
}

/**
 * Servers that know thinking `enabled` and `disabled` only refuse the adaptive thinking Claude Code sends
 * the models it takes for Claude 4.6 and later (a model_map to such a server meets it on every request):
 * pydantic's 422 "Input should be 'enabled' or 'disabled'" with `"input":"adaptive"` (jundot/omlx#56),
 * "thinking type should be enabled or disabled" (CherryHQ/cherry-studio#13573), SenseNova's "'type' must
 * be in [\"enabled\", \"disabled\", \"auto\"]" (Hmbown/Codewhale#4978); Vertex behind a proxy too
 * (can1357/oh-my-pi#4060). Read only for a body that sent adaptive (withBudgetThinking).
 */
export function refusesAdaptive(status: number, text: string): boolean {
  if (status !== 400 && status !== 422) return false;
  const quoted = (word: string): boolean => new RegExp(`['"\\\\]${word}['"\\\\]`).test(text);
  return /should be enabled or disabled/i.test(text) || (/thinking|adaptive|'type'/i.test(text) && quoted('enabled') && quoted('disabled'));
}

/** Thinking tokens the API's smallest budget allows, and the room an answer keeps beside them (as encode-request.ts plans). */
const MIN_BUDGET = 1024;
const ANSWER_ROOM = 4096;
const EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

/**
 * The body with adaptive thinking as a budget instead, the size its `output_config.effort` stands for,
 * leaving the answer room within max_tokens; thinking off when max_tokens has no room for the smallest.
 * Undefined when the body does not think adaptively.
 */
export function withBudgetThinking(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!isRecord(body.thinking) || body.thinking.type !== 'adaptive') return undefined;
  const max = typeof body.max_tokens === 'number' ? body.max_tokens : 0;
  const asked = isRecord(body.output_config) ? body.output_config.effort : undefined;
  const effort = (typeof asked === 'string' && EFFORTS.has(asked) ? asked : 'medium') as ReasoningEffort;
  const budget = Math.min(budgetForEffort(effort), max - Math.min(ANSWER_ROOM, Math.floor(max / 2)));
  return { ...body, thinking: budget >= MIN_BUDGET ? { type: 'enabled', budget_tokens: budget } : { type: 'disabled' } };
}
