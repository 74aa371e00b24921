import { describe, expect, test } from 'bun:test';
import type { CanonicalRequest, StreamEvent } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { decodeChunks } from '../../helpers/sse.ts';

const decodeAll = (sse: string): StreamEvent[] =>
  decodeChunks(openaiCodec.createStreamDecoder(), [new TextEncoder().encode(sse)]);

describe('openai stream decoder: compatible servers found in review', () => {
  test('finish_reason "" on every content chunk (older Ollama, SGLang 0.4.3, LocalAI) is "not finished yet"', () => {
    const chunk = (delta: string, finish: string) =>
      `data: {"id":"chatcmpl-693","object":"chat.completion.chunk","created":1715427619,"model":"mistral:latest","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]}\n\n`;
    const sse =
      chunk('{"role":"assistant","content":" Hello"}', '""') +
      chunk('{"role":"assistant","content":" there"}', '""') +
      chunk('{"role":"assistant","content":"!"}', '""') +
      chunk('{"role":"assistant","content":""}', '"stop"') +
      'data: [DONE]\n\n';
    expect(decodeAll(sse)).toEqual([
      { type: 'start', id: 'chatcmpl-693', model: 'mistral:latest', created: 1715427619 },
      { type: 'text', text: ' Hello' },
      { type: 'text', text: ' there' },
      { type: 'text', text: '!' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });
});

describe('openai encodeRequest: reasoning history for DeepSeek-style upstreams', () => {
  // Claude Code → DeepSeek reasoner: the reasoning we turned into an (unsigned) thinking block comes back in
  // the history of the tool loop. DeepSeek answers 400 "Missing `reasoning_content` field in the assistant
  // message" when a tool-call turn lacks it (api-docs.deepseek.com/guides/thinking_mode#tool-calls).
  const req: CanonicalRequest = {
    model: 'deepseek-reasoner',
    system: [],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'I should call the tool.' },
          { type: 'tool_call', id: 'call_0', name: 'get_weather', args: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', callId: 'call_0', content: [{ type: 'text', text: '21C' }] }] },
    ],
    tools: [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }],
    stream: true,
    extras: {},
  };

  test('unsigned reasoning on a tool-call turn goes back as reasoning_content', () => {
    const body = openaiCodec.encodeRequest(req, { model: 'deepseek-reasoner' });
    expect((body.messages as unknown[])[1]).toEqual({
      role: 'assistant',
      content: null,
      reasoning_content: 'I should call the tool.',
      tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    });
  });

  test('servers that reject the field (Mistral, Cerebras, OpenAI) never get it', () => {
    for (const model of ['mistral-medium-3', 'zai-glm-4.7', 'gpt-4o']) {
      const body = openaiCodec.encodeRequest({ ...req, model }, { model });
      expect('reasoning_content' in ((body.messages as Array<Record<string, unknown>>)[1] ?? {})).toBe(false);
    }
  });

  test("another model's signed thinking still stays behind: the field DeepSeek insists on goes empty", () => {
    const signed = structuredClone(req);
    (signed.messages[1]!.content[0] as { signature?: unknown }).signature = { family: 'anthropic', value: 'EqQB' };
    const body = openaiCodec.encodeRequest(signed, { model: 'gpt-4o' });
    expect((body.messages as Array<Record<string, unknown>>)[1]?.reasoning_content).toBe('');
    expect(openaiCodec.encodeRequest({ ...signed, model: 'gpt-4o' }, { model: 'gpt-4o' }).messages).not.toContainEqual(
      expect.objectContaining({ reasoning_content: expect.anything() }),
    );
  });
});

describe('openai decodeError: retry hints of compatible servers', () => {
  test("Google's compat endpoint: a 429 whose only retry hint is RetryInfo in the body keeps it", () => {
    const body = JSON.stringify([
      {
        error: {
          code: 429,
          message: 'You exceeded your current quota, please check your plan and billing details. Please retry in 37.482129355s.',
          status: 'RESOURCE_EXHAUSTED',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests' }] },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' },
          ],
        },
      },
    ]);
    const info = openaiCodec.decodeError(429, body, new Headers({ 'content-type': 'application/json' }));
    expect(info.kind).toBe('rate_limit');
    expect(info.retryAfter).toBe(37);
  });
});

describe('openai stream decoder: unstable tool-call ids', () => {
  test('a fragment with another id but no function name still belongs to the call being streamed (Poolside)', () => {
    const chunk = (tc: string) =>
      `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"malibu","choices":[{"index":0,"delta":{"tool_calls":[${tc}]},"finish_reason":null}]}\n\n`;
    const sse =
      chunk('{"index":0,"id":"call_head","type":"function","function":{"name":"read_file","arguments":""}}') +
      chunk('{"index":0,"id":"call_tail","type":"function","function":{"arguments":"{\\"path\\":"}}') +
      chunk('{"index":0,"id":"call_tail","type":"function","function":{"arguments":"\\"a.ts\\"}"}}') +
      'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"malibu","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n' +
      'data: [DONE]\n\n';
    expect(decodeAll(sse).slice(1)).toEqual([
      { type: 'tool_call_start', index: 0, id: 'call_head', name: 'read_file' },
      { type: 'tool_call_delta', index: 0, args: '{"path":' },
      { type: 'tool_call_delta', index: 0, args: '"a.ts"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });
});
