/**
 * Shared pieces of the OpenAI-client end-to-end tests: an `openai` SDK client routed to one upstream
 * by path prefix, the upstreams under test, and a reader that collects a raw chunk stream the way an
 * application would (content, reasoning_content, tool-call fragments by index, finish reason, usage).
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { MockServer, RecordedCall } from '../helpers/mocks/types.ts';
import type { Stack } from '../helpers/stack.ts';

export type UpstreamName = 'claude-custom' | 'gemini-cli';

export interface Upstream {
  name: UpstreamName;
  /** A model the upstream serves. */
  model: string;
  mock(s: Stack): MockServer;
}

export const CLAUDE: Upstream = { name: 'claude-custom', model: 'claude-sonnet-4-5', mock: (s) => s.claude };
export const GEMINI: Upstream = { name: 'gemini-cli', model: 'gemini-2.5-flash', mock: (s) => s.gemini };
export const UPSTREAMS: readonly Upstream[] = [CLAUDE, GEMINI];

/** An SDK client that reaches `provider` through the path prefix (`/<provider>/v1/...`). */
export function clientFor(s: Stack, provider: UpstreamName): OpenAI {
  return new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${provider}/v1`, maxRetries: 0 });
}

export function lastCall(mock: MockServer): RecordedCall {
  const call = mock.calls[mock.calls.length - 1];
  if (!call) throw new Error('the upstream mock received no call');
  return call;
}

/** The JSON body of the upstream's last request. */
export function lastBody(mock: MockServer): Record<string, unknown> {
  const body = lastCall(mock).body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('the last upstream call had no JSON object body');
  return body as Record<string, unknown>;
}

/** The value at a path of keys and indexes in parsed JSON, undefined where the path breaks off. */
export function dig(value: unknown, ...path: Array<string | number>): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

export interface CollectedToolCall {
  id: string;
  name: string;
  arguments: string;
  extra_content?: unknown;
}

export interface Collected {
  chunks: ChatCompletionChunk[];
  content: string;
  reasoning: string;
  toolCalls: CollectedToolCall[];
  finishReason: string | null;
  usage: ChatCompletionChunk['usage'];
}

/** A delta as the wire carries it: the SDK types lack the reasoning_content extension. */
type WireDelta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

/** Reads a raw chunk stream to its end (or its error, which propagates). Bounded by the server's stream. */
export async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<Collected> {
  const out: Collected = { chunks: [], content: '', reasoning: '', toolCalls: [], finishReason: null, usage: null };
  for await (const chunk of stream) {
    out.chunks.push(chunk);
    if (chunk.usage) out.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta as WireDelta;
    if (delta.content) out.content += delta.content;
    if (delta.reasoning_content) out.reasoning += delta.reasoning_content;
    for (const tc of delta.tool_calls ?? []) {
      const call = (out.toolCalls[tc.index] ??= { id: '', name: '', arguments: '' });
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.name = tc.function.name;
      if (tc.function?.arguments) call.arguments += tc.function.arguments;
      const extra = (tc as { extra_content?: unknown }).extra_content;
      if (extra !== undefined) call.extra_content = extra;
    }
    if (choice.finish_reason) out.finishReason = choice.finish_reason;
  }
  return out;
}

/** Rejects when `p` has not settled within `ms`: a hung stream fails the test instead of stalling it. */
export function within<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (hang)`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A 1×1 PNG; the Anthropic mock checks the bytes against the declared media type. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

export const MULTIBYTE = 'Grüße 你好 🙂🚀 ünïcödé — done';
