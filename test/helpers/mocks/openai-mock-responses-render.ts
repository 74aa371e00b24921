/**
 * MockReply → OpenAI Responses wire format (protocols.md §5): the Response object of a
 * non-streaming call, and the typed SSE event sequence of a stream (`event: <type>` frames whose
 * data carries the same `type` and an increasing `sequence_number`, no `[DONE]`). Output items in
 * order: reasoning (when the reply thinks), message (text), function calls.
 */
import { randomId } from '../../../src/core/ids.ts';
import { isRecord } from '../../../src/util/json.ts';
import { sseFrame } from '../../../src/util/sse.ts';
import {
  heardText,
  randomBase64,
  resolveUsage,
  splitFragments,
  splitWords,
  textChars,
  type ResolvedUsage,
  type StreamFrame,
} from './mock-util.ts';
import { isReasoningModel } from './openai-mock-responses-rules.ts';
import { strictSchemaProblem } from './openai-mock-responses-schema.ts';
import type { MockReply } from './types.ts';

type Json = Record<string, unknown>;

const hex = (n: number): string => {
  let s = '';
  for (const b of crypto.getRandomValues(new Uint8Array(Math.ceil(n / 2)))) s += b.toString(16).padStart(2, '0');
  return s.slice(0, n);
};

/** An opaque blob in the shape of OpenAI's (Fernet tokens start with `gAAAAA`). */
export const encryptedReasoningBlob = (): string =>
  `gAAAAA${randomBase64(192).replace(/\+/g, '-').replace(/\//g, '_')}`;

/** Texts of the last user turn: a string input, the last user message's input_text parts, or the
 * output of a trailing function_call_output (so tests can see tool results arrive). */
export function lastInputTexts(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  const texts = (content: unknown): string[] => {
    if (typeof content === 'string') return [content];
    if (!Array.isArray(content)) return [];
    return content.flatMap((p) => (isRecord(p) && p.type === 'input_text' && typeof p.text === 'string' ? [p.text] : []));
  };
  const last = input[input.length - 1];
  if (isRecord(last) && last.type === 'function_call_output') return texts(last.output);
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (isRecord(item) && (item.type ?? 'message') === 'message' && item.role === 'user') return texts(item.content);
  }
  return [];
}

/** OpenAI's opaque checkpoint of a conversation; only this mock can read its blob back. */
function compactionItem(issue: (blob: string) => void): Json {
  const blob = encryptedReasoningBlob();
  issue(blob);
  return { id: `cmp_${hex(48)}`, type: 'compaction', encrypted_content: blob };
}

/**
 * `POST /v1/responses/compact`: the input's user messages, then one compaction item standing for the
 * whole conversation.
 */
export function renderCompaction(body: Json, issue: (blob: string) => void): Json {
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
  const users = input.filter((i): i is Json => isRecord(i) && i.role === 'user' && (i.type ?? 'message') === 'message');
  const output = [...users.map((u) => ({ id: `msg_${hex(48)}`, type: 'message', status: 'completed', role: 'user', content: u.content })), compactionItem(issue)];
  const input_tokens = Math.max(1, Math.ceil(promptChars(body) / 4));
  return {
    id: `resp_${hex(48)}`,
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output,
    usage: { input_tokens, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 64, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input_tokens + 64 },
  };
}

/** Characters of prompt text a request carries (input, instructions and tool definitions). */
export const promptChars = (body: Json): number => textChars(body.input) + textChars(body.instructions) + textChars(body.tools);

/** One planned output item: its final form plus what the stream needs to build it up. */
type Planned =
  | { kind: 'compaction'; item: Json }
  | { kind: 'reasoning'; item: Json; summary: string | undefined }
  | { kind: 'message'; item: Json; text: string; refusal?: boolean }
  | { kind: 'function_call'; item: Json; args: string };

interface Plan {
  base: Json;
  items: Planned[];
  status: 'completed' | 'incomplete';
  incompleteReason?: string;
  usage: ResolvedUsage;
}

