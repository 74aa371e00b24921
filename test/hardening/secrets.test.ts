import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scrubChunk, scrubSecrets } from '../../src/upstream/scrub.ts';
import { openaiChunk, SSE_HEAD, startFaultServer, type FaultServer } from '../helpers/fault-upstream.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const post = (p: TestProxy, path: string, body: unknown, key = p.key): Promise<Response> =>
  fetch(`${p.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const oa = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

describe('upstream credentials never reach a client or a log', () => {
  let mock: MockServer;
  let echo: FaultServer;
  let wrongKey: TestProxy;
  let echoing: TestProxy;
  const WRONG = 'sk-proj-wrongwrongwrongwrong-9876';
  const ECHOED = 'sk-echoed-upstream-secret-5555';

  beforeAll(async () => {
    mock = await startOpenAIMock();
    wrongKey = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', mock.url, '--openai-api-key', WRONG]);
    echo = await startFaultServer((c) => {
      const body = JSON.stringify({ error: { message: `key ${ECHOED} is not allowed for ${c.request.headers.authorization}`, type: 'invalid_request_error', param: null, code: null } });
      c.head(403, { 'content-type': 'application/json', 'x-request-id': 'up-1' });
      c.write(body);
      c.socket.end();
    });
    echoing = await startProxy(['--model-provider', 'openai-custom,claude-custom', '--openai-base-url', `${echo.url}/v1`, '--openai-api-key', ECHOED,
      '--claude-base-url', mock.url, '--claude-api-key', 'sk-ant-not-used-000000']);
  });
  afterAll(async () => {
    await Promise.all([wrongKey.stop(), echoing.stop(), mock.stop(), echo.stop()]);
  });

  test('OpenAI’s starred-out echo of a wrong key is blanked out of the relayed error', async () => {
    const res = await post(wrongKey, '/v1/chat/completions', oa);
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain('Incorrect API key provided: [redacted]');
    expect(text).not.toContain(WRONG.slice(0, 8));
    expect(text).not.toContain(WRONG.slice(-4));
  });

  test('a key echoed whole is scrubbed from relayed and converted errors, /pools and every log line', async () => {
    const relayed = await (await post(echoing, '/v1/chat/completions', oa)).text();
    expect(relayed).toContain('[redacted]');
    expect(relayed).not.toContain(ECHOED);
    const converted = await post(echoing, '/v1/messages', { model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(converted.status).toBe(403);
    const ct = await converted.text();
    expect(ct).toContain('[redacted]');
    expect(ct).not.toContain(ECHOED);
    const pools = await (await fetch(`${echoing.url}/pools`, { headers: { authorization: `Bearer ${echoing.key}` } })).text();
    expect(pools).not.toContain(ECHOED);
    const logs = echoing.logs.join('\n');
    expect(logs).not.toContain(ECHOED);
    expect(logs).not.toContain(echoing.key);
  });

  test('scrubbing also catches JSON-escaped copies and leaves ordinary text alone', () => {
    expect(scrubSecrets('{"k":"a\\"b-secret-value"}', ['a"b-secret-value'])).toBe('{"k":"[redacted]"}');
    expect(scrubSecrets('rate limited: 12 requests', ['some-long-key-123'])).toBe('rate limited: 12 requests');
  });
});

describe('a key an upstream echoes inside a 200 (an error body or an in-band stream error) is blanked out too', () => {
  // Compatible servers that answer errors with a 200 (a JSON error body, or an error event inside the
  // stream) are relayed and converted as errors; the key they may echo must not go with them.
  const KEY = 'sk-inband-upstream-secret-4242';
  let echo: FaultServer;
  let p: TestProxy;
  beforeAll(async () => {
    echo = await startFaultServer((c) => {
      const error = { error: { message: `upstream failed for key ${KEY} (${c.request.headers.authorization})`, type: 'server_error', code: 'x' } };
      const asked = JSON.parse(c.request.body) as { stream?: boolean; user?: string };
      if (c.request.body.includes('about the key')) {
        // An answer, not an error, that holds the key's text: a local server's placeholder key, asked about.
        c.head(200, SSE_HEAD);
        c.write(openaiChunk(`Set api_key="${KEY}"; if you get an error, check that "error": {"code"} is not shown ****.`));
        c.write(openaiChunk('', 'stop'));
        c.write('data: [DONE]\n\n');
      } else if (asked.stream) {
        c.head(200, SSE_HEAD);
        c.write(openaiChunk('hel'));
        c.write(`data: ${JSON.stringify(error)}\n\n`);
      } else {
        // With a stated length (read whole) or without one (until the connection closes).
        const text = JSON.stringify(error);
        c.head(200, { 'content-type': 'application/json', ...(asked.user === 'sized' ? { 'content-length': String(Buffer.byteLength(text)) } : {}) });
        c.write(text);
      }
      c.socket.end();
    });
    p = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${echo.url}/v1`, '--openai-api-key', KEY]);
  });
  afterAll(async () => {
    await Promise.all([p.stop(), echo.stop()]);
  });

  const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
  const messages = { model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] };
  for (const [name, path, body] of [
    ['a relayed stream', '/v1/chat/completions', { ...chat, stream: true }],
    ['a converted stream', '/v1/messages', { ...messages, stream: true }],
    ['a converted whole answer', '/v1/messages', messages],
    ['a converted Responses stream', '/v1/responses', { model: 'gpt-4o', input: 'hi', stream: true }],
  ] as const) {
    test(name, async () => {
      const text = await (await post(p, path, body)).text();
      expect(text).toContain('upstream failed for key [redacted] (Bearer [redacted])');
      expect(text).not.toContain(KEY);
    });
  }

  test('a chunk that holds an error and answer text loses only the keys in it, never starred-out text', () => {
    // A Responses event echoes the request's tools as raw JSON (one with an "error" property), beside the answer.
    const echo: string = `event: response.completed\ndata: {"response":{"tools":[{"parameters":{"properties":{"error":{"type":"string"}}}}],"output_text":"Your password is shown as ******** in the log."}}\n\n`;
    expect(scrubChunk(echo, [KEY])).toBe(echo);
    expect(new TextDecoder().decode(scrubChunk(new TextEncoder().encode(echo), [KEY]))).toBe(echo);
    const error: string = `data: {"error":{"message":"bad key ${KEY}, shown as sk-****4242"}}\n\n`;
    expect(scrubChunk(error, [KEY])).toBe('data: {"error":{"message":"bad key [redacted], shown as sk-****4242"}}\n\n');
  });

  test('an answer that holds the key’s text (not an error) goes as it came, relayed or converted', async () => {
    const ask = [{ role: 'user', content: 'about the key' }];
    const relayed = await (await post(p, '/v1/chat/completions', { ...chat, messages: ask, stream: true })).text();
    expect(relayed).toContain(`Set api_key=\\"${KEY}\\"; if you get an error, check that \\"error\\": {\\"code\\"} is not shown ****.`);
    const converted = await (await post(p, '/v1/messages', { ...messages, messages: ask, stream: true })).text();
    expect(converted).toContain(KEY);
    expect(converted).not.toContain('[redacted]');
  });

  test('nor kept as the member’s last error (/pools, pool.state_file), nor logged', async () => {
    for (const body of [{ ...chat, stream: true }, chat]) await (await post(p, '/v1/chat/completions', body)).text();
    const pools = await (await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } })).text();
    expect(pools).toContain('upstream failed for key [redacted]');
    expect(pools).not.toContain(KEY);
    expect(p.logs.join('\n')).not.toContain(KEY);
  });
});

