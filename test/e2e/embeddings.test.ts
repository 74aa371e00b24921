/**
 * Embeddings through aiproxy, end to end, with the official SDKs as clients:
 * - OpenAI clients (`POST /v1/embeddings`): passed through unchanged to openai-custom; converted to
 *   `:batchEmbedContents` for gemini-cli (floats or base64 float32 back, as the client asked); refused
 *   with a 400 for claude-custom (no embeddings API) and for token arrays to a non-OpenAI upstream.
 * - Gemini clients (`:embedContent`, `:batchEmbedContents`): passed through unchanged to gemini-cli;
 *   converted to OpenAI's `/embeddings` for openai-custom.
 * - Only a conversion refuses what it cannot carry: a same-protocol upstream gets and judges the rest
 *   (null or unknown encoding_format, image parts, taskTypes differing within a batch).
 * - Upstream errors reach the client in its own protocol's error shape with the upstream's status;
 *   a 429/5xx on one pool member (on any batch of a converted request) moves the request to the next;
 *   members all cooling down are a 429 even with a fallback that has no embeddings API; no proxy key,
 *   no upstream call.
 * - Without a header or prefix, the provider is chosen among those with an embeddings API.
 * Expected vectors are what the mocks compute for a text (openaiMockEmbedding / geminiMockEmbedding),
 * so a test sees both which upstream answered and that order was kept.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { geminiMockEmbedding, geminiQuotaError, googleError, startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { openaiErrorBody, openaiMockEmbedding, openaiMockEmbeddingTokens, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { geminiClient, rejection } from './gemini-client-helpers.ts';

const OPENAI_MODEL = 'text-embedding-3-small';
const GEMINI_MODEL = 'gemini-embedding-001';
/** Every request a test makes itself gives up after this long. */
const WAIT_MS = 5_000;

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());
beforeEach(() => {
  s.openai.reset();
  s.claude.reset();
  s.gemini.reset();
});

/** POSTs JSON to the proxy with its key (Bearer, or x-goog-api-key for Gemini paths) unless `auth` is false. */
async function post(
  path: string,
  body: unknown,
  opts: { headers?: Record<string, string>; auth?: boolean; gemini?: boolean } = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.auth !== false) {
    if (opts.gemini) headers['x-goog-api-key'] = s.proxy.key;
    else headers.authorization = `Bearer ${s.proxy.key}`;
  }
  const res = await fetch(`${s.proxy.url}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

const openaiVia = (prefix: string, headers: Record<string, string> = {}): OpenAI =>
  new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}${prefix}/v1`, maxRetries: 0, timeout: WAIT_MS, defaultHeaders: headers });

