import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../../src/core/errors.ts';
import * as gemini from '../../../src/protocols/gemini/embeddings.ts';
import * as openai from '../../../src/protocols/openai/embeddings.ts';

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProxyError);
    expect((e as ProxyError).status).toBe(400);
    return (e as ProxyError).message;
  }
  throw new Error('expected a 400');
};

describe('OpenAI embeddings codec', () => {
  test('every input form the API takes becomes one input per vector, in order', () => {
    expect(openai.decodeEmbedRequest({ input: 'one' }, 'm').inputs).toEqual(['one']);
    expect(openai.decodeEmbedRequest({ input: ['a', 'b'] }, 'm').inputs).toEqual(['a', 'b']);
    expect(openai.decodeEmbedRequest({ input: [1, 2, 3] }, 'm').inputs).toEqual([[1, 2, 3]]);
    expect(openai.decodeEmbedRequest({ input: [[1], [2, 3]] }, 'm').inputs).toEqual([[1], [2, 3]]);
    expect(openai.decodeEmbedRequest({ input: 'x', dimensions: 256 }, 'm').dimensions).toBe(256);
  });

  test('dimensions and encoding_format null are unset, as the API takes them', () => {
    expect(openai.decodeEmbedRequest({ input: 'x', dimensions: null }, 'm')).toEqual({ model: 'm', inputs: ['x'] });
    expect(openai.embeddingEncoding({ encoding_format: null })).toBe('float');
  });

  test('inputs the API refuses are a 400 naming the field', () => {
    expect(refusal(() => openai.decodeEmbedRequest({}, 'm'))).toContain('input');
    expect(refusal(() => openai.decodeEmbedRequest({ input: [] }, 'm'))).toContain('input');
    expect(refusal(() => openai.decodeEmbedRequest({ input: [{ text: 'x' }] }, 'm'))).toContain('input');
    expect(refusal(() => openai.decodeEmbedRequest({ input: 'x', dimensions: 0 }, 'm'))).toContain('dimensions');
    expect(refusal(() => openai.embeddingEncoding({ encoding_format: 'hex' }))).toContain('encoding_format');
  });

  test('base64 answers are little-endian float32, as the openai SDK decodes them', () => {
    const body = openai.encodeEmbedResponse({ vectors: [[0.5, -1.25, 3]], inputTokens: 4 }, 'text-embedding-3-small', 'base64');
    const item = (body.data as Array<{ embedding: string; index: number }>)[0]!;
    const bytes = Buffer.from(item.embedding, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))).toEqual([0.5, -1.25, 3]);
    expect(body).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 4, total_tokens: 4 } });
  });

  test('an upstream answer is read by index, floats or base64, and must hold one vector per input', () => {
    const b64 = Buffer.from(new Float32Array([1.5, 2]).buffer).toString('base64');
    const res = openai.decodeEmbedResponse(
      { data: [{ index: 1, embedding: b64 }, { index: 0, embedding: [0.25] }], usage: { prompt_tokens: 7 } },
      2,
    );
    expect(res).toEqual({ vectors: [[0.25], [1.5, 2]], inputTokens: 7 });
    expect(() => openai.decodeEmbedResponse({ data: [{ index: 0, embedding: [1] }] }, 2)).toThrow(/one vector per input/);
    // Two answers for index 1, none for index 0: a hole, not a vector.
    expect(() => openai.decodeEmbedResponse({ data: [{ index: 1, embedding: [1] }, { index: 1, embedding: [2] }] }, 2)).toThrow(/one vector per input/);
  });
});

describe('Gemini embeddings codec', () => {
  test('embedContent and batchEmbedContents decode to the same inputs and settings', () => {
    const single = gemini.decodeEmbedRequest({ content: { parts: [{ text: 'a' }, { text: 'b' }] }, taskType: 'RETRIEVAL_QUERY', outputDimensionality: 64 }, 'm', 'embedContent');
    expect(single).toEqual({ model: 'm', inputs: ['a\nb'], taskType: 'RETRIEVAL_QUERY', dimensions: 64 });
    const batch = gemini.decodeEmbedRequest(
      { requests: [{ model: 'models/m', content: { parts: [{ text: 'x' }] }, outputDimensionality: 8 }, { model: 'models/m', content: { parts: [{ text: 'y' }] }, outputDimensionality: 8 }] },
      'm',
      'batchEmbedContents',
    );
    expect(batch).toEqual({ model: 'm', inputs: ['x', 'y'], dimensions: 8 });
  });

  test('what cannot be sent on as one call is a 400 saying why', () => {
    expect(refusal(() => gemini.decodeEmbedRequest({ content: { parts: [{ inlineData: { mimeType: 'image/png', data: 'AA==' } }] } }, 'm', 'embedContent'))).toContain('only text parts');
    expect(refusal(() => gemini.decodeEmbedRequest({ requests: [] }, 'm', 'batchEmbedContents'))).toContain('requests');
    expect(
      refusal(() =>
        gemini.decodeEmbedRequest(
          { requests: [{ content: { parts: [{ text: 'x' }] }, outputDimensionality: 8 }, { content: { parts: [{ text: 'y' }] }, outputDimensionality: 16 }] },
          'm',
          'batchEmbedContents',
        ),
      ),
    ).toContain('same outputDimensionality');
    // The second request, without a taskType, would silently get the first one's.
    expect(
      refusal(() =>
        gemini.decodeEmbedRequest(
          { requests: [{ content: { parts: [{ text: 'x' }] }, taskType: 'RETRIEVAL_QUERY' }, { content: { parts: [{ text: 'y' }] } }] },
          'm',
          'batchEmbedContents',
        ),
      ),
    ).toContain('same taskType');
    const tokens = refusal(() => gemini.encodeEmbedRequest({ model: 'm', inputs: [[1, 2]] }, 'gemini-embedding-001'));
    expect(tokens).toContain('token arrays');
    expect(tokens).toContain('check_embedding_ctx_length=False');
  });

  test('the upstream body is the batch form, each request naming the model as the URL does', () => {
    expect(gemini.encodeEmbedRequest({ model: 'x', inputs: ['a', 'b'], dimensions: 32, taskType: 'CLUSTERING' }, 'gemini-embedding-001')).toEqual({
      requests: ['a', 'b'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, taskType: 'CLUSTERING', outputDimensionality: 32 })),
    });
  });

  test('answers in both forms decode; the client gets the form of the action it called', () => {
    expect(gemini.decodeEmbedResponse({ embedding: { values: [1, 2] } }, 1).vectors).toEqual([[1, 2]]);
    expect(gemini.decodeEmbedResponse({ embeddings: [{ values: [1] }, { values: [2] }] }, 2).vectors).toEqual([[1], [2]]);
    expect(() => gemini.decodeEmbedResponse({ embeddings: [{ values: [] }] }, 1)).toThrow(/one vector per input/);
    const res = { vectors: [[0.5], [0.25]] };
    expect(gemini.encodeEmbedResponse(res, 'batchEmbedContents')).toEqual({ embeddings: [{ values: [0.5] }, { values: [0.25] }] });
    expect(gemini.encodeEmbedResponse({ vectors: [[0.5]] }, 'embedContent')).toEqual({ embedding: { values: [0.5] } });
  });
});
