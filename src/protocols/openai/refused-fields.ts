import type { ReasoningEffort } from '../../core/request.ts';
import { nearestIn } from './model-rules.ts';

/**
 * Fields of a Chat Completions body a request does without when a server refuses them: what aiproxy adds
 * (usage in the stream, the end user's id) and tuning a server may not know. Never what carries the
 * conversation or changes what the answer is (model, messages, tools, response_format).
 */
const OPTIONAL = new Set([
  'stream_options', 'user', 'seed', 'store', 'metadata', 'service_tier', 'reasoning_effort', 'parallel_tool_calls',
  'n', 'presence_penalty', 'frequency_penalty', 'top_p', 'temperature', 'verbosity', 'prompt_cache_key',
  'safety_identifier', 'logprobs', 'top_logprobs', 'logit_bias',
  // What encode-request.ts leaves out for a model known by name to refuse it (refusesStop), here for one
  // whose name does not say so: Claude Code's auto-mode classifier sends stop_sequences, and a 400 makes
  // it fail closed (CherryHQ/cherry-studio#17680, farion1231/cc-switch#5175).
  'stop',
]);

/** The output limit a server takes under the other name: OpenAI's reasoning models one, most others the older. */
const RENAMED: Record<string, string> = { max_completion_tokens: 'max_tokens', max_tokens: 'max_completion_tokens' };

/**
 * How strict servers name a top-level field they do not take. Pydantic's (Mistral, FastAPI-based
 * servers): `{"detail":[{"type":"extra_forbidden","loc":["body","stream_options"],…}]}`, also inside
 * Mistral's `{"object":"error","message":{"detail":…}}` (gpustack/gpustack#429, Gitlawb/openclaude#739);
 * OpenAI's "Unrecognized request argument supplied: x"; "Unknown parameter: 'x'"; Groq's "property 'x'
 * is unsupported"; xAI's "Argument not supported on this model: x" (earendil-works/pi, openclaw); Moonshot's
 * Kimi K2.5 and later, whose sampling is fixed, "invalid temperature: only 1 is allowed for this model"
 * (1 when thinking, 0.6 when not: Warma10032/VideoAdGuard#34, NousResearch/hermes-agent#12566) - left
 * out, the field takes the value the server wants. OpenAI's own for its reasoning models, "Unsupported
 * parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." (also
 * 'stop', the penalties) and "Unsupported value: 'temperature' does not support 0 with this model. Only the
 * default (1) value is supported.": model-rules.ts knows them by name, but an Azure deployment or a relay's
 * alias need not carry it (FlowiseAI/Flowise#5060, rcourtman/Pulse#1867). NVIDIA's NIM API's
 * "Validation: Unsupported parameter(s): prompt_cache_key" (the name sometimes in backticks), which Codex's
 * key on every request met (liliMozi/openhanako#2512, farion1231/cc-switch#2089). gpt-5's `verbosity` to an
 * older model, which takes only the default: "Unsupported value: 'verbosity' does not support 'low' with this
 * model. Supported values are: 'medium'." (gpt-4o: google-deepmind/concordia#164); Codex and Cursor send it
 * as text.verbosity, which reaches Chat Completions as `verbosity`. Only that field: a refused
 * reasoning_effort gets the nearest listed value instead (refusedEfforts).
 */