/** Little-endian float32s out of OpenAI's base64 embedding. */
function fromFloat32Base64(b64: string): number[] {
  const bytes = Buffer.from(b64, 'base64');
  expect(bytes.length % 4).toBe(0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** Google's batch body for these texts, the way the contract has aiproxy build it. */
const batchBody = (model: string, texts: string[], dims?: number) => ({
  requests: texts.map((text) => ({
    model: `models/${model}`,
    content: { parts: [{ text }] },
    ...(dims === undefined ? {} : { outputDimensionality: dims }),
  })),
});

/** An OpenAI error object: message and type strings. */
function expectOpenAIError(json: any, status: number, got: number): { message: string } {
  expect(got).toBe(status);
  expect(typeof json?.error?.message).toBe('string');
  expect(typeof json?.error?.type).toBe('string');
  return json.error;
}

/** A Google error object: {code, message, status}. */
function expectGoogleError(json: any, code: number, status: string, got: number): { message: string } {
  expect(got).toBe(code);
  expect(json?.error).toMatchObject({ code, status });
  expect(typeof json.error.message).toBe('string');
  return json.error;
}

describe('OpenAI client → openai-custom: passed through unchanged', () => {
  test('embeddings.create (base64 on the wire by default): decoded vectors in order, usage, body and key as sent', async () => {
    const input = ['first text', 'second text', 'third'];
    const res = await s.openaiClient.embeddings.create({ model: OPENAI_MODEL, input });
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => openaiMockEmbedding(t)));
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(res.model).toBe(OPENAI_MODEL);
    const tokens = openaiMockEmbeddingTokens(input);
    expect(res.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });

    expect(s.openai.calls).toHaveLength(1);
    const call = s.openai.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/v1/embeddings');
    expect(call.headers.authorization).toBe(`Bearer ${s.openai.key}`);
    expect(call.body).toEqual({ model: OPENAI_MODEL, input, encoding_format: 'base64' });
    expect(s.gemini.calls).toHaveLength(0);
  });

  test("encoding_format 'float' with dimensions and user: number vectors of that length; the body arrives as sent", async () => {
    const res = await s.openaiClient.embeddings.create({ model: OPENAI_MODEL, input: 'just one', encoding_format: 'float', dimensions: 4, user: 'user-7' });
    expect(res.data).toHaveLength(1);
    expect(res.data[0]!.embedding).toEqual(openaiMockEmbedding('just one', 4));
    expect(s.openai.calls[0]!.body).toEqual({ model: OPENAI_MODEL, input: 'just one', encoding_format: 'float', dimensions: 4, user: 'user-7' });
  });

  test('token arrays (one, and several) go through unchanged', async () => {
    const one = await s.openaiClient.embeddings.create({ model: OPENAI_MODEL, input: [101, 202, 303], encoding_format: 'float' });
    expect(one.data.map((d) => d.embedding)).toEqual([openaiMockEmbedding([101, 202, 303])]);
    expect(one.usage.prompt_tokens).toBe(3);
    const many = await s.openaiClient.embeddings.create({ model: OPENAI_MODEL, input: [[1, 2], [3]] });
    expect(many.data.map((d) => d.embedding)).toEqual([openaiMockEmbedding([1, 2]), openaiMockEmbedding([3])]);
    expect(s.openai.calls.map((c) => (c.body as { input: unknown }).input)).toEqual([[101, 202, 303], [[1, 2], [3]]]);
  });

  test('the /openai-custom prefix and the X-Model-Provider header route there too', async () => {
    const viaPrefix = await openaiVia('/openai-custom').embeddings.create({ model: OPENAI_MODEL, input: 'p', encoding_format: 'float' });
    expect(viaPrefix.data[0]!.embedding).toEqual(openaiMockEmbedding('p'));
    const viaHeader = await post('/v1/embeddings', { model: OPENAI_MODEL, input: ['h'], encoding_format: 'float' }, { headers: { 'x-model-provider': 'openai-custom' } });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.json.data[0].embedding).toEqual(openaiMockEmbedding('h'));
    expect(s.openai.calls).toHaveLength(2);
    expect(s.gemini.calls).toHaveLength(0);
  });

  test("the upstream's 400 (empty input) reaches the client as its 400, in OpenAI's shape", async () => {
    const e = await rejection(() => s.openaiClient.embeddings.create({ model: OPENAI_MODEL, input: '' }));
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.status).toBe(400);
    expect(e.message).toContain("'$.input' is invalid");
  });

  test("a queued upstream 500 reaches the client as a 500 with the upstream's message", async () => {
    s.openai.queue({ error: { status: 500, body: openaiErrorBody({ message: 'The server had an error', type: 'server_error', param: null, code: null }) } });
    const r = await post('/v1/embeddings', { model: OPENAI_MODEL, input: 'x' });
    expect(expectOpenAIError(r.json, 500, r.status).message).toContain('The server had an error');
  });
});

describe('OpenAI client → openai-custom: what only the upstream can judge goes to it', () => {
  test('dimensions and encoding_format null (the API takes them as unset): passed through, not refused by aiproxy', async () => {
    const body = { model: OPENAI_MODEL, input: ['n'], dimensions: null, encoding_format: null };
    const r = await post('/v1/embeddings', body);
    expect(r.status).toBe(200);
    expect(r.json.data[0].embedding).toEqual(openaiMockEmbedding('n'));
    expect(s.openai.calls[0]!.body).toEqual(body);
  });

  test("an encoding_format aiproxy does not know reaches the upstream, whose own 400 the client gets", async () => {
    const r = await post('/v1/embeddings', { model: OPENAI_MODEL, input: 'x', encoding_format: 'ubinary' });
    expect(expectOpenAIError(r.json, 400, r.status).message).toContain("Invalid value for 'encoding_format' = ubinary");
    expect(s.openai.calls.map((c) => c.status)).toEqual([400]);
  });
});

