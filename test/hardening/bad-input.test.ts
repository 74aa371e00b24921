import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

/**
 * Bad input of issue 8, one test each: every case gets a 4xx in the client's protocol that names the
 * problem, and nothing reaches an upstream.
 */
let s: Stack;
let small: TestProxy;
beforeAll(async () => {
  s = await startStack();
  small = await startProxy([
    '--model-provider', 'openai-custom', '--openai-base-url', s.openai.url, '--openai-api-key', s.openai.key,
    '--max-body-bytes', String(64 * 1024), '--max-json-depth', '10',
  ]);
});
afterAll(async () => {
  await small.stop();
  await s.stop();
});

type P = 'openai' | 'anthropic' | 'gemini';
const PATHS: Record<P, string> = {
  openai: '/v1/chat/completions',
  anthropic: '/v1/messages',
  gemini: '/v1beta/models/gemini-2.5-flash:generateContent',
};
const VALID: Record<P, Record<string, unknown>> = {
  openai: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
  anthropic: { model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
  gemini: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
};

function upstreamCalls(): number {
  return s.openai.calls.length + s.claude.calls.length + s.gemini.calls.length;
}

async function send(p: P, body: RequestInit['body'], headers: Record<string, string> = {}, base = s.proxy): Promise<{ status: number; message: string; json: Record<string, unknown> }> {
  const res = await fetch(`${base.url}${PATHS[p]}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${base.key}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, message: errorMessage(p, json), json };
}

/** The error message, read the way each protocol's SDK reads it (so the shape is checked too). */
function errorMessage(p: P, json: Record<string, unknown>): string {
  const err = json.error as Record<string, unknown> | undefined;
  if (p === 'anthropic') {
    expect(json.type).toBe('error');
    expect(typeof err?.type).toBe('string');
  } else if (p === 'gemini') {
    expect(typeof err?.status).toBe('string');
    expect(typeof err?.code).toBe('number');
  } else {
    expect(typeof err?.type).toBe('string');
  }
  return String(err?.message ?? '');
}

/** Sends `body` as each protocol and expects the same 4xx naming `words`, with no upstream call. */
async function refusedEverywhere(make: (p: P) => RequestInit['body'], status: number, words: string, headers?: Record<string, string>): Promise<void> {
  for (const p of ['openai', 'anthropic', 'gemini'] as const) {
    const before = upstreamCalls();
    const r = await send(p, make(p), headers);
    expect({ p, status: r.status }).toEqual({ p, status });
    expect(r.message).toContain(words);
    expect(upstreamCalls()).toBe(before);
  }
}

const withField = (p: P, field: string, value: unknown): string => JSON.stringify({ ...VALID[p], [field]: value });

describe('bad request bodies', () => {
  test('invalid JSON', async () => {
    await refusedEverywhere(() => '{"model": "gpt-4o", "messages": [', 400, 'not valid JSON');
  });

  test('wrong types', async () => {
    await refusedEverywhere((p) => withField(p, p === 'gemini' ? 'contents' : 'messages', 'hello'), 400, 'expected an array');
  });

  test('missing required fields', async () => {
    const r = await send('anthropic', JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] }));
    expect([r.status, r.message]).toEqual([400, 'max_tokens: Field required']);
    const o = await send('openai', JSON.stringify({ model: 'gpt-4o' }));
    expect([o.status, o.message]).toEqual([400, 'messages: Field required']);
    const g = await send('gemini', JSON.stringify({ generationConfig: {} }));
    expect([g.status, g.message]).toEqual([400, 'contents: Field required']);
    const m = await send('openai', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }));
    expect([m.status, m.message]).toEqual([400, 'model: required string']);
  });

  test('empty messages', async () => {
    await refusedEverywhere((p) => withField(p, p === 'gemini' ? 'contents' : 'messages', []), 400, 'must contain at least one message');
  });

  test('unknown roles', async () => {
    await refusedEverywhere(
      (p) => withField(p, p === 'gemini' ? 'contents' : 'messages', [p === 'gemini' ? { role: 'wizard', parts: [{ text: 'x' }] } : { role: 'wizard', content: 'x' }]),
      400,
      '.0.role: expected one of',
    );
  });

  test('absurd values: max_tokens -1, 10^12, "NaN"; temperature out of range', async () => {
    for (const v of [-1, 1e12, 'NaN', 1.5]) {
      const o = await send('openai', withField('openai', 'max_tokens', v));
      expect([o.status, o.message.split(',')[0]]).toEqual([400, 'max_tokens: expected an integer from 1 to 2147483647']);
      const a = await send('anthropic', withField('anthropic', 'max_tokens', v));
      expect(a.status).toBe(400);
      expect(a.message).toStartWith('max_tokens:');
      const g = await send('gemini', withField('gemini', 'generationConfig', { maxOutputTokens: v }));
      expect(g.status).toBe(400);
      expect(g.message).toStartWith('generationConfig.maxOutputTokens:');
    }
    const t = await send('anthropic', withField('anthropic', 'temperature', 7));
    expect([t.status, t.message]).toEqual([400, 'temperature: expected a number from 0 to 1, got 7']);
  });

  test('bytes that are not UTF-8', async () => {
    await refusedEverywhere((p) => {
      const text = JSON.stringify(VALID[p]);
      const bytes = new TextEncoder().encode(text);
      const i = text.indexOf('hi');
      bytes[i] = 0xc3; // a lead byte followed by an ASCII byte: invalid UTF-8
      return bytes;
    }, 400, 'not valid UTF-8');
  });

  test('a giant string over limits.max_body_bytes: 413, with or without content-length, compressed or not', async () => {
    const giant = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
    for (const p of ['openai', 'anthropic', 'gemini'] as const) {
      const before = upstreamCalls();
      const r = await send(p, giant, {}, small);
      expect([r.status, r.message]).toEqual([413, 'request body is larger than 65536 bytes (limits.max_body_bytes)']);
      expect(upstreamCalls()).toBe(before);
    }
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(i === 0 ? giant.slice(0, 20000) : 'x'.repeat(20000)));
        c.close();
      },
    });
    const c = await send('openai', chunked, {}, small);
    expect(c.status).toBe(413);
    // A small gzip body that inflates past the limit (counted after decompression).
    const bomb = gzipSync(Buffer.from(giant));
    expect(bomb.length).toBeLessThan(4096);
    const z = await send('openai', bomb, { 'content-encoding': 'gzip' }, small);
    expect([z.status, z.message]).toEqual([413, 'request body is larger than 65536 bytes (limits.max_body_bytes)']);
    // Within the limit, gzip is read as JSON like any body.
    const ok = await fetch(`${small.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${small.key}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JSON.stringify(VALID.openai))),
    });
    expect(ok.status).toBe(200);
  });

  test('zstd (Codex signed in with ChatGPT compresses with it) and br bodies are read; their bombs are a 413 too', async () => {
    const giant = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
    const compress: Record<string, (b: Uint8Array) => Uint8Array> = { zstd: (b) => Bun.zstdCompressSync(b), br: (b) => brotliCompressSync(b) };
    for (const [encoding, squeeze] of Object.entries(compress)) {
      const before = s.openai.calls.length;
      const ok = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${small.key}`, 'content-type': 'application/json', 'content-encoding': encoding },
        body: squeeze(new TextEncoder().encode(JSON.stringify({ ...VALID.openai, messages: [{ role: 'user', content: 'héllo, 世界' }] }))),
      });
      expect({ encoding, status: ok.status }).toEqual({ encoding, status: 200 });
      await ok.arrayBuffer();
      expect(s.openai.calls.length).toBe(before + 1);
      // The upstream gets plain JSON, not the client's encoding.
      expect(JSON.stringify(s.openai.calls.at(-1)!.body)).toContain('héllo, 世界');
      const bomb = squeeze(new TextEncoder().encode(giant));
      expect(bomb.length).toBeLessThan(4096);
      const z = await send('openai', bomb, { 'content-encoding': encoding }, small);
      expect([encoding, z.status, z.message]).toEqual([encoding, 413, 'request body is larger than 65536 bytes (limits.max_body_bytes)']);
      const broken = await send('openai', new Uint8Array([1, 2, 3, 4, 5]), { 'content-encoding': encoding }, small);
      expect([encoding, broken.status, broken.message]).toEqual([encoding, 400, `request body could not be decompressed as ${encoding}`]);
    }
  });

  test('deeply nested JSON', async () => {
    const deep = (p: P): string => withField(p, 'metadata', JSON.parse('{"a":'.repeat(100) + '1' + '}'.repeat(100)));
    await refusedEverywhere(deep, 400, 'more than 64 levels deep (limits.max_json_depth)');
    const r = await send('openai', JSON.stringify({ ...VALID.openai, x: [[[[[[[[[[[1]]]]]]]]]]] }), {}, small);
    expect([r.status, r.message]).toEqual([400, 'request body nests objects and arrays more than 10 levels deep (limits.max_json_depth)']);
  });

  test('wrong content type: 415 saying what to send', async () => {
    await refusedEverywhere((p) => JSON.stringify(VALID[p]), 415, 'send the request as JSON with content-type: application/json', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const form = new FormData();
    form.set('model', 'gpt-4o');
    const res = await fetch(`${s.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${s.proxy.key}` }, body: form });
    expect(res.status).toBe(415);
    const unknown = await send('openai', JSON.stringify(VALID.openai), { 'content-encoding': 'compress' });
    expect([unknown.status, unknown.message]).toEqual([415, 'content-encoding compress is not supported; send the body uncompressed, gzip, deflate, zstd or br']);
  });
});

describe('bad requests around the body', () => {
  test('wrong method: 405 naming the allowed one, in the protocol shape', async () => {
    const res = await fetch(`${s.proxy.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('GET is not allowed on /v1/chat/completions; use POST');
    const g = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'PUT', headers: { 'x-goog-api-key': s.proxy.key } });
    expect(g.status).toBe(405);
    expect(((await g.json()) as { error: { status: string } }).error.status).toBeString();
    // /health and /metrics have no prefixed form, so a prefixed path is unknown whatever the method.
    for (const method of ['GET', 'POST']) {
      expect((await fetch(`${s.proxy.url}/claude-custom/health`, { method })).status).toBe(404);
      expect((await fetch(`${s.proxy.url}/claude-custom/metrics`, { method })).status).toBe(404);
    }
  });

  test('GET on a Gemini model action is a 405, not "model not offered"; on either API version, and prefixed', async () => {
    for (const path of ['/v1beta/models/gemini-2.5-flash:generateContent', '/v1/models/gemini-2.5-flash:streamGenerateContent', '/gemini-cli/v1/models/gemini-2.5-flash:countTokens']) {
      const res = await fetch(`${s.proxy.url}${path}`, { headers: { 'x-goog-api-key': s.proxy.key } });
      expect({ path, status: res.status }).toEqual({ path, status: 405 });
      expect(res.headers.get('allow')).toBe('POST');
      const body = (await res.json()) as { error: { status: string; message: string } };
      expect(body.error.status).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toBe(`GET is not allowed on ${path}; use POST`);
    }
  });

  test('path traversal and encoded CR/LF in the Gemini model segment', async () => {
    for (const segment of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..', 'gemini%0d%0ax-injected%3a1', 'a%2Fb', '%E0%A4%A']) {
      const before = upstreamCalls();
      const r = await fetch(`${s.proxy.url}/v1beta/models/${segment}:generateContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
        body: JSON.stringify(VALID.gemini),
      });
      expect({ segment, status: r.status }).toEqual({ segment, status: 400 });
      const body = (await r.json()) as { error: { status: string; message: string } };
      expect(body.error.status).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toMatch(/model/);
      expect(upstreamCalls()).toBe(before);
    }
  });

  test('header values we forward must be plain tokens; a client request id that is not one is replaced', async () => {
    const before = upstreamCalls();
    const r = await send('anthropic', JSON.stringify(VALID.anthropic), { 'anthropic-beta': 'tools-2024"; x-evil=1' });
    expect([r.status, r.message]).toEqual([400, 'anthropic-beta header: expected a comma-separated list of names']);
    expect(upstreamCalls()).toBe(before);
    const res = await fetch(`${s.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'x-request-id': 'a b<script>' },
      body: JSON.stringify(VALID.openai),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9]{20,}$/);
  });

  test('URL and header size limits', async () => {
    const longUrl = await fetch(`${s.proxy.url}/v1/chat/completions?pad=${'a'.repeat(9000)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}` },
      body: JSON.stringify(VALID.openai),
    });
    expect(longUrl.status).toBe(414);
    expect(((await longUrl.json()) as { error: { message: string } }).error.message).toBe('request URL is longer than 8192 characters');
    // Beyond 16 KiB of headers Bun itself answers 431 before any route runs.
    const bigHeader = await fetch(`${s.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'x-pad': 'a'.repeat(20_000) },
      body: JSON.stringify(VALID.openai),
    });
    expect(bigHeader.status).toBe(431);
  });
});
