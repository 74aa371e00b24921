import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.ts';
import { Registry } from '../../src/metrics/registry.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { SOURCE_CMD, startCli, tempDir } from '../lifecycle/cli-process.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';

let s: Stack;
let json: TestProxy;
beforeAll(async () => {
  s = await startStack();
  json = await startProxy(['--model-provider', 'openai-custom,claude-custom', '--openai-base-url', s.openai.url, '--openai-api-key', s.openai.key,
    '--claude-base-url', s.claude.url, '--claude-api-key', s.claude.key, '--log-format', 'json']);
});
afterAll(async () => {
  await json.stop();
  await s.stop();
});

const chat = (p: TestProxy, init: { headers?: Record<string, string>; stream?: boolean } = {}): Promise<Response> =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify({ model: 'gpt-4o', stream: init.stream ?? false, messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('request ids and the request log line', () => {
  test('the client’s x-request-id is returned and on the request’s log line; otherwise one is made', async () => {
    const res = await chat(s.proxy, { headers: { 'x-request-id': 'client-trace-42' } });
    expect(res.headers.get('x-request-id')).toBe('client-trace-42');
    await res.text();
    expect(s.proxy.logs.some((l) => l.includes(' request ') && l.includes('rid=client-trace-42'))).toBe(true);
    const made = await chat(s.proxy);
    const id = made.headers.get('x-request-id')!;
    expect(id).toMatch(/^req_/);
    // The upstream's own id is still there, under another name.
    expect(made.headers.get('x-upstream-request-id')).toMatch(/^req_/);
    expect(made.headers.get('x-upstream-request-id')).not.toBe(id);
  });

  test('a stream’s ttfb_ms is when its first token left, not when it ended', async () => {
    // Six words 60 ms apart: the answer takes ~300 ms, its first token only the upstream's first frame.
    s.openai.queue({ text: 'one two three four five six', chunkDelayMs: 60 });
    const res = await chat(json, { headers: { 'x-request-id': 'ttfb-line-1' }, stream: true });
    await res.text();
    await eventually(() => json.logs.some((l) => l.includes('"rid":"ttfb-line-1"')));
    const line = JSON.parse(json.logs.find((l) => l.includes('"rid":"ttfb-line-1"'))!) as { ttfb_ms: number; ms: number };
    expect(line.ms).toBeGreaterThanOrEqual(250);
    expect(line.ttfb_ms).toBeLessThan(line.ms - 200);
  });

  test('--log-format json: one object per line, with protocol, provider, model, status, ttfb, duration and tokens', async () => {
    const res = await chat(json, { headers: { 'x-request-id': 'json-line-1' }, stream: true });
    await res.text();
    const a = await fetch(`${json.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': json.key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await a.text();
    await eventually(() => json.logs.filter((l) => l.includes('"msg":"request"')).length >= 2);
    const lines = json.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const streamed = lines.find((l) => l.rid === 'json-line-1')!;
    expect(streamed).toMatchObject({ level: 'info', msg: 'request', protocol: 'openai', provider: 'openai-custom', model: 'gpt-4o', status: 200, key: 'default', member: 'openai-custom' });
    expect(typeof streamed.ttfb_ms).toBe('number');
    expect(streamed.ms as number).toBeGreaterThanOrEqual(streamed.ttfb_ms as number);
    const converted = lines.find((l) => l.msg === 'request' && l.protocol === 'anthropic')!;
    expect(converted).toMatchObject({ provider: 'openai-custom', status: 200 });
    expect(converted.in).toBeGreaterThan(0);
    expect(converted.out).toBeGreaterThan(0);
    expect(typeof converted.time).toBe('string');
  });

  test('--log-format json from the start: the default-key warning and the listening line are JSON too', async () => {
    const cli = await startCli(SOURCE_CMD, ['--host', '127.0.0.1', '--port', '0', '--log-format', 'json'], tempDir('aiproxy-jsonlog-'));
    try {
      const lines = cli.log().trimEnd().split('\n');
      expect(lines.some((l) => l.includes('using the default proxy key'))).toBe(true);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      await cli.cleanup();
    }
  });

  test('a model lookup that finds nothing is logged as the 404 the client got; a malformed id is a 400', async () => {
    const get = (path: string, rid: string): Promise<Response> =>
      fetch(`${json.url}${path}`, { headers: { authorization: `Bearer ${json.key}`, 'x-request-id': rid } });
    const missing = await get('/v1/models/no-such-model', 'models-404');
    expect(missing.status).toBe(404);
    const malformed = await get('/v1/models/bad%25E0', 'models-400');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain('percent-escape');
    await eventually(() => ['models-404', 'models-400'].every((rid) => json.logs.some((l) => l.includes(`"rid":"${rid}"`))));
    const line = (rid: string) => JSON.parse(json.logs.find((l) => l.includes(`"rid":"${rid}"`))!) as Record<string, unknown>;
    expect(line('models-404')).toMatchObject({ status: 404, provider: 'openai-custom,claude-custom' });
    expect(line('models-400')).toMatchObject({ status: 400 });
  });

  test('a token count names the provider that counted', async () => {
    const res = await fetch(`${json.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': json.key, 'content-type': 'application/json', 'x-request-id': 'count-line-1' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await eventually(() => json.logs.some((l) => l.includes('"rid":"count-line-1"')));
    const line = JSON.parse(json.logs.find((l) => l.includes('"rid":"count-line-1"'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ status: 200, provider: 'claude-custom', model: 'claude-sonnet-4-5' });
  });

  test('Server-Timing on whole responses states aiproxy’s own overhead; streams do not get it', async () => {
    const res = await chat(s.proxy);
    const timing = res.headers.get('server-timing')!;
    expect(timing).toMatch(/^aiproxy;dur=\d+(\.\d)?;desc="proxy overhead", upstream;dur=\d+(\.\d)?;desc="upstream response time"$/);
    const stream = await chat(s.proxy, { stream: true });
    expect(stream.headers.get('server-timing')).toBeNull();
    await stream.text();
  });

  // nginx's default proxy_buffering holds a stream until kilobytes pile up (mostlygeek/llama-swap#236).
  test('streams, relayed or converted, SSE or Gemini’s JSON array, tell nginx not to buffer them; whole answers do not', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${s.proxy.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];
    const streams = [
      await chat(s.proxy, { stream: true }),
      await post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' }),
      await post('/v1/chat/completions', { model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents }),
      await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', { contents }),
    ];
    for (const res of streams) {
      expect(res.status).toBe(200);
      expect(res.headers.get('x-accel-buffering')).toBe('no');
      await res.text();
    }
    const whole = await chat(s.proxy);
    expect(whole.headers.get('x-accel-buffering')).toBeNull();
    await whole.text();
  });
});

describe('GET /metrics', () => {
  test('needs the proxy key', async () => {
    expect((await fetch(`${s.proxy.url}/metrics`)).status).toBe(401);
  });

  test('Prometheus text: requests, errors, latency and TTFB histograms, tokens, in-flight, pool health', async () => {
    await (await chat(s.proxy)).text();
    // Converted answers are decoded, so their token counts are known.
    await s.anthropicClient.messages.create({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    s.openai.queue({ error: { status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } } });
    await (await chat(s.proxy)).text();
    const res = await fetch(`${s.proxy.url}/metrics`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toMatch(/^aiproxy_requests_total\{protocol="openai",provider="openai-custom",model="gpt-4o",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^aiproxy_request_errors_total\{protocol="openai",provider="openai-custom",model="gpt-4o",status="500"\} [1-9]\d*$/m);
    expect(text).toMatch(/^aiproxy_request_duration_seconds_bucket\{protocol="openai",provider="openai-custom",le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toMatch(/^aiproxy_time_to_first_byte_seconds_count\{protocol="openai",provider="openai-custom"\} [1-9]\d*$/m);
    expect(text).toMatch(/^aiproxy_tokens_total\{provider="openai-custom",model="gpt-4o",direction="input"\} [1-9]\d*$/m);
    expect(text).toMatch(/^aiproxy_requests_in_flight 0$/m);
    expect(text).toMatch(/^aiproxy_pool_member_healthy\{provider="claude-custom",member="claude-custom"\} 1$/m);
    // Memory: the guard's collections from 0 (this app has none), and the process figures Prometheus clients name so.
    expect(text).toMatch(/^# TYPE aiproxy_memory_collections_total counter\naiproxy_memory_collections_total 0$/m);
    const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1]);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(Math.abs(rss - process.memoryUsage.rss())).toBeLessThan(64 * 1024 * 1024);
    const started = Number(/^process_start_time_seconds ([\d.]+)$/m.exec(text)?.[1]);
    expect(started).toBeLessThanOrEqual(Date.now() / 1000);
    expect(started).toBeGreaterThan(Date.now() / 1000 - 3600);
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="([^"\\\n]|\\.)*",?)*\})? ([0-9.e+-]+|\+Inf|NaN))$/);
    }
    expect(text).not.toContain(s.openai.key);
  });

  test('thousands of made-up model names make no series of their own, and take nothing from real models', () => {
    const m = new ProxyMetrics({ inFlight: () => 0, members: () => [] });
    const seen = (o: { model: string; status: number; protocol?: string }): void =>
      m.observe({ protocol: o.protocol ?? 'openai', provider: 'openai-custom', model: o.model, status: o.status, failed: o.status >= 400, durationMs: 5, inputTokens: 1 });
    seen({ model: 'gpt-4o', status: 200 });
    for (let i = 0; i < 3000; i++) seen({ model: `no-such-model-${i}`, status: 404 });
    // A real model's first failure after the flood keeps all its labels.
    seen({ model: 'gpt-4o', status: 500 });
    seen({ model: 'claude-sonnet-4-6', status: 200, protocol: 'responses' });
    const text = m.render();
    const series = (name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name}{`));
    expect(series('aiproxy_requests_total').length).toBeLessThan(10);
    expect(text).toContain('aiproxy_requests_total{protocol="openai",provider="openai-custom",model="_other",status="404"} 3000');
    expect(text).toContain('aiproxy_request_errors_total{protocol="openai",provider="openai-custom",model="gpt-4o",status="500"} 1');
    expect(text).toContain('aiproxy_requests_total{protocol="responses",provider="openai-custom",model="claude-sonnet-4-6",status="200"} 1');
    expect(text).not.toContain('no-such-model');
    // Models that do get answers are counted by name, up to a bound.
    for (let i = 0; i < 1000; i++) seen({ model: `accepted-${i}`, status: 200 });
    expect(series('aiproxy_requests_total').length).toBeLessThanOrEqual(260);
    expect(series('aiproxy_tokens_total').length).toBeLessThanOrEqual(260);
  });

  test('label values from clients are escaped and their number is capped', () => {
    const r = new Registry(3);
    const c = r.counter('x_total', 'help', ['model']);
    c.inc(['a"b\\c\nd']);
    for (let i = 0; i < 10; i++) c.inc([`m${i}`]);
    const text = r.render();
    expect(text).toContain('x_total{model="a\\"b\\\\c\\nd"} 1');
    expect(text).toContain('x_total{model="_other"} 8');
    // Three label sets, then everything else under one `_other`.
    expect(text.split('\n').filter((l) => l.startsWith('x_total{')).length).toBe(4);
  });
});
