import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { configError } from '../helpers/config-error.ts';
import { loadConfig } from '../../src/config/load.ts';
import { manualSource } from '../helpers/manual-stream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const APP = 'https://app.example.com';
const VITE = 'http://localhost:5173';
const EVIL = 'https://evil.example.net';
const chatBody = (stream = false) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream });
/** What the OpenAI SDK in a browser asks for before its first call. */
const SDK_HEADERS = 'authorization,content-type,x-stainless-arch,x-stainless-lang,x-stainless-retry-count,x-model-provider';

function preflightOf(proxy: TestProxy, path: string, origin: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(proxy.url + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': SDK_HEADERS, ...extra },
  });
}

function chat(proxy: TestProxy, origin: string | undefined, key = proxy.key, stream = false): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (origin) headers.origin = origin;
  if (key) headers.authorization = `Bearer ${key}`;
  return fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody(stream) });
}

const exposed = (res: Response) => (res.headers.get('access-control-expose-headers') ?? '').split(/\s*,\s*/);

describe('CORS off (the default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  test('a preflight is refused as before (405), and no response carries Access-Control-* headers', async () => {
    expect(stack.proxy.config.corsOrigin).toEqual([]);
    const pre = await preflightOf(stack.proxy, '/v1/chat/completions', APP);
    expect(pre.status).toBe(405);
    expect(pre.headers.get('allow')).toBe('POST');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    await pre.arrayBuffer();
    const other = await preflightOf(stack.proxy, '/nowhere', APP);
    expect(other.status).toBe(404);
    await other.arrayBuffer();

    const res = await chat(stack.proxy, APP);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    for (const name of res.headers.keys()) expect(name).not.toStartWith('access-control-');
    expect(res.headers.get('vary')).toBeNull();
    await res.arrayBuffer();
  });
});

describe('cors_origin: *', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(undefined, ['--cors-origin', '*']);
  });
  afterAll(() => stack.stop());

  test('a preflight on any path is 204 with the allow headers, without a key', async () => {
    for (const path of ['/v1/chat/completions', '/v1/messages', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', '/claude-custom/v1/messages', '/nowhere']) {
      const res = await preflightOf(stack.proxy, path, APP);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE, OPTIONS');
      expect(res.headers.get('access-control-allow-headers')).toBe(SDK_HEADERS);
      expect(res.headers.get('access-control-max-age')).toBe('86400');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(await res.text()).toBe('');
    }
  });

  test('an OPTIONS that is not a preflight is routed as before', async () => {
    const res = await fetch(`${stack.proxy.url}/v1/chat/completions`, { method: 'OPTIONS' });
    expect(res.status).toBe(405);
    await res.arrayBuffer();
  });

  test('answers, errors and 401s carry the allow and expose headers, with or without an Origin', async () => {
    const ok = await chat(stack.proxy, APP);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect(ok.headers.get('vary')).toBeNull();
    expect(exposed(ok)).toEqual(expect.arrayContaining(['x-request-id', 'retry-after', 'x-upstream-request-id', 'server-timing', 'x-ratelimit-remaining-requests']));
    await ok.arrayBuffer();

    const unauthorized = await chat(stack.proxy, EVIL, 'wrong');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*');
    expect(exposed(unauthorized)).toContain('x-request-id');
    await unauthorized.arrayBuffer();

    const notFound = await fetch(`${stack.proxy.url}/v1/nowhere`, { headers: { origin: APP } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('access-control-allow-origin')).toBe('*');
    await notFound.arrayBuffer();

    const health = await fetch(`${stack.proxy.url}/health`, { headers: { origin: APP } });
    expect(health.headers.get('access-control-allow-origin')).toBe('*');
    await health.arrayBuffer();

    const noOrigin = await chat(stack.proxy, undefined);
    expect(noOrigin.headers.get('access-control-allow-origin')).toBe('*');
    await noOrigin.arrayBuffer();
  });
});

