import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { float32Base64, openaiErrorBody, openaiMockEmbedding, openaiMockEmbeddingTokens, startOpenAIMock } from './openai-mock.ts';
import type { MockServer } from './types.ts';

let mock: MockServer;
let client: OpenAI;

beforeAll(async () => {
  mock = await startOpenAIMock();
  client = new OpenAI({ apiKey: mock.key, baseURL: mock.url, maxRetries: 0 });
});
afterAll(async () => {
  await mock.stop();
});
beforeEach(() => mock.reset());

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${mock.url}/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: JSON.parse(await res.text()) };
}

const INPUT_INVALID = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";
const MODEL = 'text-embedding-3-small';

describe('openai mock: POST /v1/embeddings', () => {
  test('the SDK (base64 on the wire by default) gets one decoded vector per input, in order', async () => {
    const res = await client.embeddings.create({ model: MODEL, input: ['alpha', 'beta'] });
    expect(res.data.map((d) => d.embedding)).toEqual([openaiMockEmbedding('alpha'), openaiMockEmbedding('beta')]);
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.model).toBe(MODEL);
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(mock.calls[0]!.body).toEqual({ model: MODEL, input: ['alpha', 'beta'], encoding_format: 'base64' });
  });

  test('float answers number arrays; base64 answers little-endian float32 bytes of the same vector', async () => {
    const float = await post({ model: MODEL, input: 'hello', encoding_format: 'float', dimensions: 3 });
    expect(float.status).toBe(200);
    expect(float.json).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: openaiMockEmbedding('hello', 3) }],
      model: MODEL,
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    const b64 = await post({ model: MODEL, input: 'hello', encoding_format: 'base64', dimensions: 3 });
    expect(b64.json.data[0].embedding).toBe(float32Base64(openaiMockEmbedding('hello', 3)));
    const bytes = Buffer.from(b64.json.data[0].embedding as string, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual(openaiMockEmbedding('hello', 3));
  });

  test('different texts give different vectors; tokens are inputs of their own; usage counts token ids', async () => {
    expect(openaiMockEmbedding('a')).not.toEqual(openaiMockEmbedding('b'));
    expect(openaiMockEmbedding('a')).toHaveLength(8);
    const one = await post({ model: MODEL, input: [1, 2, 3], encoding_format: 'float' });
    expect(one.json.data.map((d: any) => d.embedding)).toEqual([openaiMockEmbedding([1, 2, 3])]);
    expect(one.json.usage.prompt_tokens).toBe(3);
    const many = await post({ model: MODEL, input: [[5], [6, 7]], encoding_format: 'float' });
    expect(many.json.data.map((d: any) => d.embedding)).toEqual([openaiMockEmbedding([5]), openaiMockEmbedding([6, 7])]);
    expect(openaiMockEmbeddingTokens([[5], [6, 7]])).toBe(3);
  });

  test.each([
    ['an empty string', ''],
    ['an empty array', []],
    ['an array holding an empty string', ['a', '']],
    ['an empty token array', [[]]],
    ['mixed strings and tokens', ['a', 1]],
    ['a negative token', [-1]],
    ['an object', { text: 'a' }],
  ])('input that is %s: 400 $.input is invalid', async (_label, input) => {
    const { status, json } = await post({ model: MODEL, input });
    expect(status).toBe(400);
    expect(json).toEqual(openaiErrorBody({ message: INPUT_INVALID, type: 'invalid_request_error', param: null, code: null }));
  });

  test('missing model, missing input, unknown params, bad encoding_format and dimensions are 400s', async () => {
    expect((await post({ input: 'a' })).json.error.message).toBe('you must provide a model parameter');
    expect((await post({ model: MODEL })).json.error).toMatchObject({ param: 'input', code: 'missing_required_parameter' });
    expect((await post({ model: MODEL, input: 'a', taskType: 'x' })).json.error.message).toBe('Unrecognized request argument supplied: taskType');
    const fmt = await post({ model: MODEL, input: 'a', encoding_format: 'md5' });
    expect(fmt.status).toBe(400);
    expect(fmt.json.error.message).toBe("Invalid value for 'encoding_format' = md5. Supported values: ['float', 'base64'].");
    const zero = await post({ model: MODEL, input: 'a', dimensions: 0 });
    expect(zero.status).toBe(400);
    expect(zero.json.error).toMatchObject({ param: 'dimensions', code: 'integer_below_min_value' });
    expect((await post({ model: MODEL, input: 'a', dimensions: 1.5 })).json.error.code).toBe('invalid_type');
    const ada = await post({ model: 'text-embedding-ada-002', input: 'a', dimensions: 4 });
    expect(ada.json.error.message).toBe('This model does not support specifying dimensions.');
    const chatModel = await post({ model: 'gpt-4o', input: 'a' });
    expect(chatModel.status).toBe(404);
    expect(chatModel.json.error.code).toBe('model_not_found');
  });

  test('the key is checked as for chat, and every request is recorded', async () => {
    const none = await fetch(`${mock.url}/embeddings`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    const wrong = await post({ model: MODEL, input: 'a' }, { authorization: 'Bearer sk-wrong-0123456789abcdef' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_api_key');
    expect(mock.calls.map((c) => [c.url, c.status])).toEqual([
      ['/v1/embeddings', 401],
      ['/v1/embeddings', 401],
    ]);
  });

  test('a queued reply can fail the request or set the usage', async () => {
    const err = openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' });
    mock.queue({ error: { status: 429, body: err } }, { usage: { input: 42, output: 0 } });
    const limited = await post({ model: MODEL, input: 'a' });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual(err);
    expect((await post({ model: MODEL, input: 'a' })).json.usage).toEqual({ prompt_tokens: 42, total_tokens: 42 });
  });
});
