import type { Static } from '@sinclair/typebox';
import { badRequest } from '../../core/errors.ts';
import type {
  CanonicalRequest,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../../core/request.ts';
import { isRecord } from '../../util/json.ts';
import { automaticCaching } from './cache-control.ts';
import { decodeMessages } from './decode-messages.ts';
import { decodeReasoning } from './decode-reasoning.ts';
import {
  FunctionToolSchema,
  KNOWN_REQUEST_FIELDS,
  LegacyFunctionSchema,
  RequestSchema,
  ResponseFormatSchema,
  ToolChoiceSchema,
} from './schema.ts';
import { expectShape } from './validate.ts';

type Body = Static<typeof RequestSchema>;

/** A Chat Completions request body → canonical request; throws a 400 naming the first problem. */
export function decodeRequest(body: unknown): CanonicalRequest {
  if (!isRecord(body)) throw badRequest('request body must be a JSON object');
  const b = expectShape(RequestSchema, body);
  const { system, messages } = decodeMessages(b.messages);

  const req: CanonicalRequest = {
    model: b.model,
    system,
    messages,
    tools: decodeTools(b),
    stream: b.stream === true,
    extras: {},
  };
  const toolChoice = decodeToolChoice(b);
  if (toolChoice) req.toolChoice = toolChoice;
  if (b.parallel_tool_calls != null) req.parallelToolCalls = b.parallel_tool_calls;
  const maxTokens = b.max_completion_tokens ?? b.max_tokens;
  if (maxTokens != null) req.maxTokens = maxTokens;
  if (b.temperature != null) req.temperature = b.temperature;
  if (b.top_p != null) req.topP = b.top_p;
  // top_k is not OpenAI's, but clients written for vLLM and friends send it; ≤0 is their "disabled".
  if (b.top_k != null && b.top_k > 0) req.topK = b.top_k;
  if (b.stop != null) {
    const stop = typeof b.stop === 'string' ? [b.stop] : b.stop;
    if (stop.length > 0) req.stop = stop;
  }
  if (b.n != null) req.n = b.n;
  if (b.seed != null) req.seed = b.seed;
  if (b.presence_penalty != null) req.presencePenalty = b.presence_penalty;
  if (b.frequency_penalty != null) req.frequencyPenalty = b.frequency_penalty;
  if (b.response_format != null) req.responseFormat = decodeResponseFormat(b.response_format);
  const reasoning = decodeReasoning(body, b.reasoning_effort);
  if (reasoning) req.reasoning = reasoning;
  if (b.stream_options?.include_usage != null) req.includeUsage = b.stream_options.include_usage;
  if (b.user != null) req.user = b.user;

  const extras = collectExtras(body);
  if (extras) req.extras.openai = extras;
  const anthropic = automaticCaching(body, system, messages);
  if (anthropic) req.extras.anthropic = anthropic;
  return req;
}

function decodeTools(b: Body): ToolDefinition[] {
  const tools: ToolDefinition[] = [];
  (b.tools ?? []).forEach((raw, i) => {
    const path = `tools.${i}`;
    if (raw.type !== 'function') {
      throw badRequest(
        `${path}.type: tool type ${JSON.stringify(raw.type)} is not supported; only "function" tools are`,
        `${path}.type`,
      );
    }
    tools.push(toolDefinition(expectShape(FunctionToolSchema, raw, path).function));
  });
  // Deprecated `functions` still arrive from older clients; they are tools by another name.
  (b.functions ?? []).forEach((raw, i) => {
    tools.push(toolDefinition(expectShape(LegacyFunctionSchema, raw, `functions.${i}`)));
  });
  return tools;
}

/** A function's declaration (Chat Completions' `function`, the Responses API's flat function tool) → canonical. */
export function toolDefinition(fn: {
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}): ToolDefinition {
  const tool: ToolDefinition = {
    name: fn.name,
    // The canonical model promises an object schema; a function without parameters takes none.
    parameters: fn.parameters ?? { type: 'object', properties: {} },
  };
  if (fn.description) tool.description = fn.description;
  if (fn.strict != null) tool.strict = fn.strict;
  return tool;
}

function decodeToolChoice(b: Body): ToolChoice | undefined {
  const choice = b.tool_choice;
  if (choice != null) return toolChoiceFrom(choice);
  const legacy = b.function_call;
  if (legacy == null) return undefined;
  return typeof legacy === 'string' ? { type: legacy } : { type: 'tool', name: legacy.name };
}

function toolChoiceFrom(choice: Static<typeof ToolChoiceSchema>): ToolChoice {
  return typeof choice === 'string' ? { type: choice } : { type: 'tool', name: choice.function.name };
}

function decodeResponseFormat(rf: Static<typeof ResponseFormatSchema>): ResponseFormat {
  switch (rf.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const js = rf.json_schema;
      if (!js?.schema) throw badRequest('response_format.json_schema.schema: is required', 'response_format.json_schema');
      const out: ResponseFormat = { type: 'json_schema', schema: js.schema };
      if (js.name) out.name = js.name;
      if (js.strict != null) out.strict = js.strict;
      return out;
    }
  }
}

/**
 * Top-level fields without a canonical place (logprobs, metadata, store, prediction…), plus the
 * parts of stream_options other than include_usage, so an OpenAI upstream still receives them.
 */
function collectExtras(body: Record<string, unknown>): Record<string, unknown> | undefined {
  let extras: Record<string, unknown> | undefined;
  for (const key in body) {
    if (KNOWN_REQUEST_FIELDS.has(key)) continue;
    (extras ??= {})[key] = body[key];
  }
  const so = body.stream_options;
  if (isRecord(so)) {
    const { include_usage: _ignored, ...rest } = so;
    if (Object.keys(rest).length > 0) (extras ??= {}).stream_options = rest;
  }
  return extras;
}
