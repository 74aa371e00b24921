import type { CanonicalRequest, ReasoningConfig, ReasoningEffort, TextPart } from '../../core/index.ts';
import { JSON_INSTRUCTION } from '../../core/request.ts';
import { enumAnswerSchema } from '../../core/enum-answer.ts';
import { budgetForEffort, reasoningBudget, reasoningEffort } from '../../core/reasoning.ts';
import type { EncodeRequestOptions } from '../types.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { encodeConversation } from './encode-messages.ts';
import { encodeText } from './encode-content.ts';
import { anthropicInputSchema } from './input-schema.ts';
import { anthropicOutputSchema } from './output-schema.ts';
import { closeWithUser, finishConversation, restoreThinking, thinkingFitsHistory } from './final-turn.ts';
import { adaptiveOnly, disableThinkingExplicitly, outputLimit, refusesForcedToolChoice, refusesPrefill } from './model-rules.ts';
import type { AnthropicBlock, AnthropicTurn } from './wire-types.ts';

const DEFAULT_MAX_TOKENS = 8192;
/** The most a client whose API means "the model's whole output" by no limit gets (modelLimitByDefault). */
const UNASKED_LIMIT = 32_000;
/**
 * Without streaming, an unasked limit is what the answer may take in the time its headers may take
 * (EncodeRequestOptions.wholeAnswerMs: timeouts.headers_ms) at the pace Anthropic's SDKs assume, 128000
 * tokens an hour: an answer that outlasts it is a 504 with nothing kept, where a cut one is an answer
 * (finish "length"). Never above 10 minutes' worth (21333): the SDKs refuse a non-streaming request that
 * could take longer ("Streaming is required for operations that may take longer than 10 minutes":
 * anthropics/anthropic-sdk-typescript#822), and gateways in front of Anthropic answer it 400 ("must be
 * under 21K": vercel/ai#20649). A thinking budget the client asked for still gets its answer room above
 * it (planThinking): that request is long by the client's choice.
 */
const TOKENS_PER_HOUR = 128_000;
const UNARY_MAX_MS = 10 * 60_000;
function unaskedUnaryLimit(wholeAnswerMs: number | undefined): number {
  const ms = wholeAnswerMs && wholeAnswerMs > 0 ? Math.min(wholeAnswerMs, UNARY_MAX_MS) : UNARY_MAX_MS;
  return Math.floor((ms / 3_600_000) * TOKENS_PER_HOUR);
}
/** The API's floor for `budget_tokens`. */
const MIN_BUDGET = 1024;

interface ThinkingPlan {
  /** The `thinking` field; absent = thinking off. */
  config?: JsonObject;
  maxTokens: number;
  /** Off, on a model that thinks unless told `{type: "disabled"}`. */
  disabled?: boolean;
}

/**
 * Canonical request → a body the real Messages API accepts. Fields Anthropic has no equivalent for
 * (`n`, `seed`, presence/frequency penalties) are dropped: the API rejects unknown parameters.
 */
export function encodeRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const { turns, systemTail } = encodeConversation(req.messages);
  // Before the thinking decision: a conversation closed by a user turn keeps thinking on.
  if (refusesPrefill(opts.model)) closeWithUser(turns);
  const newest = adaptiveOnly(opts.model);
  // Codex sends no max_output_tokens (OpenAI then allows the model's whole output) and takes the
  // response.incomplete of a cut answer for a dropped stream, retrying it unchanged five times
  // (openai/codex#38831): its long apply_patch calls get room, not the 8192 default. Claude Code's own
  // 32000 at most: Anthropic reserves output-tokens-per-minute from max_tokens up front, and the 64000 or
  // 128000 of a model's ceiling would exceed a low tier's whole minute (8000 on tier 1) on every request.
  // Chat Completions and Gemini mean the same by no limit: 8192 cut long files and thinking models' answers.
  const ceiling = opts.modelLimitByDefault ? outputLimit(opts.model) : undefined;
  const fallback = ceiling ? Math.min(ceiling, req.stream ? UNASKED_LIMIT : unaskedUnaryLimit(opts.wholeAnswerMs)) : (opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS);
  const asked = askedMaxTokens(req.maxTokens, fallback, opts.model);
  let thinking = planThinking(req.reasoning, req.maxTokens !== undefined, asked, opts.model);
  // History from a client that cannot carry signatures gets the thinking back from the cache; history
  // produced by another upstream has none to lead the final assistant turn, so thinking goes off, and
  // with it the room max_tokens grew for a budget: the client would pay for output it did not allow.
  if (thinking.config && !thinkingFitsHistory(turns) && !restoreThinking(turns)) {
    thinking = { maxTokens: asked, disabled: disableThinkingExplicitly(opts.model) };
  }
  finishConversation(turns, thinking.config !== undefined);

  const body: JsonObject = { model: opts.model, max_tokens: thinking.maxTokens, messages: turns };
  const system = encodeSystem([...req.system, ...systemTail], req.responseFormat?.type === 'json');
  if (system.length > 0) body.system = system;
  if (thinking.config) body.thinking = thinking.config;
  else if (thinking.disabled) body.thinking = { type: 'disabled' };
  if (!newest) encodeSampling(req, body, thinking.config !== undefined);
  encodeStops(req, body);
  encodeTools(req, body, serverToolsOf(req), thinking.config !== undefined || refusesForcedToolChoice(opts.model));
  encodeOutputConfig(req, body, thinking.config?.type === 'adaptive');
  if (req.user) body.metadata = { user_id: req.user };
  body.stream = req.stream;
  mergeExtras(req, body);
  if (opts.markCacheBreakpoints) markCacheBreakpoints(body.system as AnthropicBlock[] | undefined, turns);
  return body;
}

