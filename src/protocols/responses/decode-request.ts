import type { Static } from '@sinclair/typebox';
import { badRequest } from '../../core/errors.ts';
import type { CanonicalRequest, ReasoningConfig, ResponseFormat } from '../../core/request.ts';
import { isRecord } from '../../util/json.ts';
import { expectShape } from '../openai/validate.ts';
import { decodeInput } from './decode-items.ts';
import { decodeToolChoice, decodeTools } from './decode-tools.ts';
import { JsonSchemaFormatSchema, RequestSchema } from './schema.ts';

type Body = Static<typeof RequestSchema>;

const STATELESS = 'aiproxy keeps no responses: send the whole conversation in input (Codex does, with store=false)';

/**
 * A `POST /v1/responses` body → canonical request; throws a 400 naming the first problem. Settings
 * without a canonical place (store, include, truncation, metadata, service_tier…) are accepted and
 * ignored; what depends on server-side state is refused, since nothing is kept here.
 */
export function decodeRequest(body: unknown): CanonicalRequest {
  if (!isRecord(body)) throw badRequest('request body must be a JSON object');
  refuseStateful(body);
  const b = expectShape(RequestSchema, body);
  const { system, messages, found } = decodeInput(b.input);
  // Instructions come first: the API puts them before the input's own system and developer messages.
  if (b.instructions) system.unshift({ type: 'text', text: b.instructions });

  const req: CanonicalRequest = {
    model: b.model,
    system,
    messages,
    tools: decodeTools(b.tools ?? [], found),
    stream: b.stream === true,
    extras: {},
  };
  if (b.tool_choice != null) req.toolChoice = decodeToolChoice(b.tool_choice);
  if (b.parallel_tool_calls != null) req.parallelToolCalls = b.parallel_tool_calls;
  if (b.max_output_tokens != null) req.maxTokens = b.max_output_tokens;
  if (b.temperature != null) req.temperature = b.temperature;
  if (b.top_p != null) req.topP = b.top_p;
  const format = b.text?.format;
  if (format != null) req.responseFormat = decodeFormat(format);
  const reasoning = decodeReasoning(b.reasoning);
  if (reasoning) req.reasoning = reasoning;
  const user = b.user || b.safety_identifier;
  if (user) req.user = user;
  // Chat Completions takes the same key; OpenAI routes requests sharing it to the same prompt cache,
  // which a coding tool's long, repeated prefix gains most from. Other upstreams have no such field.
  if (b.prompt_cache_key) req.extras.openai = { prompt_cache_key: b.prompt_cache_key };
  // gpt-5's `text.verbosity` is Chat Completions' top-level `verbosity`; Codex sends it for those models,
  // and dropping it left the answer at the default length (BerriAI/litellm#34979 is the other direction).
  const verbosity = b.text?.verbosity;
  if (verbosity) req.extras.openai = { ...req.extras.openai, verbosity };
  return req;
}

function refuseStateful(body: Record<string, unknown>): void {
  if (body.previous_response_id != null && body.previous_response_id !== '') throw badRequest(`previous_response_id: ${STATELESS}`, 'previous_response_id');
  if (body.conversation != null) throw badRequest(`conversation: ${STATELESS}`, 'conversation');
  if (body.prompt != null) {
    throw badRequest('prompt: stored prompt templates live on OpenAI; send instructions and input instead', 'prompt');
  }
  if (body.background === true) {
    throw badRequest('background: background responses need stored responses; aiproxy keeps none', 'background');
  }
}

function decodeFormat(format: { type: string }): ResponseFormat {
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const f = expectShape(JsonSchemaFormatSchema, format, 'text.format');
      const out: ResponseFormat = { type: 'json_schema', schema: f.schema };
      if (f.name) out.name = f.name;
      if (f.strict != null) out.strict = f.strict;
      return out;
    }
    default:
      throw badRequest(
        `text.format.type: expected one of "text", "json_object", "json_schema", got ${JSON.stringify(format.type)}`,
        'text.format.type',
      );
  }
}

const SUMMARY_ON = new Set(['auto', 'concise', 'detailed']);

/**
 * `reasoning.effort` as is ("none" turns thinking off); a summary asks for the thinking to be shown.
 * Codex can be configured to send summary "none": it reads as "no summary" rather than as an error.
 */
function decodeReasoning(r: Body['reasoning']): ReasoningConfig | undefined {
  if (r == null) return undefined;
  const out: ReasoningConfig = {};
  if (r.effort != null) {
    out.effort = r.effort;
    out.enabled = r.effort !== 'none';
  }
  const summary = r.summary ?? r.generate_summary;
  if (summary != null) {
    if (SUMMARY_ON.has(summary)) out.includeThoughts = true;
    else if (summary === 'none') out.includeThoughts = false;
    else {
      throw badRequest(
        `reasoning.summary: expected one of "auto", "concise", "detailed", got ${JSON.stringify(summary)}`,
        'reasoning.summary',
      );
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