const REFUSALS: readonly RegExp[] = [
  /"type"\s*:\s*"extra_forbidden"\s*,\s*"loc"\s*:\s*\[\s*"body"\s*,\s*"([A-Za-z_]+)"\s*\]/,
  /Unrecognized request argument supplied: ([A-Za-z_]+)/,
  /Unknown parameter: '([A-Za-z_]+)'/,
  /Unsupported parameter: '([A-Za-z_]+)'/,
  /Unsupported value: '([A-Za-z_]+)' does not support \S+ with this model\. Only the default/,
  /property '([A-Za-z_]+)' is unsupported/,
  /Argument not supported on this model: ([A-Za-z_]+)/,
  /invalid ([A-Za-z_]+): only \S+ is allowed for this model/,
  /Unsupported parameter\(s\): `?([A-Za-z_]+)/,
  /Unsupported value: '(verbosity)' does not support /,
];

/** The top-level field an OpenAI-compatible server's 400/422 says it does not take, or undefined. */
export function refusedField(status: number, text: string): string | undefined {
  if (status !== 400 && status !== 422) return undefined;
  for (const re of REFUSALS) {
    const m = re.exec(text);
    if (m) return m[1];
  }
  return undefined;
}

/** The body without `field` (or with the output limit under its other name), when a request can do without it. */
export function withoutField(body: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  if (!(field in body)) return undefined;
  const { [field]: value, ...rest } = body;
  const renamed = RENAMED[field];
  if (renamed !== undefined) return renamed in body ? undefined : { ...rest, [renamed]: value };
  return OPTIONAL.has(field) ? rest : undefined;
}

/**
 * How servers state the most output a model takes when a request asked for more: DeepSeek's "Invalid
 * max_tokens value, the valid range of max_tokens is [1, 8192]" (deepseek-chat; a relay's V4 names its own:
 * MoonshotAI/kimi-code#509), which Claude Code's 32000 meets on every request (router-for-me/CLIProxyAPI#599,
 * Gitlawb/openclaude#35); Qwen's on DashScope, "Range of max_tokens should be [1, 8192]"
 * (musistudio/claude-code-router#184); Volcengine Ark's "The parameter max_tokens specified in the request
 * is not valid: integer above maximum value, expected a value <= 32768, but got 64000 instead."
 * (yiliqi78/TOKENICODE#3); OpenAI's "max_tokens is too large: 32000. This model supports at most 16384
 * completion tokens, whereas you provided 32000." from a deployment whose name model-rules.ts's
 * outputLimit cannot know (Azure, a relay's alias); the Responses API's the same for max_output_tokens
 * ("... supports at most 16384 output tokens", also worded with completion tokens), or in its parameter
 * check's words, "Invalid 'max_output_tokens': integer above maximum value. Expected a value <= 16384, but
 * got 32000 instead.".
 */
const CEILINGS: readonly RegExp[] = [
  /valid range of max_(?:completion_)?tokens is \[\d+,\s*(\d+)\]/,
  /Range of max_(?:completion_)?tokens should be \[\d+,\s*(\d+)\]/,
  /max_(?:completion_)?tokens specified in the request is not valid: integer above maximum value, expected a value <= (\d+)/,
  /max_(?:completion_|output_)?tokens is too large: \d+\. This model supports at most (\d+) (?:completion|output) tokens/,
  /Invalid 'max_(?:completion_|output_)?tokens': integer above maximum value\. Expected a value <= (\d+)/,
];

/** The output ceiling an OpenAI-compatible server's 400 states, or undefined. */
export function refusedCeiling(status: number, text: string): number | undefined {
  if (status !== 400) return undefined;
  for (const re of CEILINGS) {
    const m = re.exec(text);
    if (m && +m[1]! >= 1) return +m[1]!;
  }
  return undefined;
}

/** The body with its output limit (under any name: Chat Completions' two, the Responses API's) lowered to `ceiling`, when it asks for more. */
export function withinCeiling(body: Record<string, unknown>, ceiling: number): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const f of ['max_tokens', 'max_completion_tokens', 'max_output_tokens']) {
    const v = body[f];
    if (typeof v === 'number' && v > ceiling) (out ??= { ...body })[f] = ceiling;
  }
  return out;
}

const EFFORT_WORDS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

/**
 * The reasoning_effort values a server's 400/422 says it takes, when it refused the one sent: SGLang's
 * (and vLLM's before DeepSeek V4) pydantic "{'type': 'literal_error', 'loc': ('body', 'reasoning_effort'),
 * 'msg': \"Input should be 'low', 'medium' or 'high'\", 'input': 'xhigh', …}" (router-for-me/CLIProxyAPI#1572,
 * Kimi K2.5's the same: #1307), Ollama Cloud's "invalid reasoning value: 'xhigh' (must be \"high\",
 * \"medium\", \"low\", \"max\", or \"none\")" (diegosouzapw/OmniRoute#10160). Claude Code sends xhigh
 * or max (output_config.effort) to a model it takes for a recent Claude. Undefined when the answer is
 * another error or names no value but the one sent.
 */
export function refusedEfforts(status: number, text: string, sent: unknown): ReasoningEffort[] | undefined {
  if ((status !== 400 && status !== 422) || typeof sent !== 'string' || !EFFORT_WORDS.includes(sent as ReasoningEffort)) return undefined;
  if (!/reasoning_effort|reasoning value|reasoning effort/i.test(text) || !new RegExp(`['"\\\\]${sent}['"\\\\]`).test(text)) return undefined;
  const allowed = EFFORT_WORDS.filter((w) => w !== sent && new RegExp(`['"\\\\]${w}['"\\\\]`).test(text));
  return allowed.length > 0 ? allowed : undefined;
}

/** The body with its reasoning_effort the nearest of `allowed`, when it holds another. */
export function withEffortIn(body: Record<string, unknown>, allowed: readonly ReasoningEffort[]): Record<string, unknown> | undefined {
  const effort = body.reasoning_effort;
  if (typeof effort !== 'string' || !EFFORT_WORDS.includes(effort as ReasoningEffort) || allowed.includes(effort as ReasoningEffort)) return undefined;
  return { ...body, reasoning_effort: nearestIn(allowed, effort as ReasoningEffort) };
}

/**
 * Volcengine Ark's models whose thinking is off unless asked (ark-code-latest on its coding plan,
 * doubao-seed-character) refuse a graded effort alone: 400 "Invalid combination of reasoning_effort and
 * thinking type: medium + disabled" (RooCodeInc/Roo-Code#11001, #11395). Ark takes it beside its own
 * `thinking: {type: "enabled"}`, and takes none and minimal alone (anomalyco/models.dev#5645).
 */
const THINKING_OFF = /Invalid combination of reasoning_effort and thinking type: \w+ \+ disabled/;

/** Whether a server's answer is Ark's refusal of an effort with thinking off (THINKING_OFF). */
export function refusesEffortWithoutThinking(status: number, text: string): boolean {
  return status === 400 && THINKING_OFF.test(text);
}

/** The body with Ark's thinking switched on for the graded effort it holds, unless it says itself how to think. */
export function withThinkingOn(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const effort = body.reasoning_effort;
  if (typeof effort !== 'string' || effort === 'none' || effort === 'minimal' || body.thinking !== undefined) return undefined;
  return { ...body, thinking: { type: 'enabled' } };
}