function usageBody(u: ResolvedUsage): Json {
  return {
    input_tokens: u.input,
    // The API always sends cache_write_tokens (the SDK's ResponseUsage requires it); GPT-5.6 on counts writes there.
    input_tokens_details: { cached_tokens: u.cached, cache_write_tokens: u.cacheWrite },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

/**
 * Tools echoed as the API lists them. An omitted `strict` means strict when the schema allows it
 * (the real API may also rewrite a schema to make it strict; the mock only reports which mode).
 */
function echoTools(tools: unknown): unknown[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((t) => {
    if (!isRecord(t)) return t;
    const parameters = t.parameters ?? null;
    return {
      type: 'function',
      description: t.description ?? null,
      name: t.name,
      parameters,
      strict: typeof t.strict === 'boolean' ? t.strict : parameters !== null && strictSchemaProblem(parameters) === undefined,
    };
  });
}

/**
 * Fixes ids, usage and the final item list so stream and body agree. `issue` records each
 * encrypted reasoning blob handed out (only when `include` asks for them).
 */
function plan(body: Json, reply: MockReply, issue: (blob: string) => void): Plan {
  const model = String(body.model);
  const reasoning = isRecord(body.reasoning) ? body.reasoning : {};
  const summaryMode = reasoning.summary ?? reasoning.generate_summary ?? null;
  const include = Array.isArray(body.include) ? body.include : [];
  const items: Planned[] = [];
  const incomplete = reply.finish === 'max_output_tokens' || reply.finish === 'content_filter';
  // A compaction_trigger last asks for one compaction item instead of an answer.
  const trigger = Array.isArray(body.input) && isRecord(body.input.at(-1)) && body.input.at(-1).type === 'compaction_trigger';
  if (trigger) items.push({ kind: 'compaction', item: compactionItem(issue) });

  if (!trigger && reply.thinking !== undefined) {
    const summary = summaryMode != null && reply.thinking !== '' ? reply.thinking : undefined;
    const item: Json = {
      id: `rs_${hex(48)}`,
      type: 'reasoning',
      summary: summary === undefined ? [] : [{ type: 'summary_text', text: summary }],
    };
    if (include.includes('reasoning.encrypted_content')) {
      const blob = encryptedReasoningBlob();
      issue(blob);
      item.encrypted_content = blob;
    }
    items.push({ kind: 'reasoning', item, summary });
  }
  const toolCalls = trigger ? [] : (reply.toolCalls ?? []);
  const text = trigger ? undefined : (reply.text ?? (toolCalls.length > 0 || reply.refusal !== undefined ? undefined : heardText('openai', lastInputTexts(body.input))));
  if (!trigger && reply.refusal !== undefined) {
    const item: Json = {
      id: `msg_${hex(48)}`,
      type: 'message',
      status: incomplete ? 'incomplete' : 'completed',
      content: [{ type: 'refusal', refusal: reply.refusal }],
      role: 'assistant',
    };
    items.push({ kind: 'message', item, text: reply.refusal, refusal: true });
  }
  if (text !== undefined) {
    const item: Json = {
      id: `msg_${hex(48)}`,
      type: 'message',
      status: incomplete ? 'incomplete' : 'completed',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text }],
      role: 'assistant',
    };
    items.push({ kind: 'message', item, text });
  }
  for (const tc of toolCalls) {
    const args = JSON.stringify(tc.args);
    const item: Json = {
      id: `fc_${hex(48)}`,
      type: 'function_call',
      status: 'completed',
      arguments: args,
      call_id: `call_${randomId(24)}`,
      name: tc.name,
    };
    items.push({ kind: 'function_call', item, args });
  }

  const usage = resolveUsage(reply, promptChars(body), {
    text: (text ?? '') + (reply.refusal ?? ''),
    thinking: reply.thinking ?? '',
    toolArgs: toolCalls.map((t) => t.name + JSON.stringify(t.args)).join(''),
  });
  const reasons = isReasoningModel(model);
  const textConfig = isRecord(body.text) ? body.text : {};
  const base: Json = {
    id: `resp_${hex(48)}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    background: false,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort: reasoning.effort ?? (reasons ? 'medium' : null), summary: summaryMode },
    safety_identifier: body.safety_identifier ?? null,
    service_tier: typeof body.service_tier === 'string' && body.service_tier !== 'auto' ? body.service_tier : 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: textConfig.format ?? { type: 'text' }, verbosity: textConfig.verbosity ?? 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: echoTools(body.tools),
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
  return { base, items, status: incomplete ? 'incomplete' : 'completed', incompleteReason: incomplete ? reply.finish : undefined, usage };
}

/** The Response object in a lifecycle state; field order as the API sends it. */
function responseIn(p: Plan, status: string, output: Json[], extra: { usage?: Json; error?: Json } = {}): Json {
  const { id, object, created_at, ...rest } = p.base;
  const done = status === 'completed' || status === 'incomplete';
  return {
    id,
    object,
    created_at,
    status,
    ...(done ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    error: extra.error ?? null,
    incomplete_details: status === 'incomplete' ? { reason: p.incompleteReason } : null,
    ...rest,
    output,
    usage: extra.usage ?? null,
  };
}

export function renderResponse(body: Json, reply: MockReply, issue: (blob: string) => void): Json {
  const p = plan(body, reply, issue);
  return responseIn(p, p.status, p.items.map((i) => i.item), { usage: usageBody(p.usage) });
}

export const RESPONSES_STREAM_ERROR = { code: 'server_error', message: 'The server had an error processing your request.' };

export interface ResponsesStream {
  frames: StreamFrame[];
  /** The `response.failed` frame sseBody sends in place of the frame where `midStreamErrorAfter` is due. */
  errorFrame: string;
}

export function renderResponsesStream(body: Json, reply: MockReply, issue: (blob: string) => void): ResponsesStream {
  const p = plan(body, reply, issue);
  const frames: StreamFrame[] = [];
  /** For each frame, how many items were done before it: a failure there reports those. */
  const doneBefore: number[] = [];
  let done = 0;
  const push = (type: string, data: Json, kind: StreamFrame['kind'], content = false): void => {
    doneBefore.push(done);
    const json = JSON.stringify({ type, ...data, sequence_number: frames.length });
    frames.push({ kind, content, text: sseFrame(json, type) });
  };

  push('response.created', { response: responseIn(p, 'in_progress', []) }, 'head');
  push('response.in_progress', { response: responseIn(p, 'in_progress', []) }, 'head');
  p.items.forEach((planned, output_index) => {
    const item_id = planned.item.id;
    const ids = { item_id, output_index };
    if (planned.kind === 'reasoning') {
      const { encrypted_content: _blob, ...started } = planned.item;
      push('response.output_item.added', { output_index, item: { ...started, summary: [] } }, 'body');
      if (planned.summary !== undefined) {
        const text = planned.summary;
        push('response.reasoning_summary_part.added', { ...ids, summary_index: 0, part: { type: 'summary_text', text: '' } }, 'body');
        for (const delta of splitWords(text)) {
          push('response.reasoning_summary_text.delta', { ...ids, summary_index: 0, delta }, 'body', true);
        }
        push('response.reasoning_summary_text.done', { ...ids, summary_index: 0, text }, 'body');
        push('response.reasoning_summary_part.done', { ...ids, summary_index: 0, part: { type: 'summary_text', text } }, 'body');
      }
    } else if (planned.kind === 'compaction') {
      push('response.output_item.added', { output_index, item: planned.item }, 'body');
    } else if (planned.kind === 'message' && planned.refusal) {
      const refusal = planned.text;
      push('response.output_item.added', { output_index, item: { ...planned.item, status: 'in_progress', content: [] } }, 'body');
      push('response.content_part.added', { ...ids, content_index: 0, part: { type: 'refusal', refusal: '' } }, 'body');
      for (const delta of splitWords(refusal)) push('response.refusal.delta', { ...ids, content_index: 0, delta }, 'body', true);
      push('response.refusal.done', { ...ids, content_index: 0, refusal }, 'body');
      push('response.content_part.done', { ...ids, content_index: 0, part: { type: 'refusal', refusal } }, 'body');
    } else if (planned.kind === 'message') {
      const text = planned.text;
      push('response.output_item.added', { output_index, item: { ...planned.item, status: 'in_progress', content: [] } }, 'body');
      const part = (t: string): Json => ({ type: 'output_text', annotations: [], logprobs: [], text: t });
      push('response.content_part.added', { ...ids, content_index: 0, part: part('') }, 'body');
      for (const delta of splitWords(text)) {
        push('response.output_text.delta', { ...ids, content_index: 0, delta, logprobs: [] }, 'body', true);
      }
      push('response.output_text.done', { ...ids, content_index: 0, text, logprobs: [] }, 'body');
      push('response.content_part.done', { ...ids, content_index: 0, part: part(text) }, 'body');
    } else {
      const args = planned.args;
      push('response.output_item.added', { output_index, item: { ...planned.item, status: 'in_progress', arguments: '' } }, 'body');
      for (const delta of splitFragments(args, Math.max(1, Math.min(8, Math.ceil(args.length / 2))))) {
        push('response.function_call_arguments.delta', { ...ids, delta }, 'body', true);
      }
      push('response.function_call_arguments.done', { ...ids, arguments: args }, 'body');
    }
    push('response.output_item.done', { output_index, item: planned.item }, 'body');
    done++;
  });
  const final = responseIn(p, p.status, p.items.map((i) => i.item), { usage: usageBody(p.usage) });
  push(p.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final }, 'tail');

  // The frame sseBody will replace (same walk as sseBody: a non-head frame once enough content went out).
  let at = frames.length;
  let counted = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.kind !== 'head' && reply.midStreamErrorAfter !== undefined && counted >= reply.midStreamErrorAfter) {
      at = i;
      break;
    }
    if (f.kind !== 'head' && reply.truncateAfter !== undefined && counted >= reply.truncateAfter) break;
    if (f.content) counted++;
  }
  const failed = responseIn(p, 'failed', p.items.slice(0, doneBefore[at] ?? done).map((i) => i.item), {
    error: RESPONSES_STREAM_ERROR,
  });
  const errorFrame = sseFrame(JSON.stringify({ type: 'response.failed', response: failed, sequence_number: at }), 'response.failed');
  return { frames, errorFrame };
}
