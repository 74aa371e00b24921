import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startProxy, type TestProxy } from '../../../test/helpers/proxy.ts';
import { startForwarder } from '../forwarder.ts';
import { runBunLoad } from '../load-client.ts';
import { startMockUpstream, streamResponse } from '../mock-upstream.ts';
import { SCENARIOS, PROXY_KEY } from '../scenarios.ts';

const PACE_MS = 60;
const mock = startMockUpstream({ port: 0, chunks: 5, unaryBytes: 600, paceMs: PACE_MS });
const mockOrigin = `http://127.0.0.1:${mock.port}`;
const forwarder = startForwarder({ port: 0, upstream: mockOrigin });
const forwarderOrigin = `http://127.0.0.1:${forwarder.port}`;
let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startProxy([
    '--api-key', PROXY_KEY,
    '--model-provider', 'openai-custom,claude-custom,gemini-cli',
    '--openai-base-url', `${mockOrigin}/v1`, '--openai-api-key', 'k',
    '--claude-base-url', mockOrigin, '--claude-api-key', 'k',
    '--gemini-base-url', mockOrigin, '--gemini-api-key', 'k',
  ]);
});
afterAll(async () => {
  await proxy.stop();
  forwarder.stop(true);
  mock.stop(true);
});

const originFor = (target: string): string => (target === 'direct' ? mockOrigin : target === 'forwarder' ? forwarderOrigin : proxy.url);

/** Reads a response, noting when the first body chunk arrived (ms after `start`). */
async function timedRead(res: Response, start: number): Promise<{ text: string; firstMs: number; chunks: number }> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  let firstMs = -1;
  let chunks = 0;
  for (let i = 0; i < 10_000; i++) {
    const { done, value } = await reader.read();
    if (done) break;
    if (firstMs < 0) firstMs = performance.now() - start;
    chunks++;
    text += dec.decode(value, { stream: true });
  }
  return { text, firstMs, chunks };
}

describe('every scenario answers as the benchmark expects (so no scenario measures an error path)', () => {
  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const r = s.request;
      const res = await fetch(originFor(s.target) + r.path, { method: r.method, headers: r.headers, body: r.body });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).toContain(s.expect);
      if (s.stream) expect(res.headers.get('content-type')).toContain('text/event-stream');
    });
  }
});

describe('mock upstream', () => {
  test('a stream is one body chunk per event (TCP may still coalesce them; the mock does not)', async () => {
    const events = ['a', 'b', 'c', 'd'].map((x) => new TextEncoder().encode(`data: ${x}\n\n`));
    const reader = streamResponse(events, { after: 0, ms: 0 }).body!.getReader();
    const got: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      got.push(new TextDecoder().decode(value));
    }
    expect(got).toEqual(['data: a\n\n', 'data: b\n\n', 'data: c\n\n', 'data: d\n\n']);
  });

  test('an OpenAI stream that asks for usage gets the usage chunk', async () => {
    const r = SCENARIOS.find((s) => s.name === 'direct-stream')!.request;
    const res = await fetch(mockOrigin + r.path, { method: 'POST', headers: r.headers, body: r.body });
    expect(await res.text()).toContain('"usage":{"prompt_tokens":24');
  });

  test('a paced model sends its first token at once, then holds the rest', async () => {
    const r = SCENARIOS.find((s) => s.name === 'direct-stream')!.pacedRequest;
    const start = performance.now();
    const res = await fetch(mockOrigin + r.path, { method: 'POST', headers: r.headers, body: r.body });
    const { firstMs, text } = await timedRead(res, start);
    const total = performance.now() - start;
    expect(firstMs).toBeLessThan(PACE_MS / 2);
    expect(total).toBeGreaterThanOrEqual(PACE_MS - 5);
    expect(text).toContain('data: [DONE]');
  });

  test('Gemini streamGenerateContent without alt=sse is one JSON array', async () => {
    const res = await fetch(`${mockOrigin}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, { method: 'POST', body: '{}' });
    const parsed = JSON.parse(await res.text()) as unknown[];
    expect(parsed).toHaveLength(5);
  });

  test('an unknown path is 404', async () => {
    const res = await fetch(`${mockOrigin}/v2/nothing`, { method: 'POST', body: '{}' });
    await res.arrayBuffer();
    expect(res.status).toBe(404);
  });
});

describe('forwarder', () => {
  test('relays the upstream status and content type', async () => {
    const res = await fetch(`${forwarderOrigin}/v2/nothing`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('not found');
  });
});

describe('Bun load client', () => {
  test('drives a server for the given time and reports counts, latency and time to first byte', async () => {
    const s = SCENARIOS.find((x) => x.name === 'forwarder-stream')!;
    const r = await runBunLoad({ origin: forwarderOrigin, requests: [s.request], connections: 4, durationS: 0.3, ttfb: true });
    expect(r.generator).toBe('bun');
    expect(r.requests).toBeGreaterThan(10);
    expect(r.errors).toBe(0);
    expect(r.durationS).toBeGreaterThanOrEqual(0.3);
    expect(r.rps).toBeCloseTo(r.requests / r.durationS, 5);
    expect(r.latencyUs.p50).toBeGreaterThan(0);
    expect(r.latencyUs.p99).toBeGreaterThanOrEqual(r.latencyUs.p50);
    expect(r.ttfbUs!.p50).toBeLessThanOrEqual(r.latencyUs.p50 * 1.05);
  });

  test('counts non-2xx replies as errors', async () => {
    const r = await runBunLoad({
      origin: mockOrigin,
      requests: [{ method: 'POST', path: '/v2/nothing', headers: {}, body: '{}' }],
      connections: 1,
      durationS: 0.1,
    });
    expect(r.requests).toBeGreaterThan(0);
    expect(r.errors).toBe(r.requests);
  });
});
