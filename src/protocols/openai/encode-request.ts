import { createHash } from 'node:crypto';
import { reasoningEffort } from '../../core/reasoning.ts';
import { enumAnswerSchema } from '../../core/enum-answer.ts';
import type { CanonicalRequest, ResponseFormat, ToolChoice, ToolDefinition } from '../../core/request.ts';
import { isRecord } from '../../util/json.ts';
import type { EncodeRequestOptions } from '../types.ts';
import { encodeMessages } from './encode-messages.ts';
import {
  effortFor,
  isReasoningModel,
  outputLimit,
  refusesForcedToolChoice,
  refusesParallelToolCalls,
  refusesReasoningEffort,
  refusesSampling,
  refusesStop,
  wantsMoonshotSchemas,
} from './model-rules.ts';
import { moonshotParameters } from './moonshot-schema.ts';
import { takesStrict } from './strict-schema.ts';

/** Canonical request → a Chat Completions body an OpenAI-compatible upstream accepts. */
export function encodeRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  // Unknown fields the client sent go first so that nothing below can be overridden by them.
  const { stream_options: extraStreamOptions, ...extras } = req.extras.openai ?? {};
  const body: Record<string, unknown> = { ...extras, model: opts.model, messages: encodeMessages(req) };
  const reasoning = isReasoningModel(opts.model);
  // Reasoning models answer 400 to a temperature/top_p but the default and to any penalty ("Unsupported
  // parameter: 'presence_penalty'": gpt-5-mini, nextai-translator/nextai-translator#1781; o3-mini,
  // TabbyML/tabby#3974); the search models too (model-rules.ts).
  const sampling = !reasoning && !refusesSampling(opts.model);

  if (req.tools.length > 0) {
    const moonshot = wantsMoonshotSchemas(opts.model);
    body.tools = req.tools.map((t) => encodeTool(t, moonshot));
    // OpenAI rejects tool_choice and parallel_tool_calls when no tools are declared.
    if (req.toolChoice) body.tool_choice = encodeToolChoice(forcedRefused(req.toolChoice, opts.model) ? { type: 'auto' } : req.toolChoice);
    if (req.parallelToolCalls !== undefined && !refusesParallelToolCalls(opts.model)) {
      body.parallel_tool_calls = req.parallelToolCalls;
    }
  }
  if (req.maxTokens !== undefined) {
    // Claude Code asks for 32000 whatever the model; OpenAI answers 400 above a model's ceiling.
    const limit = outputLimit(opts.model) ?? Number.POSITIVE_INFINITY;
    body[reasoning ? 'max_completion_tokens' : 'max_tokens'] = Math.min(req.maxTokens, limit);
  }
  if (sampling) {
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
  }
  // topK is dropped: OpenAI rejects unknown parameters.
  // Anthropic allows any number of stop sequences and Gemini 5; OpenAI answers 400 to more than 4.
  if (req.stop?.length && !refusesStop(opts.model)) body.stop = req.stop.slice(0, MAX_STOP);
  // n > 1 is not sent: the canonical response carries one choice, and extra ones would be billed unseen.
  if (req.n === 1) body.n = 1;
  if (req.seed !== undefined) body.seed = req.seed;
  if (sampling && req.presencePenalty !== undefined) body.presence_penalty = req.presencePenalty;
  if (sampling && req.frequencyPenalty !== undefined) body.frequency_penalty = req.frequencyPenalty;
  if (req.responseFormat) body.response_format = encodeResponseFormat(req.responseFormat);
  if (!refusesReasoningEffort(opts.model)) {
    const effort = effortFor(opts.model, reasoningEffort(req.reasoning), req.tools.length > 0);
    if (effort !== undefined) body.reasoning_effort = effort;
  }
  if (req.user !== undefined) body.user = openaiUser(req.user);
  if (req.stream) {
    body.stream = true;
    // The proxy always wants usage, whatever the client asked for; stream_options is invalid without stream.
    body.stream_options = { ...(isRecord(extraStreamOptions) ? extraStreamOptions : {}), include_usage: true };
  }
  return body;
}

const MAX_USER_LENGTH = 64;
const MAX_STOP = 4;

/**
 * OpenAI answers 400 to a `user` longer than 64 characters, and Claude Code's metadata.user_id is a
 * ~150-character JSON blob. Its SHA-256 hex digest is exactly 64 characters and still one stable id per
 * end user, which is all OpenAI uses the field for (abuse detection, cache bucketing).
 */
export function openaiUser(user: string): string {
  return user.length <= MAX_USER_LENGTH ? user : createHash('sha256').update(user).digest('hex');
}

function encodeTool(tool: ToolDefinition, moonshot: boolean): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: tool.name };
  if (tool.description !== undefined) fn.description = tool.description;
  const parameters = (moonshot ? moonshotParameters(tool.parameters) : undefined) ?? tool.parameters;
  fn.parameters = parameters;
  // Strict mode OpenAI would refuse for these parameters (an Anthropic client's strict tool) goes off.
  if (tool.strict !== undefined) fn.strict = tool.strict && takesStrict(parameters);
  return { type: 'function', function: fn };
}

/** A forced choice (any tool, or a named one) the model refuses: it then chooses for itself, as Claude's thinking models do. */
function forcedRefused(choice: ToolChoice, model: string): boolean {
  return (choice.type === 'required' || choice.type === 'tool') && refusesForcedToolChoice(model);
}

function encodeToolChoice(choice: ToolChoice): unknown {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
}

export function encodeResponseFormat(rf: ResponseFormat): Record<string, unknown> {
  switch (rf.type) {
    case 'text':
      return { type: 'text' };
    case 'json':
      return { type: 'json_object' };
    case 'json_schema': {
      // OpenAI requires a name; other protocols have none to give.
      const schema: Record<string, unknown> = { name: rf.name ?? 'response', schema: rf.schema };
      if (rf.strict !== undefined) schema.strict = rf.strict;
      return { type: 'json_schema', json_schema: schema };
    }
    case 'enum':
      // Strict, so the answer is one of the values rather than a string the model thought fitting.
      return { type: 'json_schema', json_schema: { name: 'enum_answer', schema: enumAnswerSchema(rf.values), strict: true } };
  }
}