/** Blocks the API lets carry cache_control (thinking blocks may not). */
const CACHEABLE = new Set(['text', 'image', 'document', 'tool_use', 'tool_result']);

/**
 * Anthropic caches only up to a block marked `cache_control`; OpenAI caches prefixes unasked, so
 * Codex marks nothing and every turn was billed whole (router-for-me/CLIProxyAPI#5557). Unless the
 * client marked blocks itself: one breakpoint at the end of the system prompt (with the tools before
 * it, the same every turn) and one on the conversation's last block, which the next turn reads back.
 */
function markCacheBreakpoints(system: AnthropicBlock[] | undefined, turns: AnthropicTurn[]): void {
  const blocks = [...(system ?? []), ...turns.flatMap((t) => t.content)];
  if (blocks.some((b) => b.cache_control !== undefined)) return;
  const mark = (list: AnthropicBlock[] | undefined): void => {
    const last = list?.findLast((b) => CACHEABLE.has(b.type));
    if (last) last.cache_control = { type: 'ephemeral' };
  };
  mark(system);
  mark(turns.at(-1)?.content);
}

/** max_tokens before thinking: the client's, or the default; never past the model's output ceiling (above it the API answers 400). */
function askedMaxTokens(clientMax: number | undefined, defaultMax: number, model: string): number {
  return Math.min(clientMax ?? defaultMax, outputLimit(model) ?? Number.POSITIVE_INFINITY);
}

/**
 * Thinking on when the config asks for a budget (or adaptive). The budget obeys the API's bounds:
 * ≥ 1024 and < max_tokens, and leaves the answer room: up to 4096 tokens, at most half of max_tokens.
 * When the client set max tokens, that is what it is billed up to: the budget shrinks to fit, and a
 * maximum too small for the smallest budget and an answer as long turns thinking off (OpenAI's
 * reasoning models, too, count reasoning within max_completion_tokens). When it did not, max_tokens
 * is ours to choose: it grows to budget + answer room, or to the ceiling with the budget shrunk under it.
 */
function planThinking(r: ReasoningConfig | undefined, clientSetMax: boolean, maxTokens: number, model: string): ThinkingPlan {
  if (r?.adaptive && r.enabled !== false) return { config: { type: 'adaptive' }, maxTokens };
  // "On" without a size (thinking enabled with no budget): the middle setting, as Gemini's dynamic budget is.
  let budget = reasoningBudget(r) ?? (r?.enabled === true ? -1 : undefined);
  if (budget === 0) return { maxTokens, disabled: disableThinkingExplicitly(model) };
  if (budget === undefined) return { maxTokens };
  // These models take no budget; the effort the budget stands for goes in output_config instead.
  if (adaptiveOnly(model)) return { config: { type: 'adaptive' }, maxTokens };
  // -1 is Gemini's "dynamic": Anthropic needs a number, the middle setting is closest.
  if (budget < 0) budget = budgetForEffort('medium');
  budget = Math.max(MIN_BUDGET, Math.round(budget));
  if (clientSetMax) {
    if (maxTokens < 2 * MIN_BUDGET) return { maxTokens, disabled: disableThinkingExplicitly(model) };
    return fitBudget(budget, maxTokens);
  }
  const limit = outputLimit(model) ?? Number.POSITIVE_INFINITY;
  if (budget + ANSWER_ROOM <= limit) return plan(budget, Math.max(maxTokens, budget + ANSWER_ROOM));
  return fitBudget(budget, limit);
}

/** A budget shrunk to leave the answer room within a fixed max_tokens of at least 2 × MIN_BUDGET. */
function fitBudget(budget: number, maxTokens: number): ThinkingPlan {
  const room = Math.min(ANSWER_ROOM, Math.floor(maxTokens / 2));
  return plan(Math.max(MIN_BUDGET, Math.min(budget, maxTokens - room)), maxTokens);
}

/** Tokens kept for the answer itself when thinking shares max_tokens with it. */
const ANSWER_ROOM = 4096;

const plan = (budget: number, maxTokens: number): ThinkingPlan => ({
  config: { type: 'enabled', budget_tokens: budget },
  maxTokens,
});