describe('OpenAI client → openai-custom without base64 (LM Studio, SGLang, vLLM, OpenRouter)', () => {
  const vectors = [
    [0.25, -0.5, 1],
    [0.125, 2, -4],
  ];
  const floats = (model: string) =>
    Response.json({ object: 'list', data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })), model, usage: { prompt_tokens: 4, total_tokens: 4 } });
  const bodies: Array<{ model: string; input?: unknown; encoding_format?: string }> = [];
  let server: ReturnType<typeof Bun.serve>;
  let p: TestProxy;
  let client: OpenAI;
  beforeAll(async () => {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (req) => {
        if (new URL(req.url).pathname !== '/v1/embeddings') return new Response('not found', { status: 404 });
        const body = (await req.json()) as (typeof bodies)[number];
        bodies.push(body);
        const base64 = body.encoding_format === 'base64';
        // vllm-project/vllm#6174: refused.
        if (body.model === 'vllm-embed' && base64) {
          return Response.json({ object: 'error', message: 'base64 encoding is not currently supported', type: 'BadRequestError', param: null, code: 400 }, { status: 400 });
        }
        if (body.model === 'gateway-embed') return new Response('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', { status: 502, headers: { 'content-type': 'text/html' } });
        // plastic-labs/honcho#932: OpenRouter answers 200 with no vectors.
        if (body.model === 'or-embed' && base64) return Response.json({ object: 'list', data: [], model: body.model, usage: { prompt_tokens: 4, total_tokens: 4 } });
        // lmstudio-ai/lmstudio-bug-tracker#756, runpod-workers/worker-infinity-embedding#30: floats whatever was asked.
        return floats(body.model);
      },
    });
    p = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `http://127.0.0.1:${server.port}/v1`, '--openai-api-key', 'x']);
    client = new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0, timeout: WAIT_MS });
  });
  afterAll(async () => {
    await p.stop();
    await server.stop(true);
  });
  beforeEach(() => {
    bodies.length = 0;
  });

  test('numbers answered to a request for base64 reach the client as the base64 it asked for', async () => {
    // Asked for explicitly, the SDK hands the strings over as they came (openai-dotnet always asks, and reads only strings).
    const raw = await client.embeddings.create({ model: 'lms-embed', input: ['a', 'b'], encoding_format: 'base64' });
    expect(raw.data.map((d) => typeof d.embedding)).toEqual(['string', 'string']);
    expect(raw.data.map((d) => fromFloat32Base64(d.embedding as unknown as string))).toEqual(vectors);
    expect(raw.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    // The SDK's default (base64 on the wire, decoded for the caller) and an explicit float are unchanged.
    expect((await client.embeddings.create({ model: 'lms-embed', input: ['a', 'b'] })).data.map((d) => d.embedding)).toEqual(vectors);
    const float = await client.embeddings.create({ model: 'lms-embed', input: ['a', 'b'], encoding_format: 'float' });
    expect(float.data.map((d) => d.embedding)).toEqual(vectors);
    expect(bodies.map((b) => b.encoding_format)).toEqual(['base64', 'base64', 'float']);
  });

  test('a gateway’s HTML error page reaches the SDK as an OpenAI error with its title and status, not the page', async () => {
    const err = await client.embeddings.create({ model: 'gateway-embed', input: ['a'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toEqual({ message: 'upstream returned an HTML page: 502 Bad Gateway', type: 'server_error', param: null, code: null });
  });

  test('a server that refuses base64, or answers it with no vectors, is asked again for floats, and the client gets base64', async () => {
    for (const model of ['vllm-embed', 'or-embed']) {
      bodies.length = 0;
      // The SDK's default: base64 asked, decoded for the caller.
      const res = await client.embeddings.create({ model, input: ['a', 'b'] });
      expect(res.data.map((d) => d.embedding)).toEqual(vectors);
      expect(bodies).toEqual([
        { model, input: ['a', 'b'], encoding_format: 'base64' },
        { model, input: ['a', 'b'], encoding_format: 'float' },
      ]);
    }
  });
});

describe('OpenAI client → gemini-cli: converted to :batchEmbedContents', () => {
  test('gemini-* model, default base64: vectors Gemini computed, in order; usage; one request per input upstream', async () => {
    const input = ['uno', 'dos', 'tres'];
    const res = await s.openaiClient.embeddings.create({ model: GEMINI_MODEL, input });
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => geminiMockEmbedding(t)));
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(res.model).toBe(GEMINI_MODEL);
    expect(typeof res.usage.prompt_tokens).toBe('number');
    expect(typeof res.usage.total_tokens).toBe('number');

    expect(s.openai.calls).toHaveLength(0);
    expect(s.gemini.calls).toHaveLength(1);
    const call = s.gemini.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.url).toBe(`/v1beta/models/${GEMINI_MODEL}:batchEmbedContents`);
    expect(call.headers['x-goog-api-key']).toBe(s.gemini.key);
    expect(call.body).toEqual(batchBody(GEMINI_MODEL, input));
  });

  test('more inputs than Gemini takes in one batch (100): sent in batches of 100, vectors back in order', async () => {
    const input = Array.from({ length: 250 }, (_, i) => `text number ${i}`);
    const res = await s.openaiClient.embeddings.create({ model: GEMINI_MODEL, input, encoding_format: 'float' });
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => geminiMockEmbedding(t)));
    expect(res.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    expect(s.gemini.calls.map((c) => (c.body as { requests: unknown[] }).requests.length)).toEqual([100, 100, 50]);
    expect(s.gemini.calls.map((c) => c.body)).toEqual([
      batchBody(GEMINI_MODEL, input.slice(0, 100)),
      batchBody(GEMINI_MODEL, input.slice(100, 200)),
      batchBody(GEMINI_MODEL, input.slice(200)),
    ]);
  });

  test("raw base64: each embedding is the base64 of the vector's little-endian float32s, in OpenAI's list shape", async () => {
    const r = await post('/v1/embeddings', { model: GEMINI_MODEL, input: ['a b c', 'd e f'], encoding_format: 'base64' });
    expect(r.status).toBe(200);
    expect(r.json.object).toBe('list');
    expect(r.json.model).toBe(GEMINI_MODEL);
    expect(r.json.data.map((d: any) => [d.object, d.index, typeof d.embedding])).toEqual([
      ['embedding', 0, 'string'],
      ['embedding', 1, 'string'],
    ]);
    expect(fromFloat32Base64(r.json.data[0].embedding)).toEqual(geminiMockEmbedding('a b c'));
    expect(fromFloat32Base64(r.json.data[1].embedding)).toEqual(geminiMockEmbedding('d e f'));
    expect(r.json.usage).toEqual({ prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) });
  });

  test("/gemini-cli prefix, encoding_format 'float', dimensions → outputDimensionality on every request; user is not sent", async () => {
    const res = await openaiVia('/gemini-cli').embeddings.create({
      model: GEMINI_MODEL,
      input: ['short', 'longer text'],
      encoding_format: 'float',
      dimensions: 5,
      user: 'someone',
    });
    expect(res.data.map((d) => d.embedding)).toEqual([geminiMockEmbedding('short', 5), geminiMockEmbedding('longer text', 5)]);
    expect(s.gemini.calls[0]!.body).toEqual(batchBody(GEMINI_MODEL, ['short', 'longer text'], 5));
  });

  test('the X-Model-Provider header routes a single string there, as a batch of one', async () => {
    const r = await post('/v1/embeddings', { model: GEMINI_MODEL, input: 'solo', encoding_format: 'float' }, { headers: { 'x-model-provider': 'gemini-cli' } });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual([{ object: 'embedding', index: 0, embedding: geminiMockEmbedding('solo') }]);
    expect(s.gemini.calls[0]!.body).toEqual(batchBody(GEMINI_MODEL, ['solo']));
  });

  test('token arrays cannot go to Gemini: 400 in OpenAI’s shape naming token arrays; nothing is sent', async () => {
    const e = await rejection(() => s.openaiClient.embeddings.create({ model: GEMINI_MODEL, input: [1, 2, 3] }));
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.status).toBe(400);
    expect(e.message.toLowerCase()).toContain('token');
    const nested = await post('/gemini-cli/v1/embeddings', { model: GEMINI_MODEL, input: [[1, 2], [3]] });
    expect(expectOpenAIError(nested.json, 400, nested.status).message.toLowerCase()).toContain('token');
    expect(s.gemini.calls).toHaveLength(0);
  });

  test('dimensions and encoding_format null are unset: float vectors of the full size', async () => {
    const r = await post('/v1/embeddings', { model: GEMINI_MODEL, input: ['z'], dimensions: null, encoding_format: null });
    expect(r.status).toBe(200);
    expect(r.json.data[0].embedding).toEqual(geminiMockEmbedding('z'));
    expect(s.gemini.calls[0]!.body).toEqual(batchBody(GEMINI_MODEL, ['z']));
  });

  test("Gemini's 400 for an empty text reaches the client as a 400 in OpenAI's shape", async () => {
    const r = await post('/v1/embeddings', { model: GEMINI_MODEL, input: ['fine', ''], encoding_format: 'float' });
    expect(expectOpenAIError(r.json, 400, r.status).message).toContain('contains an empty Part');
    expect(s.gemini.calls.map((c) => c.status)).toEqual([400]);
    expect(s.openai.calls).toHaveLength(0);
  });

  test("a queued Gemini error keeps its status and message: 400 and 503", async () => {
    s.gemini.queue({ error: { status: 400, body: googleError(400, 'upstream says no') } });
    const bad = await rejection(() => s.openaiClient.embeddings.create({ model: GEMINI_MODEL, input: 'x' }));
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad.message).toContain('upstream says no');
    s.gemini.queue({ error: { status: 503, body: googleError(503, 'The model is overloaded. Please try again later.') } });
    const busy = await post('/v1/embeddings', { model: GEMINI_MODEL, input: 'x' });
    expect(expectOpenAIError(busy.json, 503, busy.status).message).toContain('overloaded');
  });
});

