import { reasoningEffort } from '../../core/reasoning.ts';
import type { CanonicalRequest, ReasoningConfig, ResponseFormat, ToolChoice, ToolDefinition } from '../../core/request.ts';
import { joinText } from '../openai/encode-content.ts';
import { JSON_INSTRUCTION } from '../../core/request.ts';
import { encodeResponseFormat, openaiUser } from '../openai/encode-request.ts';
import { takesStrict } from '../openai/strict-schema.ts';
import { isReasoningModel, nearestEffort, outputLimit, refusesReasoningEffort, refusesSampling } from '../openai/model-rules.ts';
import { isRecord } from '../../util/json.ts';
import type { EncodeRequestOptions } from '../types.ts';
import { encodeInput, type InputItem } from './encode-input.ts';

/** The Responses API refuses a smaller max_output_tokens ("integer below minimum value. Expected a value >= 16"). */
const MIN_OUTPUT_TOKENS = 16;

/** Chat Completions fields a client may send that mean the same in the Responses API. */
const SHARED_OPENAI_FIELDS = ['store', 'metadata', 'service_tier', 'prompt_cache_key', 'safety_identifier'] as const;

/**
 * Canonical request → a Responses API body (`POST {base}/responses`). Stateless: `store: false` unless
 * the client asked otherwise, and reasoning models return their reasoning encrypted
 * (`include: ["reasoning.encrypted_content"]`) so it can come back with the next turn, which is how
 * OpenAI keeps a tool loop's reasoning without storing anything. What the Responses API has no
 * parameter for (stop sequences, seed, penalties, top_k, n) is left out: it answers 400 to unknown ones.
 */
export function encodeRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const model = opts.model;
  const body: Record<string, unknown> = { model };
  const instructions = joinText(req.system, '\n\n');
  if (instructions) body.instructions = instructions;
  const input = encodeInput(req);
  // 400 "Response input messages must contain the word 'json' in some form to use 'text.format' of type
  // 'json_object'": unlike Chat Completions, the system prompt (`instructions`) does not count.
  if (req.responseFormat?.type === 'json' && !input.some(mentionsJson)) {
    input.unshift({ type: 'message', role: 'developer', content: JSON_INSTRUCTION });
  }
  body.input = input;

  if (req.tools.length > 0) {
    body.tools = req.tools.map(encodeTool);
    if (req.toolChoice) body.tool_choice = encodeToolChoice(req.toolChoice);
    if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  }
  if (req.maxTokens !== undefined) {
    // As for Chat Completions (openai/encode-request.ts): Claude Code asks for 32000 and Gemini clients for
    // 65536 whatever the model, and OpenAI answers 400 "max_output_tokens is too large" above its ceiling.
    const limit = outputLimit(model) ?? Number.POSITIVE_INFINITY;
    body.max_output_tokens = Math.max(MIN_OUTPUT_TOKENS, Math.min(req.maxTokens, limit));
  }
  const reasoning = isReasoningModel(model);
  if (!reasoning && !refusesSampling(model)) {
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
  }
  const text: Record<string, unknown> = {};
  if (req.responseFormat) text.format = encodeFormat(req.responseFormat);
  // Chat Completions' top-level `verbosity` (gpt-5) is `text.verbosity` here; left out, the answer ran at
  // the default "medium" with no error (BerriAI/litellm#34979: the chat→Responses bridge dropped it).
  const verbosity = req.extras.openai?.verbosity;
  if (typeof verbosity === 'string' && verbosity !== '') text.verbosity = verbosity;
  if (Object.keys(text).length > 0) body.text = text;
  if (reasoning && !refusesReasoningEffort(model)) {
    const r: Record<string, unknown> = {};
    const effort = nearestEffort(model, reasoningEffort(req.reasoning));
    if (effort !== undefined) r.effort = effort;
    if (wantsThoughts(req.reasoning)) r.summary = 'auto';
    if (Object.keys(r).length > 0) body.reasoning = r;
  }
  if (req.user !== undefined) {
    // The end user (Claude Code's metadata.user_id names the session) is also the best cache routing key
    // there is: OpenAI sends requests with one key to the same cache, and coding tools resend a
    // 50-200 KB prefix every turn. A client's own prompt_cache_key (below) wins.
    body.user = openaiUser(req.user);
    body.prompt_cache_key = body.user;
  }

  const extras = req.extras.openai ?? {};
  for (const key of SHARED_OPENAI_FIELDS) if (extras[key] !== undefined) body[key] = extras[key];
  body.store ??= false;
  // Encrypted reasoning is what a stateless conversation replays; OpenAI only has it for reasoning models.
  if (reasoning && body.store === false) body.include = ['reasoning.encrypted_content'];
  if (req.stream) body.stream = true;
  return body;
}

/**
 * Reasoning summaries are the only readable reasoning OpenAI returns; asked for when the client shows
 * thinking (Anthropic thinking on, Gemini includeThoughts), since organisations OpenAI has not verified
 * get a 400 for them (proxy/responses-retry.ts then retries without).
 */
function wantsThoughts(r: ReasoningConfig | undefined): boolean {
  if (!r || r.includeThoughts === false) return false;
  return r.includeThoughts === true || r.enabled === true;
}

/** The error names input messages: a tool's output that says "json" is not relied on to satisfy it. */
function mentionsJson(item: InputItem): boolean {
  if (item.type !== 'message') return false;
  if (typeof item.content === 'string') return /json/i.test(item.content);
  return item.content.some((p) => 'text' in p && /json/i.test(p.text));
}

function encodeTool(tool: ToolDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'function', name: tool.name };
  if (tool.description !== undefined) out.description = tool.description;
  out.parameters = tool.parameters;
  // Unlike Chat Completions, an omitted `strict` is strict mode here whenever the schema allows it, which
  // makes every optional parameter required: the model then fills them all in. Strict mode the API would
  // refuse for these parameters (an Anthropic client's strict tool) goes off too.
  out.strict = tool.strict === true && takesStrict(tool.parameters);
  return out;
}

function encodeToolChoice(choice: ToolChoice): unknown {
  return choice.type === 'tool' ? { type: 'function', name: choice.name } : choice.type;
}

/** Chat Completions' response_format, flat: the Responses API has no `json_schema` wrapper object. */
function encodeFormat(rf: ResponseFormat): Record<string, unknown> {
  const format = encodeResponseFormat(rf);
  return isRecord(format.json_schema) ? { type: 'json_schema', ...format.json_schema } : format;
}