describe('cors_origin: a list of origins', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(undefined, ['--cors-origin', `${APP}, ${VITE}/`]);
  });
  afterAll(() => stack.stop());

  test('a preflight from a listed origin is 204 with that origin echoed, without a key', async () => {
    for (const origin of [APP, VITE]) {
      const res = await preflightOf(stack.proxy, '/v1/chat/completions', origin, { 'access-control-request-private-network': 'true' });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('vary')).toBe('Origin');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE, OPTIONS');
      expect(res.headers.get('access-control-allow-headers')).toBe(SDK_HEADERS);
      expect(res.headers.get('access-control-allow-private-network')).toBe('true');
      expect(res.headers.get('access-control-max-age')).toBe('86400');
    }
  });

  test('a preflight from another origin is 204 without the allow headers', async () => {
    const res = await preflightOf(stack.proxy, '/v1/chat/completions', EVIL);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    expect(res.headers.get('vary')).toBe('Origin');
  });

  test('a POST from a listed origin has its origin echoed and x-request-id exposed; a 401 too', async () => {
    const ok = await chat(stack.proxy, APP);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('vary')).toBe('Origin');
    expect(ok.headers.get('x-request-id')).toBeTruthy();
    expect(exposed(ok)).toContain('x-request-id');
    expect((await ok.json()) as object).toHaveProperty('choices');

    const unauthorized = await chat(stack.proxy, VITE, ''); // no key at all
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(VITE);
    expect(exposed(unauthorized)).toContain('x-request-id');
    expect(unauthorized.headers.get('x-request-id')).toBeTruthy();
    await unauthorized.arrayBuffer();

    // An Anthropic-shaped 401 and a converted answer (Anthropic client, OpenAI upstream) alike.
    const ant = await fetch(`${stack.proxy.url}/openai-custom/v1/messages`, {
      method: 'POST',
      headers: { origin: APP, 'x-api-key': stack.proxy.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(ant.status).toBe(200);
    expect(ant.headers.get('access-control-allow-origin')).toBe(APP);
    await ant.arrayBuffer();
  });

  test('another origin gets no allow headers on an answer, though the answer itself is unchanged', async () => {
    const res = await chat(stack.proxy, EVIL);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
    expect(res.headers.get('vary')).toBe('Origin');
    await res.arrayBuffer();
    // Exact match only: a prefix, another port or another scheme is another origin.
    for (const origin of [`${APP}.evil.net`, 'http://app.example.com', 'http://localhost:5174', 'null']) {
      const r = await chat(stack.proxy, origin);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      await r.arrayBuffer();
    }
  });

  test('a streamed answer carries the headers and still streams', async () => {
    const res = await chat(stack.proxy, APP, stack.proxy.key, true);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toStartWith('text/event-stream');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(exposed(res)).toContain('x-request-id');
    const text = await res.text();
    expect(text).toContain('chat.completion.chunk');
    expect(text.trimEnd()).toEndWith('data: [DONE]');
  });
});