describe('OpenAI client → claude-custom: no embeddings API', () => {
  test('by prefix and by header: 400 in OpenAI’s shape saying so; the Anthropic mock sees nothing', async () => {
    const e = await rejection(() => openaiVia('/claude-custom').embeddings.create({ model: 'claude-sonnet-4-5', input: 'x' }));
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.status).toBe(400);
    expect(e.message.toLowerCase()).toContain('embedding');
    const r = await post('/v1/embeddings', { model: 'claude-sonnet-4-5', input: ['x'] }, { headers: { 'x-model-provider': 'claude-custom' } });
    expect(expectOpenAIError(r.json, 400, r.status).message.toLowerCase()).toContain('embedding');
    expect(s.claude.calls).toHaveLength(0);
    expect(s.openai.calls).toHaveLength(0);
    expect(s.gemini.calls).toHaveLength(0);
  });
});

describe('Gemini client → gemini-cli: passed through unchanged', () => {
  test('models.embedContent (→ :batchEmbedContents): vectors in order; the SDK’s body arrives unchanged with the upstream key', async () => {
    const res = await s.geminiClient.models.embedContent({
      model: GEMINI_MODEL,
      contents: ['north', 'south'],
      config: { outputDimensionality: 6, taskType: 'RETRIEVAL_DOCUMENT', title: 'Compass' },
    });
    expect(res.embeddings?.map((e) => e.values)).toEqual([geminiMockEmbedding('north', 6), geminiMockEmbedding('south', 6)]);
    expect(s.gemini.calls).toHaveLength(1);
    const call = s.gemini.calls[0]!;
    expect(call.url).toBe(`/v1beta/models/${GEMINI_MODEL}:batchEmbedContents`);
    expect(call.headers['x-goog-api-key']).toBe(s.gemini.key);
    expect(call.body).toEqual({
      requests: ['north', 'south'].map((text) => ({
        content: { role: 'user', parts: [{ text }] },
        taskType: 'RETRIEVAL_DOCUMENT',
        title: 'Compass',
        outputDimensionality: 6,
        model: `models/${GEMINI_MODEL}`,
      })),
    });
    expect(s.openai.calls).toHaveLength(0);
  });

  test(':embedContent by fetch: {embedding:{values}} back; the same action and body upstream', async () => {
    const body = { content: { parts: [{ text: 'what is a vector?' }] }, taskType: 'RETRIEVAL_QUERY', outputDimensionality: 3 };
    const r = await post(`/v1beta/models/${GEMINI_MODEL}:embedContent`, body, { gemini: true });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ embedding: { values: geminiMockEmbedding('what is a vector?', 3) } });
    expect(s.gemini.calls[0]!.url).toBe(`/v1beta/models/${GEMINI_MODEL}:embedContent`);
    expect(s.gemini.calls[0]!.body).toEqual(body);
  });

  test('what only a conversion could not carry goes through unchanged: taskTypes differing per request, an image part', async () => {
    const body = {
      requests: [
        { model: `models/${GEMINI_MODEL}`, content: { parts: [{ text: 'query' }] }, taskType: 'RETRIEVAL_QUERY' },
        { model: `models/${GEMINI_MODEL}`, content: { parts: [{ text: 'doc' }] }, taskType: 'RETRIEVAL_DOCUMENT', title: 'T' },
        { model: `models/${GEMINI_MODEL}`, content: { parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] } },
      ],
    };
    const r = await post(`/v1beta/models/${GEMINI_MODEL}:batchEmbedContents`, body, { gemini: true });
    expect(r.status).toBe(200);
    expect(r.json.embeddings).toHaveLength(3);
    expect(r.json.embeddings[0]).toEqual({ values: geminiMockEmbedding('query') });
    expect(s.gemini.calls[0]!.body).toEqual(body);
  });

  test("a 429 relayed as it came carries Google's retry delay as retry-after too, as generateContent's does", async () => {
    s.gemini.queue({ error: geminiQuotaError('30s', GEMINI_MODEL) });
    const r = await post(`/v1beta/models/${GEMINI_MODEL}:embedContent`, { content: { parts: [{ text: 'x' }] } }, { gemini: true });
    expectGoogleError(r.json, 429, 'RESOURCE_EXHAUSTED', r.status);
    expect(r.headers.get('retry-after')).toBe('30');
  });

  test('a batch request naming another model is refused with a 400 in Google’s shape', async () => {
    const r = await post(
      `/gemini-cli/v1beta/models/${GEMINI_MODEL}:batchEmbedContents`,
      { requests: [{ model: `models/${GEMINI_MODEL}`, content: { parts: [{ text: 'a' }] } }, { model: 'models/gemini-embedding-2', content: { parts: [{ text: 'b' }] } }] },
      { gemini: true },
    );
    expectGoogleError(r.json, 400, 'INVALID_ARGUMENT', r.status);
  });

  test('a queued Gemini 500 reaches the SDK as a 500', async () => {
    s.gemini.queue({ error: { status: 500, body: googleError(500, 'An internal error has occurred.') } });
    const e = await rejection(() => s.geminiClient.models.embedContent({ model: GEMINI_MODEL, contents: 'x' }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(500);
    expect(e.message).toContain('An internal error has occurred.');
  });
});