describe('api_keys: teams told apart and limited', () => {
  let s: Stack;
  beforeAll(async () => {
    const cfg = join(dir, 'keys.yaml');
    writeFileSync(
      cfg,
      [
        'api_keys:',
        '  - name: team-a',
        '    key: team-a-key-0123456789',
        '    allowed_providers: [claude-custom]',
        '  - name: team-b',
        '    key: team-b-key-0123456789',
        '    allowed_models: [gpt-4o-*, gemini-2.5-flash]',
      ].join('\n'),
    );
    s = await startStack('openai-custom,claude-custom,gemini-cli', ['--config', cfg]);
  });
  afterAll(() => s.stop());

  const as = (key: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${s.proxy.url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test('each key works within its limits, and the log names the key, never shows it', async () => {
    const a = await as('team-a-key-0123456789', '/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(a.status).toBe(200);
    const b = await as('team-b-key-0123456789', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(b.status).toBe(200);
    const logs = s.proxy.logs.filter((l) => l.includes(' request '));
    expect(logs.some((l) => l.includes('key=team-a') && l.includes('status=200'))).toBe(true);
    expect(logs.some((l) => l.includes('key=team-b'))).toBe(true);
    expect(s.proxy.logs.join('\n')).not.toContain('team-a-key-0123456789');
  });

  test('a provider or model outside the key’s limits is a 403 in the client’s protocol', async () => {
    const before = s.openai.calls.length;
    const a = await as('team-a-key-0123456789', '/v1/chat/completions', oa);
    expect(a.status).toBe(403);
    expect(((await a.json()) as { error: { message: string } }).error.message).toBe('the key "team-a" may not use provider openai-custom; it may use claude-custom');
    const b = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-pro:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'team-b-key-0123456789' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(b.status).toBe(403);
    expect(((await b.json()) as { error: { status: string; message: string } }).error).toMatchObject({ status: 'PERMISSION_DENIED', message: 'the key "team-b" may not use model gemini-2.5-pro' });
    expect(s.openai.calls.length).toBe(before);
  });

  test('api_key set alongside stays valid, logged as "default"; any other key opens nothing', async () => {
    expect((await as(s.proxy.key, '/v1/chat/completions', oa)).status).toBe(200);
    expect(s.proxy.logs.some((l) => l.includes(' request ') && l.includes('key=default'))).toBe(true);
    expect((await as('123456', '/v1/chat/completions', oa)).status).toBe(401);
  });
});
