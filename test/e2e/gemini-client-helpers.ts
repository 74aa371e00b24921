/**
 * Shared pieces of the Gemini-client end-to-end tests: the `@google/genai` SDK pointed at aiproxy and
 * routed to one non-Gemini upstream, and small readers for what that upstream's mock received.
 */
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { isRecord } from '../../src/util/json.ts';
import type { MockServer, RecordedCall } from '../helpers/mocks/types.ts';
import type { Stack } from '../helpers/stack.ts';

export type Routing = 'prefix' | 'header';

/** One converted upstream: the provider name, a model it accepts and how to reach its mock. */
export interface Upstream {
  provider: 'openai-custom' | 'claude-custom';
  /** How the mock's default reply names itself: `mock(<heard>) heard: <last user text>`. */
  heard: 'openai' | 'anthropic';
  /** A model id the upstream takes as it is. */
  model: string;
  /** A model that accepts a reasoning knob (OpenAI drops reasoning_effort for gpt-4*). */
  reasoningModel: string;
  mock(s: Stack): MockServer;
}

export const UPSTREAMS: readonly Upstream[] = [
  { provider: 'openai-custom', heard: 'openai', model: 'gpt-4o', reasoningModel: 'o3-mini', mock: (s) => s.openai },
  { provider: 'claude-custom', heard: 'anthropic', model: 'claude-sonnet-4-5', reasoningModel: 'claude-sonnet-4-5', mock: (s) => s.claude },
];

/** Gemini SDK routed to `provider` by path prefix or by the X-Model-Provider header; no SDK retries (the default). */
export function geminiClient(s: Stack, provider: string, routing: Routing = 'prefix'): GoogleGenAI {
  const httpOptions =
    routing === 'prefix'
      ? { baseUrl: `${s.proxy.url}/${provider}`, apiVersion: 'v1beta' }
      : { baseUrl: s.proxy.url, apiVersion: 'v1beta', headers: { 'x-model-provider': provider } };
  return new GoogleGenAI({ apiKey: s.proxy.key, httpOptions });
}

export const lastCall = (mock: MockServer): RecordedCall => {
  const call = mock.calls.at(-1);
  if (!call) throw new Error('the mock received no call');
  return call;
};

/** The JSON body the upstream mock received last, as an object. */
export function lastBody(mock: MockServer): Record<string, unknown> {
  const body = lastCall(mock).body;
  if (!isRecord(body)) throw new Error('the last upstream call had no JSON body');
  return body;
}

/** The answer text of a response (thoughts left out), without the SDK's warning about non-text parts. */
export function answerText(res: GenerateContentResponse): string {
  let text = '';
  for (const p of res.candidates?.[0]?.content?.parts ?? []) if (typeof p.text === 'string' && !p.thought) text += p.text;
  return text;
}

/** Reads a whole stream from the SDK: joined answer text, thought text, every chunk. */
export async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<{
  text: string;
  thoughts: string;
  chunks: GenerateContentResponse[];
}> {
  let text = '';
  let thoughts = '';
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const p of chunk.candidates?.[0]?.content?.parts ?? []) {
      if (typeof p.text !== 'string') continue;
      if (p.thought) thoughts += p.text;
      else text += p.text;
    }
  }
  return { text, thoughts, chunks };
}

/** Runs `fn`, expecting it to throw; returns the error (a test fails if nothing was thrown). */
export async function rejection(fn: () => Promise<unknown>): Promise<Error & { status?: number }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { status?: number };
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** A 1×1 transparent PNG. */
export const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export const MULTIBYTE = 'Grüße 你好 🙂🚀 ünïcödé — fin';