describe('CORS on a stream that is still being written', () => {
  const src = manualSource();
  let upstream: ReturnType<typeof Bun.serve>;
  let proxy: TestProxy;
  beforeAll(async () => {
    upstream = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => new Response(src.stream, { headers: { 'content-type': 'text/event-stream' } }),
    });
    proxy = await startProxy(['--cors-origin', APP, '--openai-base-url', `http://127.0.0.1:${upstream.port}/v1`, '--openai-api-key', 'k']);
  });
  afterAll(async () => {
    await proxy.stop();
    await upstream.stop(true);
  });

  test('headers and the first event arrive before the upstream has finished', async () => {
    const event = (content: string) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content } }] })}\n\n`;
    src.push(event('Hel'));
    const res = await chat(proxy, APP, proxy.key, true);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('Hel')) {
      const { done, value } = await reader.read();
      expect(done).toBe(false);
      seen += decoder.decode(value, { stream: true });
    }
    expect(seen).not.toContain('lo!');
    src.push(event('lo!'));
    src.push('data: [DONE]\n\n');
    src.close();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    expect(seen).toContain('lo!');
    expect(seen).toContain('[DONE]');
  });
});

describe('reload', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startProxy([]);
  });
  afterAll(() => proxy.stop());

  test('cors_origin is applied by a reload, on and off again', async () => {
    const configWith = (flags: string[]) =>
      loadConfig({ flags: parseArgs(['--api-key', proxy.key, '--log-level', 'debug', ...flags]).flags, env: {}, cwd: '/nonexistent' });
    expect((await preflightOf(proxy, '/v1/models', APP)).status).toBe(405);
    proxy.app.reload(configWith(['--cors-origin', APP]));
    const on = await preflightOf(proxy, '/v1/models', APP);
    expect(on.status).toBe(204);
    expect(on.headers.get('access-control-allow-origin')).toBe(APP);
    const models = await fetch(`${proxy.url}/v1/models`, { headers: { origin: APP, authorization: `Bearer ${proxy.key}` } });
    expect(models.headers.get('access-control-allow-origin')).toBe(APP);
    await models.arrayBuffer();
    proxy.app.reload(configWith([]));
    const off = await preflightOf(proxy, '/v1/models', APP);
    expect(off.status).toBe(405);
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    await off.arrayBuffer();
  });

  test('* with the public default key is warned about', () => {
    const warning = () => proxy.logs.filter((l) => l.includes('any web page you visit can use this proxy'));
    proxy.app.reload(loadConfig({ flags: parseArgs(['--api-key', proxy.key, '--cors-origin', '*']).flags, env: {}, cwd: '/nonexistent' }));
    expect(warning()).toEqual([]);
    proxy.app.reload(loadConfig({ flags: parseArgs(['--cors-origin', '*']).flags, env: {}, cwd: '/nonexistent' }));
    expect(warning()).toHaveLength(1);
  });
});

describe('cors_origin setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-cors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ flags: parseArgs(argv).flags, env, cwd: join(dir, 'nowhere') });

  test('read from flag, env and config.yaml (a string or a list), origins as browsers send them', () => {
    expect(load([]).corsOrigin).toEqual([]);
    expect(load(['--cors-origin', '*']).corsOrigin).toEqual(['*']);
    expect(load([], { AIPROXY_CORS_ORIGIN: 'https://App.Example.com:443/, http://localhost:5173' }).corsOrigin).toEqual([APP, VITE]);
    expect(load(['--cors-origin', 'chrome-extension://abcdefgh,tauri://localhost']).corsOrigin).toEqual(['chrome-extension://abcdefgh', 'tauri://localhost']);
    const listed = join(dir, 'list.yaml');
    writeFileSync(listed, `cors_origin: [${APP}, ${VITE}]\n`);
    expect(load(['--config', listed]).corsOrigin).toEqual([APP, VITE]);
    const star = join(dir, 'star.yaml');
    writeFileSync(star, 'cors_origin: "*"\n');
    expect(load(['--config', star]).corsOrigin).toEqual(['*']);
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, 'cors_origin: ""\n');
    expect(load(['--config', empty]).corsOrigin).toEqual([]);
  });

  test('a value that is not * or a list of origins stops start-up, naming the key', () => {
    expect(configError(() => load(['--cors-origin', 'https://app.example.com/chat']))).toContain('--cors-origin: "https://app.example.com/chat" is not an origin');
    expect(configError(() => load([], { AIPROXY_CORS_ORIGIN: 'app.example.com' }))).toStartWith('AIPROXY_CORS_ORIGIN: "app.example.com" is not an origin');
    expect(configError(() => load(['--cors-origin', 'https://a.example?x=1']))).toContain('is not an origin');
    expect(configError(() => load(['--cors-origin', 'https://user@a.example']))).toContain('is not an origin');
    expect(configError(() => load(['--cors-origin', 'null']))).toContain('is not an origin');
    expect(configError(() => load(['--cors-origin', `*,${APP}`]))).toContain('--cors-origin: * already allows every origin');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `cors_origin: [${APP}, ${APP}/v1]\n`);
    expect(configError(() => load(['--config', bad]))).toContain('cors_origin: "https://app.example.com/v1" is not an origin');
    const wrongType = join(dir, 'type.yaml');
    writeFileSync(wrongType, 'cors_origin: true\n');
    expect(configError(() => load(['--config', wrongType]))).toContain('cors_origin');
  });
});
