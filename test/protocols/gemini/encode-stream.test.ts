import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import type { StreamEvent } from '../../../src/core/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';

const EVENTS: StreamEvent[] = [
  { type: 'start', id: 'msg_01', model: 'claude-sonnet-4-5', usage: { inputTokens: 30 } },
  { type: 'thinking', text: 'The user greets ' },
  { type: 'thinking', text: 'in Chinese.' },
  { type: 'thinking_signature', signature: { family: 'gemini', value: 'VGhvdWdodFNpZw==' } },
  { type: 'text', text: '你好' },
  { type: 'text', text: '🙂!' },
  { type: 'tool_call_start', index: 0, id: 'toolu_01', name: 'get_weather', signature: { family: 'gemini', value: 'Q2FsbFNpZw==' } },
  { type: 'tool_call_delta', index: 0, args: '{"city":' },
  { type: 'tool_call_delta', index: 0, args: '"東京"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'tool_call_start', index: 1, id: 'toolu_02', name: 'get_time', signature: { family: 'anthropic', value: 'ignored' } },
  { type: 'tool_call_delta', index: 1, args: '' },
  { type: 'tool_call_end', index: 1 },
  { type: 'usage', usage: { outputTokens: 10 } },
  { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 30, outputTokens: 45, reasoningTokens: 20 } },
];

function encodeAll(events: StreamEvent[], format: 'sse' | 'json-array' = 'sse'): string {
  const enc = geminiCodec.createStreamEncoder({ model: 'gemini-2.5-pro', format });
  let out = '';
  for (const e of events) out += enc.encode(e);
  return out + enc.end();
}

const meta = '"modelVersion":"gemini-2.5-pro","responseId":"msg_01"';
const EXPECTED_SSE = [
  `data: {"candidates":[{"content":{"parts":[{"text":"The user greets ","thought":true}],"role":"model"},"index":0}],${meta}}\n\n`,
  `data: {"candidates":[{"content":{"parts":[{"text":"in Chinese.","thought":true}],"role":"model"},"index":0}],${meta}}\n\n`,
  `data: {"candidates":[{"content":{"parts":[{"text":"","thoughtSignature":"VGhvdWdodFNpZw=="}],"role":"model"},"index":0}],${meta}}\n\n`,
  `data: {"candidates":[{"content":{"parts":[{"text":"你好"}],"role":"model"},"index":0}],${meta}}\n\n`,
  `data: {"candidates":[{"content":{"parts":[{"text":"🙂!"}],"role":"model"},"index":0}],${meta}}\n\n`,
  `data: {"candidates":[{"content":{"parts":[{"functionCall":{"id":"toolu_01","name":"get_weather","args":{"city":"東京"}},"thoughtSignature":"Q2FsbFNpZw=="}],"role":"model"},"index":0}],${meta}}\n\n`,
  `data: {"candidates":[{"content":{"parts":[{"functionCall":{"id":"toolu_02","name":"get_time","args":{}}}],"role":"model"},"index":0}],${meta}}\n\n`,
  `data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":25,"totalTokenCount":75,"thoughtsTokenCount":20},${meta}}\n\n`,
].join('');

