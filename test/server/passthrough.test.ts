import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { anthropicErrorBody, startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { claudeCustom } from '../../src/providers/claude-custom.ts';
import { geminiQuotaError } from '../helpers/mocks/gemini-mock.ts';
import { openaiErrorBody } from '../helpers/mocks/openai-mock.ts';
import { postRaw, startProxy } from '../helpers/proxy.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

/** Posts `body` as the client's own bytes, checks the 200, and returns the text the upstream received. */
async function forwardedText(path: string, body: string | Uint8Array, upstream: { calls: Array<{ text: string }> }): Promise<string> {
  const res = await postRaw(s.proxy, path, body);
  expect(res.status).toBe(200);
  return last(upstream.calls).text;
}
const MULTIBYTE = 'Grüße 你好 🙂🚀 ünïcödé — done';

describe('OpenAI client → openai-custom (byte passthrough)', () => {
  test('non-streaming: the body reaches the upstream unchanged, fields aiproxy does not model included', async () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'Hello 你好' }], user: 'u-1', logprobs: false, service_tier: 'auto' as const };
    const res = await s.openaiClient.chat.completions.create(body);
    expect(res.choices[0]!.message.content).toBe('mock(openai) heard: Hello 你好');
    expect(last(s.openai.calls).body).toEqual(body);
    expect(last(s.openai.calls).headers.authorization).toBe(`Bearer ${s.openai.key}`);
  });

  test('streaming: the SDK stream helper accepts the relay, multi-byte characters split across network chunks', async () => {
    s.openai.queue({ text: MULTIBYTE, splitBytes: 1 });
    const stream = s.openaiClient.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(MULTIBYTE);
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  test('tool calls stream through intact', async () => {
    s.openai.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: { tz: 'CET' } }] });
    const final = await s.openaiClient.chat.completions
      .stream({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [
          { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
          { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
        ],
      })
      .finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls!;
    expect(calls.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { tz: 'CET' }],
    ]);
  });

  test('upstream errors reach the client as they are, retry-after included', async () => {
    s.openai.queue({ error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached for gpt-4o', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': '7' } } });
    const err = await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers.get('retry-after')).toBe('7');
    expect(err.error).toMatchObject({ message: 'Rate limit reached for gpt-4o', code: 'rate_limit_exceeded' });
  });

  test('the client’s bytes are forwarded as they are: spacing, key order, escapes and numbers unchanged', async () => {
    // Re-serialising would drop the spaces, turn \u00e9 into é and 1.50 into 1.5.
    const text = '{ "messages" : [ { "content" : "caf\\u00e9 \\ud83d\\ude80 Grüße", "role" : "user" } ],\n  "model": "gpt-4o", "temperature": 1.50 }\n';
    expect(await forwardedText('/v1/chat/completions', text, s.openai)).toBe(text);
  });

  test('a body that starts with a byte order mark is forwarded without it', async () => {
    const text = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'bom' }] });
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    expect(await forwardedText('/v1/chat/completions', withBom, s.openai)).toBe(text);
  });

  test('the upstream’s own validation errors come back untouched', async () => {
    const res = await fetch(`${s.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], frobnicate: 1 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('frobnicate');
  });
});

describe('Anthropic client → claude-custom (byte passthrough)', () => {
  test('non-streaming, with anthropic-beta forwarded', async () => {
    const msg = await s.anthropicClient.messages.create(
      { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] },
      { headers: { 'anthropic-beta': 'context-management-2025-06-27' } },
    );
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(anthropic) heard: Hello' });
    expect(last(s.claude.calls).headers['anthropic-beta']).toBe('context-management-2025-06-27');
    expect(last(s.claude.calls).headers['x-api-key']).toBe(s.claude.key);
  });

  test('the client’s bytes are forwarded as they are', async () => {
    const text = '{"model":"claude-sonnet-4-6", "max_tokens": 64,\n "messages":[{"role":"user","content":"caf\\u00e9 \\ud83d\\ude80"}], "temperature": 0.50}';
    expect(await forwardedText('/v1/messages', text, s.claude)).toBe(text);
  });

  test('streaming with thinking and tool use, split bytes', async () => {
    s.claude.queue({ thinking: 'Let me think… 考える', text: MULTIBYTE, toolCalls: [{ name: 'lookup', args: { q: 'ß' } }], splitBytes: 2 });
    const final = await s.anthropicClient.messages
      .stream({
        model: 'claude-sonnet-4-6',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
        messages: [{ role: 'user', content: 'go' }],
      })
      .finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(final.content[0]).toMatchObject({ thinking: 'Let me think… 考える' });
    expect(final.content[1]).toMatchObject({ text: MULTIBYTE });
    expect(final.content[2]).toMatchObject({ name: 'lookup', input: { q: 'ß' } });
    expect(final.stop_reason).toBe('tool_use');
  });

  test('529 overloaded passes through with its body', async () => {
    s.claude.queue({ error: { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') } });
    const err = await s.anthropicClient.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });
});

describe('claude-custom with a base URL written with its /v1', () => {
  test('messages and count_tokens reach {base}/v1/…, not /v1/v1/…', async () => {
    // As OpenAI base URLs are written, and as OpenRouter documents https://openrouter.ai/api/v1; the
    // Anthropic SDKs add /v1 themselves, so such a URL 404s or 405s (langchain-ai/langchain#31325).
    const proxy = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', `${s.claude.url}/v1/`, '--claude-api-key', s.claude.key]);
    try {
      const client = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
      const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] });
      expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(anthropic) heard: Hello' });
      expect(last(s.claude.calls).url).toBe('/v1/messages');
      const count = await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello' }] });
      expect(count.input_tokens).toBeGreaterThan(0);
      expect(last(s.claude.calls).url).toBe('/v1/messages/count_tokens');
    } finally {
      await proxy.stop();
    }
  });
});

describe('Gemini client → gemini-cli (byte passthrough)', () => {
  test('generateContent', async () => {
    const res = await s.geminiClient.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello 你好' });
    expect(res.text).toBe('mock(gemini) heard: Hello 你好');
    expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(last(s.gemini.calls).headers['x-goog-api-key']).toBe(s.gemini.key);
  });

  test('streamGenerateContent with alt=sse, split bytes', async () => {
    s.gemini.queue({ text: MULTIBYTE, splitBytes: 1 });
    let text = '';
    for await (const chunk of await s.geminiClient.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' })) text += chunk.text ?? '';
    expect(text).toBe(MULTIBYTE);
    expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  test('streamGenerateContent without alt=sse relays Google’s streamed JSON array', async () => {
    s.gemini.queue({ text: 'one two three' });
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    const arr = JSON.parse(await res.text()) as Array<{ candidates: Array<{ content: { parts: Array<{ text: string }> } }> }>;
    expect(arr.map((c) => c.candidates[0]!.content.parts.map((p) => p.text).join('')).join('')).toBe('one two three');
    expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
  });

  test('the client’s bytes are forwarded as they are', async () => {
    const text = '{"contents":[{"role":"user","parts":[{"text":"caf\\u00e9 \\ud83d\\ude80"}]}] ,\n "generationConfig":{"temperature":0.70}}';
    expect(await forwardedText('/v1beta/models/gemini-2.5-flash:generateContent', text, s.gemini)).toBe(text);
  });

  test("a lone content where the list goes (Google's REST cookbook writes it so) is Gemini's to take, and it does", async () => {
    const text = '{"contents": {"role": "user", "parts": {"text": "Make this place PURPLE!"}}}';
    expect(await forwardedText('/v1beta/models/gemini-2.5-flash:generateContent', text, s.gemini)).toBe(text);
  });

  test('a 429 with RetryInfo passes through unchanged', async () => {
    s.gemini.queue({ error: geminiQuotaError('37s') });
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${s.proxy.key}`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { status: string; details: Array<{ retryDelay?: string }> } };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.details.some((d) => d.retryDelay === '37s')).toBe(true);
  });
});