function encodeSystem(parts: TextPart[], jsonMode: boolean): AnthropicBlock[] {
  const out: AnthropicBlock[] = [];
  for (const p of parts) {
    const block = encodeText(p);
    if (block) out.push(block);
  }
  // Anthropic has no JSON-object mode; without a schema an instruction is the portable way.
  if (jsonMode) out.push({ type: 'text', text: JSON_INSTRUCTION });
  return out;
}

/**
 * With thinking on the API rejects a changed temperature or top_k, and top_p below 0.95. Since Sonnet
 * and Haiku 4.5 it also rejects temperature and top_p together ("cannot both be specified for this
 * model. Please use only one"), which OpenAI clients and Gemini CLI send by default: temperature wins.
 */
function encodeSampling(req: CanonicalRequest, body: JsonObject, thinkingOn: boolean): void {
  if (!thinkingOn) {
    // OpenAI and Gemini allow temperatures up to 2; Anthropic's range ends at 1.
    if (req.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, req.temperature));
    if (req.topK !== undefined) body.top_k = req.topK;
  }
  if (req.topP !== undefined && body.temperature === undefined && (!thinkingOn || req.topP >= 0.95)) body.top_p = req.topP;
}

function encodeStops(req: CanonicalRequest, body: JsonObject): void {
  const stop = req.stop?.filter((s) => s.trim() !== '');
  if (stop && stop.length > 0) body.stop_sequences = stop;
}

function serverToolsOf(req: CanonicalRequest): unknown[] {
  const server = req.extras.anthropic?.server_tools;
  return Array.isArray(server) ? server : [];
}

/**
 * A request that declares no tools but replays tool calls in its history (Gemini CLI's chat compression,
 * loop and next-speaker checks; summaries by other agents) is a 400 for Claude: "Requests which include
 * tool_use or tool_result blocks must define tools" (Bedrock: "The toolConfig field must be defined when
 * using the toolUse and toolResult content blocks"). The called names are declared, bare, and none may be
 * called now.
 */
function historyOnlyTools(req: CanonicalRequest, body: JsonObject): void {
  const names = new Set<string>();
  for (const m of req.messages) for (const p of m.content) if (p.type === 'tool_call') names.add(p.name);
  if (names.size === 0) return;
  body.tools = [...names].map((name) => ({ name, description: 'Used earlier in this conversation.', input_schema: { type: 'object' } }));
  body.tool_choice = { type: 'none' };
}

/**
 * `noForcing`: the request cannot force a tool, because thinking is on or because the model refuses
 * forced tool use; `required` and a named tool then become `auto`.
 */
function encodeTools(req: CanonicalRequest, body: JsonObject, serverTools: unknown[], noForcing: boolean): void {
  const tools: unknown[] = req.tools.map((t) => {
    const tool: JsonObject = { name: t.name };
    if (t.description) tool.description = t.description;
    // `strict` is dropped: a schema written for OpenAI strict mode may use what Anthropic's strict mode rejects.
    tool.input_schema = anthropicInputSchema(t.parameters);
    return tool;
  });
  tools.push(...serverTools);
  if (tools.length === 0) {
    historyOnlyTools(req, body);
    // tool_choice without tools is a 400.
    return;
  }
  body.tools = tools;
  let choice: JsonObject | undefined;
  switch (req.toolChoice?.type) {
    case undefined:
      break;
    case 'auto':
      choice = { type: 'auto' };
      break;
    case 'none':
      choice = { type: 'none' };
      break;
    case 'required':
      choice = { type: noForcing ? 'auto' : 'any' };
      break;
    case 'tool':
      choice = noForcing ? { type: 'auto' } : { type: 'tool', name: req.toolChoice.name };
      break;
  }
  if (req.parallelToolCalls === false && choice?.type !== 'none') {
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  if (choice) body.tool_choice = choice;
}

const ANTHROPIC_EFFORTS: Partial<Record<ReasoningEffort, string>> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  max: 'max',
};

function encodeOutputConfig(req: CanonicalRequest, body: JsonObject, adaptive: boolean): void {
  const config: JsonObject = {};
  const f = req.responseFormat;
  if (f?.type === 'json_schema') config.format = { type: 'json_schema', schema: anthropicOutputSchema(f.schema) };
  else if (f?.type === 'enum') config.format = { type: 'json_schema', schema: enumAnswerSchema(f.values) };
  // Effort only accompanies adaptive thinking: older models reject `effort`, and with a fixed
  // budget the budget already says how hard to think.
  const wanted = reasoningEffort(req.reasoning);
  const effort = wanted && ANTHROPIC_EFFORTS[wanted];
  if (adaptive && effort) config.effort = effort;
  if (Object.keys(config).length > 0) body.output_config = config;
}

/** Anthropic-only fields from an Anthropic client go back as they came; mapped fields win on conflict. */
function mergeExtras(req: CanonicalRequest, body: JsonObject): void {
  const extras = req.extras.anthropic;
  if (!extras) return;
  for (const [key, value] of Object.entries(extras)) {
    if (key === 'server_tools') continue;
    const mine = body[key];
    if (mine === undefined) body[key] = value;
    else if (isRecord(mine) && isRecord(value)) body[key] = { ...value, ...mine };
  }
}