describe('gemini stream encoder', () => {
  test('exact SSE: one chunk per delta, whole function calls, a final chunk with reason and usage', () => {
    expect(encodeAll(EVENTS)).toBe(EXPECTED_SSE);
  });

  test('json-array carries the same objects as one incrementally written array', () => {
    const text = encodeAll(EVENTS, 'json-array');
    expect(text.startsWith('[{')).toBe(true);
    expect(text).toContain('},\r\n{');
    expect(text.endsWith('}]')).toBe(true);
    const sseObjects = EXPECTED_SSE.split('\n\n')
      .filter((f) => f !== '')
      .map((f) => JSON.parse(f.slice('data: '.length)));
    expect(JSON.parse(text)).toEqual(sseObjects);
  });

  test('decoding the encoded stream gives the events back, at any chunking', () => {
    const expected: StreamEvent[] = [
      { type: 'start', id: 'msg_01', model: 'gemini-2.5-pro' },
      ...EVENTS.slice(1, 10),
      { type: 'tool_call_start', index: 1, id: 'toolu_02', name: 'get_time' },
      { type: 'tool_call_delta', index: 1, args: '{}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 30, outputTokens: 45, reasoningTokens: 20 } },
    ];
    // The decoder sees the whole-args delta Gemini sends, not the encoder's input fragments.
    expected[7] = { type: 'tool_call_delta', index: 0, args: '{"city":"東京"}' };
    expected.splice(8, 1);
    for (let seed = 1; seed <= 50; seed++) {
      expect(decodeChunks(geminiCodec.createStreamDecoder(), rechunk(EXPECTED_SSE, seed))).toEqual(expected);
    }
  });

  test('a generated image goes whole as an inlineData part and decodes back to the same event; a signed one is one too, a draft is not', () => {
    const image: StreamEvent = { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=' };
    const sse = encodeAll([{ type: 'start', id: 'r1', model: 'm' }, image, { type: 'finish', reason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } }]);
    expect(sse).toContain('"parts":[{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]');
    const upstream = `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: 'ZHJhZnQ=' }, thought: true }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' }, thoughtSignature: 'c2ln' }] } }] })}\n\n`;
    const events = decodeChunks(geminiCodec.createStreamDecoder(), rechunk(upstream + sse, 1, 64));
    expect(events.filter((e) => e.type === 'image')).toEqual([image, image]);
  });

  test('an error mid-stream is the last thing sent', () => {
    const err: StreamEvent = { type: 'error', error: { status: 503, kind: 'overloaded', message: 'Overloaded', retryAfter: 5 } };
    const enc = geminiCodec.createStreamEncoder({ model: 'm' });
    enc.encode({ type: 'start', id: 'i', model: 'x' });
    expect(enc.encode({ type: 'text', text: 'a' })).toStartWith('data: ');
    expect(enc.encode(err)).toBe(
      'data: {"error":{"code":503,"message":"Overloaded","status":"UNAVAILABLE","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"5s"}]}}\n\n',
    );
    expect(enc.encode({ type: 'text', text: 'late' })).toBe('');
    expect(enc.end()).toBe('');
  });

  test('json-array errors close the array, before or after other chunks', () => {
    const err: StreamEvent = { type: 'error', error: { status: 500, kind: 'api_error', message: 'boom' } };
    const a = geminiCodec.createStreamEncoder({ model: 'm', format: 'json-array' });
    const first = a.encode(err) + a.end();
    expect(JSON.parse(first)).toEqual([{ error: { code: 500, message: 'boom', status: 'INTERNAL' } }]);

    const b = geminiCodec.createStreamEncoder({ model: 'm', format: 'json-array' });
    const text = b.encode({ type: 'start', id: 'i', model: 'x' }) + b.encode({ type: 'text', text: 'hi' }) + b.encode(err) + b.end();
    expect(JSON.parse(text)).toHaveLength(2);
    expect(text.endsWith('"status":"INTERNAL"}}]')).toBe(true);
  });

  test('an empty json-array stream is still valid JSON; keepalives are ignorable', () => {
    const a = geminiCodec.createStreamEncoder({ model: 'm', format: 'json-array' });
    expect(a.end()).toBe('[]');
    expect(a.keepalive().trim()).toBe('');
    const s = geminiCodec.createStreamEncoder({ model: 'm' });
    // SSE: a blank line, not a comment; @google/genai 1.x stalls on a comment (googleapis/js-genai#963).
    expect(s.keepalive()).toBe('\n\n');
  });

  test('tool calls still open at finish are flushed first; one whose JSON was cut is not sent', () => {
    const text = encodeAll([
      { type: 'start', id: 'msg_01', model: 'x' },
      { type: 'tool_call_start', index: 0, id: 'a', name: 'f' },
      { type: 'tool_call_delta', index: 0, args: '{"a":1}' },
      { type: 'tool_call_start', index: 1, id: 'b', name: 'f' },
      { type: 'tool_call_delta', index: 1, args: '{"a":1' },
      { type: 'finish', reason: 'length', usage: { inputTokens: 1, outputTokens: 2 } },
    ]);
    const chunks = text.split('\n\n').filter((f) => f !== '').map((f) => JSON.parse(f.slice(6)));
    expect(chunks.map((c) => c.candidates[0].content.parts)).toEqual([[{ functionCall: { id: 'a', name: 'f', args: { a: 1 } } }], [{ text: '' }]]);
    expect(chunks[1].candidates[0].finishReason).toBe('MAX_TOKENS');
  });

  test('a call whose arguments are not a JSON object is not sent, even once ended', () => {
    for (const args of ['{"path":"/tmp/a.txt","content":"hel', '[1]', 'nul']) {
      const text = encodeAll([
        { type: 'start', id: 'r', model: 'x' },
        { type: 'tool_call_start', index: 0, id: 'c', name: 'write_file' },
        { type: 'tool_call_delta', index: 0, args },
        { type: 'tool_call_end', index: 0 },
        { type: 'finish', reason: 'length', usage: { inputTokens: 1, outputTokens: 2 } },
      ]);
      expect(text).not.toContain('functionCall');
      expect(text).toContain('"finishReason":"MAX_TOKENS"');
    }
  });

  describe('thought text only for a request with includeThoughts: true', () => {
    const encodeFor = (request: Record<string, unknown>, format: 'sse' | 'json-array'): string => {
      const enc = geminiCodec.createStreamEncoder({ model: 'gemini-2.5-pro', format, request });
      return EVENTS.map((e) => enc.encode(e)).join('') + enc.end();
    };
    const ask = (thinkingConfig: Record<string, unknown>) => ({ contents: [], generationConfig: { thinkingConfig } });

    test.each([
      ['absent', { contents: [] }],
      ['a budget alone', ask({ thinkingBudget: 2048 })],
      ['includeThoughts false', ask({ includeThoughts: false, thinkingBudget: 2048 })],
      ['camelCase false beside snake_case true', ask({ includeThoughts: false, include_thoughts: true })],
    ])('%s: none in SSE or the JSON array, the signature and everything else still sent', (_label, request) => {
      for (const format of ['sse', 'json-array'] as const) {
        const text = encodeFor(request, format);
        expect(text).not.toContain('The user greets');
        expect(text).not.toContain('"thought":true');
        expect(text).toContain('{"text":"","thoughtSignature":"VGhvdWdodFNpZw=="}');
        expect(text).toContain('你好');
        expect(text).toContain('"args":{"city":"東京"}');
      }
      // Every chunk but the two thought ones.
      expect(JSON.parse(encodeFor(request, 'json-array'))).toHaveLength(EXPECTED_SSE.split('\n\n').length - 1 - 2);
    });

    test.each([
      ['camelCase', ask({ includeThoughts: true })],
      ['snake_case', { contents: [], generation_config: { thinking_config: { include_thoughts: true } } }],
    ])('%s true: sent as thought parts', (_label, request) => {
      expect(encodeFor(request, 'sse')).toBe(EXPECTED_SSE);
    });
  });
});

describe('gemini stream encoder against the @google/genai SDK', () => {
  let body = '';
  let server: ReturnType<typeof Bun.serve>;
  let ai: GoogleGenAI;

  beforeAll(() => {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    });
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: `http://127.0.0.1:${server.port}` } });
  });
  afterAll(() => server.stop(true));

  async function collect(): Promise<GenerateContentResponse[]> {
    const out: GenerateContentResponse[] = [];
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'hi' });
    for await (const chunk of stream) {
      out.push(chunk);
      if (out.length > 100) break;
    }
    return out;
  }

  test('the SDK reconstructs text, thoughts, function calls, finish reason and usage', async () => {
    body = encodeAll(EVENTS);
    const chunks = await collect();
    const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
    const thoughts = parts.filter((p) => p.thought).map((p) => p.text).join('');
    const text = parts.filter((p) => !p.thought && typeof p.text === 'string').map((p) => p.text).join('');
    const calls = chunks.flatMap((c) => c.functionCalls ?? []);
    const last = chunks[chunks.length - 1]!;
    expect(thoughts).toBe('The user greets in Chinese.');
    expect(text).toBe('你好🙂!');
    expect(calls).toEqual([
      { id: 'toolu_01', name: 'get_weather', args: { city: '東京' } },
      { id: 'toolu_02', name: 'get_time', args: {} },
    ]);
    expect(parts.find((p) => p.functionCall?.name === 'get_weather')?.thoughtSignature).toBe('Q2FsbFNpZw==');
    expect(last.candidates?.[0]?.finishReason).toBe('STOP' as never);
    expect(last.usageMetadata).toMatchObject({ promptTokenCount: 30, candidatesTokenCount: 25, thoughtsTokenCount: 20, totalTokenCount: 75 });
    expect(last.responseId).toBe('msg_01');
    expect(last.modelVersion).toBe('gemini-2.5-pro');
  });

  test('a chat session keeps the streamed turn in its history', async () => {
    body = encodeAll([
      { type: 'start', id: 'r', model: 'x' },
      { type: 'text', text: 'Hello ' },
      { type: 'text', text: 'there' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 3, outputTokens: 2 } },
    ]);
    const chat = ai.chats.create({ model: 'gemini-2.5-pro' });
    const stream = await chat.sendMessageStream({ message: 'hi' });
    let n = 0;
    for await (const _ of stream) if (++n > 100) break;
    // The SDK records each streamed chunk's content; a last chunk without parts would void them all.
    const [user, ...model] = chat.getHistory(true);
    expect(user!.role).toBe('user');
    expect(model.length).toBeGreaterThan(0);
    expect(model.every((c) => c.role === 'model')).toBe(true);
    expect(model.flatMap((c) => c.parts ?? []).map((p) => p.text).join('')).toBe('Hello there');
  });

  test('an in-band error surfaces as the SDK ApiError with its status', async () => {
    body = encodeAll([
      { type: 'start', id: 'r', model: 'x' },
      { type: 'text', text: 'partial' },
      { type: 'error', error: { status: 429, kind: 'rate_limit', message: 'slow down' } },
    ]);
    let caught: unknown;
    try {
      await collect();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as { status?: number }).status).toBe(429);
    expect(String((caught as Error).message)).toContain('slow down');
  });
});
