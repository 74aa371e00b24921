import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.ts';
import { postRaw } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack('openai-custom,claude-custom,gemini-cli,openaiResponses-custom');
});
afterAll(() => s.stop());

const TOO_LONG = `gpt-4o-${'x'.repeat(250)}`; // 257 characters
const upstreamCalls = (): number => s.openai.calls.length + s.claude.calls.length + s.gemini.calls.length;

describe('a model name longer than any model id is refused before anything reaches an upstream', () => {
  const bodies: Array<[string, Record<string, unknown>]> = [
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/messages', { max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/messages/count_tokens', { messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/responses', { input: 'hi' }],
    ['/v1/responses/input_tokens', { input: 'hi' }],
    ['/v1/responses/compact', { input: 'hi' }],
    ['/v1/embeddings', { input: 'hi' }],
  ];
  for (const [path, body] of bodies) {
    test(`${path}: 400 naming the field`, async () => {
      const before = upstreamCalls();
      const res = await postRaw(s.proxy, path, JSON.stringify({ model: TOO_LONG, ...body }));
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(text).toContain('model: expected at most 256 characters, got 257');
      expect(text).not.toContain(TOO_LONG);
      expect(upstreamCalls()).toBe(before);
    });
  }

  test('a name of exactly 256 characters is not refused for its length', async () => {
    const res = await postRaw(s.proxy, '/v1/chat/completions', JSON.stringify({ model: TOO_LONG.slice(0, 256), messages: [{ role: 'user', content: 'hi' }] }));
    expect(await res.text()).not.toContain('at most 256 characters');
  });

  test('a Gemini URL keeps its own, shorter cap', async () => {
    const res = await postRaw(s.proxy, `/v1beta/models/${'g'.repeat(129)}:generateContent`, JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }));
    expect(res.status).toBe(400);
  });
});

test('metrics count a name past the limit as _other, even when a request with it succeeded', () => {
  const m = new ProxyMetrics({ inFlight: () => 0, members: () => [] });
  const long = 'm'.repeat(257);
  m.observe({ protocol: 'openai', provider: 'openai-custom', model: long, status: 200, failed: false, durationMs: 5, inputTokens: 1 });
  m.observe({ protocol: 'openai', provider: 'openai-custom', model: 'm'.repeat(256), status: 200, failed: false, durationMs: 5 });
  const text = m.render();
  expect(text).not.toContain(long);
  expect(text).toContain('aiproxy_requests_total{protocol="openai",provider="openai-custom",model="_other",status="200"} 1');
  expect(text).toContain('aiproxy_tokens_total{provider="openai-custom",model="_other",direction="input"} 1');
  expect(text).toContain(`model="${'m'.repeat(256)}"`);
});
