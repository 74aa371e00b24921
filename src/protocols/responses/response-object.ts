import type { FinishReason } from '../../core/finish-reason.ts';
import type { Usage } from '../../core/usage.ts';
import { isRecord } from '../../util/json.ts';
import type { OutputItem } from './items.ts';

/**
 * The request settings a Response object repeats back. The names are the request's own, so the
 * client's raw request body works as one; responsesEcho() keeps only well-typed values of it.
 */
export type ResponsesEcho = {
  instructions?: string | null;
  max_output_tokens?: number | null;
  tools?: unknown[];
  tool_choice?: unknown;
  temperature?: number | null;
  top_p?: number | null;
  parallel_tool_calls?: boolean | null;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  text?: Record<string, unknown>;
  metadata?: Record<string, unknown> | null;
  user?: string | null;
  store?: boolean | null;
};

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponsesError {
  code: string;
  message: string;
}

/** The Response object, in the field order api.openai.com sends. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: false;
  error: ResponsesError | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: Record<string, unknown>;
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: 'disabled';
  usage: ResponsesUsage | null;
  user: string | null;
  metadata: Record<string, unknown>;
}

export interface ResponseState {
  id: string;
  createdAt: number;
  model: string;
  status: ResponseStatus;
  output: OutputItem[];
  usage: Usage | null;
  incomplete?: 'max_output_tokens' | 'content_filter';
  error?: ResponsesError;
}

export function responseObject(s: ResponseState, echo: ResponsesEcho | undefined): ResponseObject {
  const e = echo ?? {};
  return {
    id: s.id,
    object: 'response',
    created_at: s.createdAt,
    status: s.status,
    background: false,
    error: s.error ?? null,
    incomplete_details: s.incomplete ? { reason: s.incomplete } : null,
    instructions: e.instructions ?? null,
    max_output_tokens: e.max_output_tokens ?? null,
    model: s.model,
    output: s.output,
    parallel_tool_calls: e.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: e.reasoning?.effort ?? null, summary: e.reasoning?.summary ?? null },
    store: e.store ?? false,
    temperature: e.temperature ?? null,
    text: e.text ?? { format: { type: 'text' } },
    tool_choice: e.tool_choice ?? 'auto',
    tools: e.tools ?? [],
    top_p: e.top_p ?? null,
    truncation: 'disabled',
    usage: s.usage ? usageToResponses(s.usage) : null,
    user: e.user ?? null,
    metadata: e.metadata ?? {},
  };
}

/** Canonical totals are inclusive (input includes cached, output includes reasoning), as here. */
export function usageToResponses(u: Usage): ResponsesUsage {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cacheReadTokens ?? 0, cache_write_tokens: u.cacheWriteTokens ?? 0 },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

/** A stop the client must know was not natural: cut by the token limit or by a content filter. */
export function incompleteReason(reason: FinishReason): 'max_output_tokens' | 'content_filter' | undefined {
  if (reason === 'length') return 'max_output_tokens';
  if (reason === 'content_filter') return 'content_filter';
  return undefined;
}

/** The echo fields of a client's request body, each only when well-typed. Never throws. */
export function responsesEcho(body: unknown): ResponsesEcho | undefined {
  if (!isRecord(body)) return undefined;
  const e: ResponsesEcho = {};
  if (typeof body.instructions === 'string') e.instructions = body.instructions;
  if (typeof body.max_output_tokens === 'number') e.max_output_tokens = body.max_output_tokens;
  if (Array.isArray(body.tools)) e.tools = body.tools;
  if (typeof body.tool_choice === 'string' || isRecord(body.tool_choice)) e.tool_choice = body.tool_choice;
  if (typeof body.temperature === 'number') e.temperature = body.temperature;
  if (typeof body.top_p === 'number') e.top_p = body.top_p;
  if (typeof body.parallel_tool_calls === 'boolean') e.parallel_tool_calls = body.parallel_tool_calls;
  if (isRecord(body.reasoning)) {
    const { effort, summary } = body.reasoning;
    e.reasoning = {
      effort: typeof effort === 'string' ? effort : null,
      summary: typeof summary === 'string' ? summary : null,
    };
  }
  if (isRecord(body.text)) e.text = { ...body.text, format: isRecord(body.text.format) ? body.text.format : { type: 'text' } };
  if (isRecord(body.metadata)) e.metadata = body.metadata;
  if (typeof body.user === 'string') e.user = body.user;
  if (typeof body.store === 'boolean') e.store = body.store;
  return e;
}