describe('Gemini client → openai-custom: converted to /embeddings', () => {
  test('models.embedContent by prefix: vectors OpenAI computed, in order; {model, input, float, dimensions} upstream', async () => {
    const res = await geminiClient(s, 'openai-custom').models.embedContent({
      model: OPENAI_MODEL,
      contents: ['red', 'green', 'blue'],
      config: { outputDimensionality: 4, taskType: 'CLUSTERING' },
    });
    expect(res.embeddings?.map((e) => e.values)).toEqual(['red', 'green', 'blue'].map((t) => openaiMockEmbedding(t, 4)));
    expect(s.gemini.calls).toHaveLength(0);
    expect(s.openai.calls).toHaveLength(1);
    const call = s.openai.calls[0]!;
    expect(call.url).toBe('/v1/embeddings');
    expect(call.headers.authorization).toBe(`Bearer ${s.openai.key}`);
    expect(call.body).toEqual({ model: OPENAI_MODEL, input: ['red', 'green', 'blue'], encoding_format: 'float', dimensions: 4 });
  });

  test(':embedContent by header: {embedding:{values}} back; no dimensions upstream when none was asked', async () => {
    const r = await post(
      `/v1beta/models/${OPENAI_MODEL}:embedContent`,
      { content: { parts: [{ text: 'hello' }] } },
      { gemini: true, headers: { 'x-model-provider': 'openai-custom' } },
    );
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ embedding: { values: openaiMockEmbedding('hello') } });
    expect(s.openai.calls[0]!.body).toEqual({ model: OPENAI_MODEL, input: ['hello'], encoding_format: 'float' });
  });

  test(':batchEmbedContents by fetch: {embeddings:[{values}]} in request order', async () => {
    const texts = ['one', 'two'];
    const r = await post(
      `/openai-custom/v1beta/models/${OPENAI_MODEL}:batchEmbedContents`,
      { requests: texts.map((text) => ({ model: `models/${OPENAI_MODEL}`, content: { parts: [{ text }] }, outputDimensionality: 2 })) },
      { gemini: true },
    );
    expect(r.status).toBe(200);
    expect(r.json.embeddings).toEqual(texts.map((t) => ({ values: openaiMockEmbedding(t, 2) })));
    expect(s.openai.calls[0]!.body).toEqual({ model: OPENAI_MODEL, input: texts, encoding_format: 'float', dimensions: 2 });
  });

  test("Google's REST guide's spelling: output_dimensionality and task_type in snake_case, one part for the list", async () => {
    const r = await post(
      `/openai-custom/v1beta/models/${OPENAI_MODEL}:embedContent`,
      { content: { parts: { text: 'What is the meaning of life?' } }, output_dimensionality: 4, task_type: 'RETRIEVAL_QUERY' },
      { gemini: true },
    );
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ embedding: { values: openaiMockEmbedding('What is the meaning of life?', 4) } });
    expect(s.openai.calls[0]!.body).toEqual({ model: OPENAI_MODEL, input: ['What is the meaning of life?'], encoding_format: 'float', dimensions: 4 });
  });

  test('an inlineData part cannot be embedded by OpenAI: 400 in Google’s shape; nothing is sent', async () => {
    const r = await post(
      `/openai-custom/v1beta/models/${OPENAI_MODEL}:embedContent`,
      { content: { parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] } },
      { gemini: true },
    );
    expectGoogleError(r.json, 400, 'INVALID_ARGUMENT', r.status);
    expect(s.openai.calls).toHaveLength(0);
  });

  test("OpenAI's 400 (ada-002 takes no dimensions) reaches the SDK as a 400 with OpenAI's message", async () => {
    const e = await rejection(() =>
      geminiClient(s, 'openai-custom').models.embedContent({ model: 'text-embedding-ada-002', contents: 'x', config: { outputDimensionality: 8 } }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.message).toContain('This model does not support specifying dimensions.');
    expect(s.openai.calls.map((c) => c.status)).toEqual([400]);
  });

  test("a queued OpenAI 400 arrives as Google's INVALID_ARGUMENT with the upstream's message", async () => {
    s.openai.queue({ error: { status: 400, body: openaiErrorBody({ message: 'upstream refuses', type: 'invalid_request_error', param: null, code: null }) } });
    const r = await post(`/openai-custom/v1beta/models/${OPENAI_MODEL}:embedContent`, { content: { parts: [{ text: 'x' }] } }, { gemini: true });
    expect(expectGoogleError(r.json, 400, 'INVALID_ARGUMENT', r.status).message).toContain('upstream refuses');
  });
});