describe('claude-custom against an Anthropic-compatible server that reads the key from Authorization', () => {
  test('after its 401 the key goes as a bearer too, from then on; Anthropic itself never gets one', async () => {
    // MiniMax's /anthropic refuses x-api-key alone: 401 "Please carry the API secret key in the
    // 'Authorization' field" (NousResearch/hermes-agent#4002); Kimi's did too (LLM-Red-Team/kimi-cc#35).
    const compatible = await startAnthropicMock({ bearerOnly: true });
    const proxy = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', compatible.url, '--claude-api-key', compatible.key]);
    try {
      const client = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
      const ask = () => client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] });
      expect((await ask()).content[0]).toMatchObject({ type: 'text', text: 'mock(anthropic) heard: Hello' });
      expect(compatible.calls.map((c) => c.headers.authorization)).toEqual([undefined, `Bearer ${compatible.key}`]);
      expect(last(compatible.calls).headers['x-api-key']).toBe(compatible.key);
      await ask();
      expect(compatible.calls.length).toBe(3);
      expect((await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello' }] })).input_tokens).toBeGreaterThan(0);
    } finally {
      await Promise.all([proxy.stop(), compatible.stop()]);
    }
    const anthropic = claudeCustom({ apiKey: 'sk-ant-api03-k', baseUrl: 'https://api.anthropic.com' });
    expect(anthropic.refreshAuth).toBeUndefined();
    const req = await anthropic.generate('claude-sonnet-4-6', 'unary', '{}');
    expect(req.headers['x-api-key']).toBe('sk-ant-api03-k');
    expect(req.headers.authorization).toBeUndefined();
  });
});

describe('gemini-cli with a base URL written with its API version', () => {
  test('generateContent and countTokens reach {base}/v1beta/…, not /v1beta/v1beta/…', async () => {
    // The Gemini API's base URL is often written https://generativelanguage.googleapis.com/v1beta
    // (snailyp/gemini-balance#317); the version is in the paths aiproxy adds.
    const proxy = await startProxy(['--model-provider', 'gemini-cli', '--gemini-base-url', `${s.gemini.url}/v1beta`, '--gemini-api-key', s.gemini.key]);
    try {
      const client = new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: proxy.url, apiVersion: 'v1beta' } });
      const res = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello' });
      expect(res.text).toBe('mock(gemini) heard: Hello');
      expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      const count = await client.models.countTokens({ model: 'gemini-2.5-flash', contents: 'Hello' });
      expect(count.totalTokens).toBeGreaterThan(0);
      expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    } finally {
      await proxy.stop();
    }
  });
});

describe('client disconnects abort the upstream', () => {
  test('after the first byte', async () => {
    s.openai.queue({ text: Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 50 });
    const ac = new AbortController();
    const before = s.openai.calls.length;
    const res = await fetch(`${s.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await eventually(() => s.openai.calls.length > before && s.openai.calls[before]!.aborted);
  });

  test('before the upstream has sent headers', async () => {
    s.claude.queue({ headerDelayMs: 5000, text: 'late' });
    const ac = new AbortController();
    const before = s.claude.calls.length;
    const pending = fetch(`${s.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': s.proxy.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'x' }] }),
      signal: ac.signal,
    }).catch((e: Error) => e);
    await eventually(() => s.claude.calls.length > before);
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    await eventually(() => s.claude.calls[before]!.aborted);
  });
});
