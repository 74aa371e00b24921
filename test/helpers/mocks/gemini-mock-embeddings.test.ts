import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { geminiMockEmbedding, geminiQuotaError, startGeminiMock, type GeminiMock } from './gemini-mock.ts';

let mock: GeminiMock;

beforeAll(async () => {
  mock = await startGeminiMock({ key: 'AIzaSy-test-key' });
});
afterAll(async () => {
  await mock.stop();
});
beforeEach(() => mock.reset());

const MODEL = 'gemini-embedding-001';

async function send(path: string, body: unknown, auth = true): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers['x-goog-api-key'] = mock.key;
  const res = await fetch(`${mock.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : text };
}
const embed = (body: unknown, model = MODEL) => send(`/v1beta/models/${model}:embedContent`, body);
const batch = (body: unknown, model = MODEL) => send(`/v1beta/models/${model}:batchEmbedContents`, body);
const req = (text: string, extra: Record<string, unknown> = {}) => ({ model: `models/${MODEL}`, content: { parts: [{ text }] }, ...extra });

async function expect400(res: Promise<{ status: number; json: any }>, message: string): Promise<void> {
  const r = await res;
  expect(r.status).toBe(400);
  expect(r.json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
  expect(r.json.error.message).toContain(message);
}

describe('gemini mock: embeddings', () => {
  test('the SDK’s embedContent goes to :batchEmbedContents and gets one vector per content, in order', async () => {
    const ai = new GoogleGenAI({ apiKey: mock.key, httpOptions: { baseUrl: mock.url, apiVersion: 'v1beta' } });
    const res = await ai.models.embedContent({ model: MODEL, contents: ['one', 'two'], config: { outputDimensionality: 4, taskType: 'RETRIEVAL_DOCUMENT' } });
    expect(res.embeddings?.map((e) => e.values)).toEqual([geminiMockEmbedding('one', 4), geminiMockEmbedding('two', 4)]);
    expect(mock.calls[0]!.url).toBe(`/v1beta/models/${MODEL}:batchEmbedContents`);
    expect(mock.calls[0]!.body).toEqual({
      requests: ['one', 'two'].map((text) => ({
        content: { role: 'user', parts: [{ text }] },
        taskType: 'RETRIEVAL_DOCUMENT',
        outputDimensionality: 4,
        model: `models/${MODEL}`,
      })),
    });
  });

  test(':embedContent answers {embedding:{values}}; the default length is 8 and texts differ', async () => {
    const r = await embed({ content: { parts: [{ text: 'hi' }] }, taskType: 'RETRIEVAL_QUERY', title: 't' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ embedding: { values: geminiMockEmbedding('hi') } });
    expect(geminiMockEmbedding('hi')).toHaveLength(8);
    expect(geminiMockEmbedding('hi')).not.toEqual(geminiMockEmbedding('ho'));
    expect((await embed({ content: { parts: [{ text: 'hi' }] }, outputDimensionality: 3 })).json.embedding.values).toEqual(geminiMockEmbedding('hi', 3));
  });

  test('batch: a request whose model is not the URL’s, or missing, or not models/-prefixed, is refused', async () => {
    await expect400(batch({ requests: [req('a'), { ...req('b'), model: 'models/gemini-embedding-2' }] }), 'BatchEmbedContentsRequest.requests[1].model');
    await expect400(batch({ requests: [{ content: { parts: [{ text: 'a' }] } }] }), 'BatchEmbedContentsRequest.requests[0].model: model is not specified');
    await expect400(batch({ requests: [{ ...req('a'), model: MODEL }] }), 'unexpected model name format');
  });

  test('batch: empty or over 100 requests, empty parts and unknown fields are refused', async () => {
    await expect400(batch({ requests: [] }), 'BatchEmbedContentsRequest.requests');
    await expect400(batch({}), 'BatchEmbedContentsRequest.requests');
    await expect400(batch({ requests: Array.from({ length: 101 }, (_, i) => req(`t${i}`)) }), 'at most 100 requests can be in one batch');
    await expect400(batch({ requests: [req('')] }), 'EmbedContentRequest.content contains an empty Part');
    await expect400(batch({ requests: [{ model: `models/${MODEL}` }] }), 'requests[0].content: content is not specified');
    await expect400(batch({ requests: [{ ...req('a'), dimensions: 4 }] }), 'Unknown name "dimensions"');
    await expect400(batch({ requests: [req('a', { taskType: 'NOPE' })] }), 'TaskType');
  });

  test(':embedContent: missing content, empty parts and an empty text are refused', async () => {
    await expect400(embed({}), 'EmbedContentRequest.content: content is not specified');
    await expect400(embed({ content: { parts: [] } }), 'EmbedContentRequest.content.parts');
    await expect400(embed({ content: { parts: [{ text: '' }] } }), 'EmbedContentRequest.content contains an empty Part');
  });

  test('embedding models embed only, generation models generate only: 404 NOT_FOUND otherwise', async () => {
    const r = await embed({ content: { parts: [{ text: 'hi' }] } }, 'gemini-2.5-flash');
    expect(r.status).toBe(404);
    expect(r.json.error.message).toBe(
      'models/gemini-2.5-flash is not found for API version v1beta, or is not supported for embedContent. Call ListModels to see the list of available models and their supported methods.',
    );
    const g = await send(`/v1beta/models/${MODEL}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    expect(g.status).toBe(404);
  });

  test('the key is checked as elsewhere; calls are recorded; a queued error is answered', async () => {
    const none = await send(`/v1beta/models/${MODEL}:embedContent`, { content: { parts: [{ text: 'a' }] } }, false);
    expect(none.status).toBe(403);
    mock.queue({ error: geminiQuotaError('5s', MODEL) });
    const ai = new GoogleGenAI({ apiKey: mock.key, httpOptions: { baseUrl: mock.url, apiVersion: 'v1beta' } });
    const e = await ai.models.embedContent({ model: MODEL, contents: 'x' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(429);
    expect(mock.calls.map((c) => c.status)).toEqual([403, 429]);
    expect(mock.calls[1]!.headers['x-goog-api-key']).toBe(mock.key);
  });
});