describe('the proxy key is required', () => {
  test('no key or a wrong key: 401, and no upstream is called', async () => {
    const openaiNone = await post('/v1/embeddings', { model: OPENAI_MODEL, input: 'x' }, { auth: false });
    expect(openaiNone.status).toBe(401);
    const openaiWrong = await post('/v1/embeddings', { model: GEMINI_MODEL, input: 'x' }, { auth: false, headers: { authorization: 'Bearer not-the-key' } });
    expect(openaiWrong.status).toBe(401);
    const geminiNone = await post(`/v1beta/models/${GEMINI_MODEL}:embedContent`, { content: { parts: [{ text: 'x' }] } }, { auth: false });
    expect(geminiNone.status).toBe(401);
    const geminiWrong = await post(
      `/v1beta/models/${GEMINI_MODEL}:batchEmbedContents`,
      { requests: [{ model: `models/${GEMINI_MODEL}`, content: { parts: [{ text: 'x' }] } }] },
      { auth: false, headers: { 'x-goog-api-key': 'not-the-key' } },
    );
    expect(geminiWrong.status).toBe(401);
    expect([s.openai.calls.length, s.claude.calls.length, s.gemini.calls.length]).toEqual([0, 0, 0]);
  });
});

describe('pools: a failing member hands the request to the next', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-embeddings-'));
  let oa: MockServer;
  let ob: MockServer;
  let ga: GeminiMock;
  let gb: GeminiMock;
  let proxy: TestProxy | undefined;

  beforeAll(async () => {
    [oa, ob, ga, gb] = await Promise.all([
      startOpenAIMock({ key: 'sk-embed-member-a-0000' }),
      startOpenAIMock({ key: 'sk-embed-member-b-1111' }),
      startGeminiMock(),
      startGeminiMock(),
    ]);
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    for (const m of [oa, ob, ga, gb]) m.reset();
  });
  afterAll(async () => {
    await Promise.all([oa.stop(), ob.stop(), ga.stop(), gb.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A proxy whose openai-custom and gemini-cli are two-member pools, first member first; `memberExtra`
   * is added to each member's entry, `extra` to the file.
   */
  async function start(memberExtra = '', extra = ''): Promise<TestProxy> {
    const member = (name: string, m: MockServer) => `    - {name: ${name}, api_key: ${m.key}, base_url: "${m.url}"${memberExtra}}\n`;
    const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      `model_providers: [openai-custom, gemini-cli]\npool: {strategy: fill_first}\nprovider_pools:\n` +
        `  openai-custom:\n${member('oa', oa)}${member('ob', ob)}` +
        `  gemini-cli:\n${member('ga', ga)}${member('gb', gb)}` +
        extra,
    );
    proxy = await startProxy(['--config', file]);
    return proxy;
  }

  test('OpenAI client → openai-custom: a 500 on the first member, the second answers', async () => {
    const p = await start();
    oa.queue({ error: { status: 500, body: openaiErrorBody({ message: 'The server had an error', type: 'server_error', param: null, code: null }) } });
    const client = new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0, timeout: WAIT_MS });
    const res = await client.embeddings.create({ model: OPENAI_MODEL, input: ['x', 'y'], encoding_format: 'float' });
    expect(res.data.map((d) => d.embedding)).toEqual([openaiMockEmbedding('x'), openaiMockEmbedding('y')]);
    expect([oa.calls.length, ob.calls.length]).toEqual([1, 1]);
    expect(ob.calls[0]!.body).toEqual(oa.calls[0]!.body);
    expect(ob.calls[0]!.headers.authorization).toBe(`Bearer ${ob.key}`);
  });

  test('Gemini client → gemini-cli: a 429 on the first member, the second answers', async () => {
    const p = await start();
    ga.queue({ error: geminiQuotaError('30s', GEMINI_MODEL) });
    const ai = new GoogleGenAI({ apiKey: p.key, httpOptions: { baseUrl: p.url, apiVersion: 'v1beta', timeout: WAIT_MS } });
    const res = await ai.models.embedContent({ model: GEMINI_MODEL, contents: ['m', 'n'] });
    expect(res.embeddings?.map((e) => e.values)).toEqual([geminiMockEmbedding('m'), geminiMockEmbedding('n')]);
    expect([ga.calls.length, gb.calls.length]).toEqual([1, 1]);
    expect(gb.calls[0]!.headers['x-goog-api-key']).toBe(gb.key);
  });

  test('OpenAI client → gemini-cli (converted): a 503 on the first member, the second answers', async () => {
    const p = await start();
    ga.queue({ error: { status: 503, body: googleError(503, 'The model is overloaded. Please try again later.') } });
    const client = new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0, timeout: WAIT_MS });
    const res = await client.embeddings.create({ model: GEMINI_MODEL, input: ['q'] });
    expect(res.data.map((d) => d.embedding)).toEqual([geminiMockEmbedding('q')]);
    expect([ga.calls.length, gb.calls.length]).toEqual([1, 1]);
    expect(gb.calls[0]!.body).toEqual(batchBody(GEMINI_MODEL, ['q']));
  });

  test('OpenAI client → gemini-cli, 250 inputs: a 429 on the 2nd batch of 100 moves the whole request to the next member', async () => {
    const p = await start();
    ga.queue({}, { error: geminiQuotaError('30s', GEMINI_MODEL) });
    const input = Array.from({ length: 250 }, (_, i) => `chunk ${i}`);
    const client = new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0, timeout: WAIT_MS });
    const res = await client.embeddings.create({ model: GEMINI_MODEL, input });
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => geminiMockEmbedding(t)));
    expect(ga.calls.map((c) => c.status)).toEqual([200, 429]);
    // Started over, not resumed: one member's vectors only, whatever its model_map says.
    expect(gb.calls.map((c) => (c.body as { requests: unknown[] }).requests.length)).toEqual([100, 100, 50]);
  });

  test('model_map: the mapped model in the URL and in each request of a batch, relayed or converted', async () => {
    const p = await start(`, model_map: {embed: ${GEMINI_MODEL}}`);
    const ai = new GoogleGenAI({ apiKey: p.key, httpOptions: { baseUrl: `${p.url}/gemini-cli`, apiVersion: 'v1beta', timeout: WAIT_MS } });
    const res = await ai.models.embedContent({ model: 'embed', contents: ['a', 'b'] });
    expect(res.embeddings?.map((e) => e.values)).toEqual([geminiMockEmbedding('a'), geminiMockEmbedding('b')]);
    expect(ga.calls[0]!.url).toBe(`/v1beta/models/${GEMINI_MODEL}:batchEmbedContents`);
    expect((ga.calls[0]!.body as { requests: Array<{ model: string }> }).requests.map((r) => r.model)).toEqual([`models/${GEMINI_MODEL}`, `models/${GEMINI_MODEL}`]);
    const r = await fetch(`${p.url}/gemini-cli/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed', input: ['c'], encoding_format: 'float' }),
    });
    const json: any = await r.json();
    expect(r.status).toBe(200);
    expect(json.model).toBe('embed');
    expect(json.data[0].embedding).toEqual(geminiMockEmbedding('c'));
    expect(ga.calls[1]!.body).toEqual(batchBody(GEMINI_MODEL, ['c']));
  });

  test('every member cooling down, a fallback without embeddings: 429 with retry-after, not a 400 blaming the fallback', async () => {
    const p = await start('', 'fallbacks:\n  gemini-cli: [claude-custom]\n');
    ga.queue({ error: geminiQuotaError('30s', GEMINI_MODEL) });
    gb.queue({ error: geminiQuotaError('30s', GEMINI_MODEL) });
    const body = { model: GEMINI_MODEL, input: ['x'] };
    const send = () =>
      fetch(`${p.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const first = await send();
    expect(first.status).toBe(429);
    const second = await send();
    const json: any = await second.json();
    expect(expectOpenAIError(json, 429, second.status).message).toContain('cooling down');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect([ga.calls.length, gb.calls.length]).toEqual([1, 1]);
  });
});

describe('routing: the provider that can embed', () => {
  test('model_providers led by claude-custom: a model of no known family goes to openai-custom, not a 400 about Anthropic', async () => {
    // A key limited to openai-custom is judged by where the request goes, not by the chat default.
    const file = join(tmpdir(), `aiproxy-embed-keys-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, 'api_keys:\n  - {name: indexer, key: sk-indexer-key-0001, allowed_providers: [openai-custom]}\n');
    const st = await startStack('claude-custom,openai-custom,gemini-cli', ['--config', file]);
    try {
      // An Ollama/vLLM-style name; the mock, like OpenAI, knows only text-embedding-* and answers its 404.
      const r = await fetch(`${st.proxy.url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-indexer-key-0001', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'nomic-embed-text', input: ['r'] }),
      });
      expect(r.status).toBe(404);
      expect(st.openai.calls.map((c) => [c.url, (c.body as { model: string }).model])).toEqual([['/v1/embeddings', 'nomic-embed-text']]);
      const res = await st.openaiClient.embeddings.create({ model: OPENAI_MODEL, input: ['r'] });
      expect(res.data[0]!.embedding).toEqual(openaiMockEmbedding('r'));
      expect(st.claude.calls).toHaveLength(0);
    } finally {
      await st.stop();
      rmSync(file, { force: true });
    }
  });

  test('gemini-cli-oauth (Code Assist, no embeddings) listed before gemini-cli: gemini-* embeddings go to gemini-cli', async () => {
    const st = await startStack('gemini-cli-oauth,gemini-cli,openai-custom');
    try {
      const res = await st.geminiClient.models.embedContent({ model: GEMINI_MODEL, contents: ['o', 'k'] });
      expect(res.embeddings?.map((e) => e.values)).toEqual([geminiMockEmbedding('o'), geminiMockEmbedding('k')]);
      const viaOpenAI = await st.openaiClient.embeddings.create({ model: GEMINI_MODEL, input: 'p' });
      expect(viaOpenAI.data[0]!.embedding).toEqual(geminiMockEmbedding('p'));
      expect([st.gemini.calls.length, st.openai.calls.length]).toEqual([2, 0]);
    } finally {
      await st.stop();
    }
  });

  test('model_providers led by gemini-cli: text-embedding-3-* is an OpenAI model and goes to openai-custom', async () => {
    const st = await startStack('gemini-cli,openai-custom');
    try {
      const res = await st.openaiClient.embeddings.create({ model: OPENAI_MODEL, input: 'r', encoding_format: 'float' });
      expect(res.data[0]!.embedding).toEqual(openaiMockEmbedding('r'));
      expect([st.openai.calls.length, st.gemini.calls.length]).toEqual([1, 0]);
    } finally {
      await st.stop();
    }
  });
});
