import { beforeEach, describe, expect, test } from 'bun:test';
import { ProxyError } from '../../../src/core/errors.ts';
import type { CanonicalResponse, ToolCallPart } from '../../../src/core/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { clearSignatureCache, recallSignature } from '../../../src/protocols/gemini/signature-cache.ts';

beforeEach(() => clearSignatureCache());

/** A real Gemini 2.5 Flash tool-call response (protocols.md §3.3). */
const toolCallResponse = {
  candidates: [
    {
      content: {
        role: 'model',
        parts: [
          { functionCall: { name: 'customDivide', args: { denominator: 2, numerator: 10 } }, thoughtSignature: 'CiQBVKhc7gVN' },
        ],
      },
      finishReason: 'STOP',
      finishMessage: 'Model generated function call(s).',
      index: 0,
    },
  ],
  modelVersion: 'gemini-2.5-flash',
  responseId: 'cNSfaL2nLvCez7IPxKGWuAg',
  usageMetadata: {
    promptTokenCount: 81,
    candidatesTokenCount: 20,
    thoughtsTokenCount: 179,
    totalTokenCount: 280,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 81 }],
  },
};

describe('gemini decodeResponse', () => {
  test('a function call: synthesised id, signature kept and remembered, STOP means tool_calls', () => {
    const res = geminiCodec.decodeResponse(toolCallResponse);
    expect(res.id).toBe('cNSfaL2nLvCez7IPxKGWuAg');
    expect(res.model).toBe('gemini-2.5-flash');
    expect(res.finishReason).toBe('tool_calls');
    expect(res.usage).toEqual({ inputTokens: 81, outputTokens: 199, reasoningTokens: 179 });
    const call = res.content[0] as ToolCallPart;
    expect(call).toMatchObject({
      type: 'tool_call',
      name: 'customDivide',
      args: { denominator: 2, numerator: 10 },
      signature: { family: 'gemini', value: 'CiQBVKhc7gVN' },
    });
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(recallSignature(call.id, 'gemini')).toBe('CiQBVKhc7gVN');
    // A second decode makes a different id: ids must be unique per call.
    expect((geminiCodec.decodeResponse(toolCallResponse).content[0] as ToolCallPart).id).not.toBe(call.id);
  });

  test('a given functionCall.id is used, and its signature is remembered under it for non-Gemini clients', () => {
    const body = structuredClone(toolCallResponse);
    (body.candidates[0]!.content.parts[0]!.functionCall as Record<string, unknown>).id = 'fc_1';
    const call = geminiCodec.decodeResponse(body).content[0] as ToolCallPart;
    expect(call.id).toBe('fc_1');
    expect(recallSignature('fc_1', 'gemini')).toBe('CiQBVKhc7gVN');
  });

  test('thoughts, text, signatures on text, and cached/tool-use tokens', () => {
    const res = geminiCodec.decodeResponse({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: '**Planning**\nI will greet.', thought: true },
              { text: '', thoughtSignature: 'U0lH' },
              { text: 'Hello ' },
              { text: 'there!', thoughtSignature: 'VEVYVA==' },
              { text: '' },
            ],
          },
          finishReason: 'MAX_TOKENS',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 1000,
        cachedContentTokenCount: 800,
        toolUsePromptTokenCount: 10,
        candidatesTokenCount: 5,
        thoughtsTokenCount: 7,
        totalTokenCount: 1022,
      },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'r1',
      createTime: '2026-01-02T03:04:05.678Z',
    });
    expect(res).toEqual({
      id: 'r1',
      model: 'gemini-2.5-pro',
      created: Math.floor(Date.parse('2026-01-02T03:04:05.678Z') / 1000),
      content: [
        { type: 'thinking', text: '**Planning**\nI will greet.', signature: { family: 'gemini', value: 'U0lH' } },
        { type: 'text', text: 'Hello ' },
        { type: 'text', text: 'there!', extras: { gemini: { thoughtSignature: 'VEVYVA==' } } },
      ],
      finishReason: 'length',
      usage: { inputTokens: 1010, outputTokens: 12, reasoningTokens: 7, cacheReadTokens: 800 },
    });
  });

  test('an image model\'s inlineData answer is an image part (Wei-Shaw/sub2api#4798); its interim thought images are not', () => {
    const res = geminiCodec.decodeResponse({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { inlineData: { mimeType: 'image/png', data: 'ZHJhZnQ=' }, thought: true },
              { text: 'A cat.' },
              { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' }, thoughtSignature: 'c2ln' },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    expect(res.content).toEqual([
      { type: 'text', text: 'A cat.' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
    expect(res.finishReason).toBe('stop');
    expect(geminiCodec.encodeResponse(res)).toMatchObject({
      candidates: [{ content: { parts: [{ text: 'A cat.' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] } }],
    });
  });

  test('a blocked prompt is content_filter with no content', () => {
    const res = geminiCodec.decodeResponse({
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT', safetyRatings: [] },
      usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'blk',
    });
    expect(res.content).toEqual([]);
    expect(res.finishReason).toBe('content_filter');
    expect(res.usage).toEqual({ inputTokens: 12, outputTokens: 0 });
  });

  test.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['SPII', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    ['OTHER', 'other'],
    ['SOMETHING_NEW', 'other'],
  ])('finishReason %s → %s', (raw, expected) => {
    const res = geminiCodec.decodeResponse({ candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: raw, index: 0 }] });
    expect(res.finishReason).toBe(expected as CanonicalResponse['finishReason']);
  });

  test('only candidate 0 is read; missing ids and usage are filled in', () => {
    const res = geminiCodec.decodeResponse({
      candidates: [
        { content: { role: 'model', parts: [{ text: 'second' }] }, finishReason: 'STOP', index: 1 },
        { content: { role: 'model', parts: [{ text: 'first' }] }, finishReason: 'STOP' },
      ],
    });
    expect(res.content).toEqual([{ type: 'text', text: 'first' }]);
    expect(res.id).toMatch(/^gemini-/);
    expect(res.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  test('an error body throws the upstream error; a non-object is a 502', () => {
    const thrown = (body: unknown): ProxyError => {
      try {
        geminiCodec.decodeResponse(body);
      } catch (e) {
        if (e instanceof ProxyError) return e;
      }
      throw new Error('expected a ProxyError');
    };
    const body = [{ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } }];
    expect(thrown(body).info).toMatchObject({ status: 429, kind: 'rate_limit', message: 'Resource exhausted' });
    expect(thrown('oops').info).toMatchObject({ status: 502, kind: 'api_error' });
  });
});

describe('gemini encodeResponse', () => {
  test('renders the Gemini shape with ids on calls and usage split back out', () => {
    const res: CanonicalResponse = {
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', text: 'hmm', signature: { family: 'anthropic', value: 'EqQBCkgI' } },
        { type: 'thinking', text: '', redacted: 'opaque' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_call', id: 'toolu_01', name: 'get_weather', args: { city: 'Paris' } },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 120, outputTokens: 80, reasoningTokens: 30, cacheReadTokens: 100 },
    };
    expect(geminiCodec.encodeResponse(res)).toEqual({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              // Anthropic's signature travels wrapped (see the round-trip test below).
              { text: 'hmm', thought: true, thoughtSignature: 'YWlwcm94eTphbnRocm9waWM6RXFRQkNrZ0k=' },
              { text: 'Calling.' },
              { functionCall: { id: 'toolu_01', name: 'get_weather', args: { city: 'Paris' } } },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 120,
        candidatesTokenCount: 50,
        thoughtsTokenCount: 30,
        totalTokenCount: 200,
        cachedContentTokenCount: 100,
      },
      modelVersion: 'claude-sonnet-4-5',
      responseId: 'msg_01',
    });
  });

  test('an Anthropic thinking signature survives a Gemini client’s history, streamed chunk by chunk or whole', () => {
    const anthropic = { family: 'anthropic' as const, value: 'EqQBCkgIARAB/+sig==' };
    const whole = geminiCodec.encodeResponse({
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'thinking', text: 'Let me think.', signature: anthropic }],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    }) as { candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }> };
    const wholeParts = whole.candidates[0]!.content.parts;
    // The wrapped value is valid base64, as Gemini's `bytes` field requires.
    expect(String(wholeParts[0]!.thoughtSignature)).toMatch(/^[A-Za-z0-9+/]+=*$/);

    // The genai SDK records a streamed answer as one model content per chunk.
    const streamed = [
      { role: 'model', parts: [{ text: 'Let me ', thought: true }] },
      { role: 'model', parts: [{ text: 'think.', thought: true }] },
      { role: 'model', parts: [{ text: '', thoughtSignature: wholeParts[0]!.thoughtSignature }] },
      { role: 'model', parts: [{ text: 'Done.' }] },
    ];
    for (const model of [[{ role: 'model', parts: wholeParts }], streamed]) {
      const req = geminiCodec.decodeRequest({ contents: [{ role: 'user', parts: [{ text: 'q' }] }, ...model] }, { model: 'claude-sonnet-4-5' });
      expect(req.messages[1]!.content[0]).toEqual({ type: 'thinking', text: 'Let me think.', signature: anthropic });
    }
    // Gemini's own signatures are left as they are.
    const gemini = geminiCodec.decodeRequest({
      contents: [{ role: 'model', parts: [{ text: 't', thought: true, thoughtSignature: 'skip_thought_signature_validator' }] }],
    });
    expect(gemini.messages[0]!.content[0]).toEqual({ type: 'thinking', text: 't', signature: { family: 'gemini', value: 'skip_thought_signature_validator' } });
  });

  test.each([
    ['length', 'MAX_TOKENS'],
    ['content_filter', 'SAFETY'],
    ['stop_sequence', 'STOP'],
    ['pause', 'STOP'],
    ['other', 'OTHER'],
  ] as const)('finish %s → %s', (reason, raw) => {
    const out = geminiCodec.encodeResponse({ id: 'a', model: 'b', content: [], finishReason: reason, usage: { inputTokens: 0, outputTokens: 0 } }) as {
      candidates: Array<{ finishReason: string }>;
    };
    expect(out.candidates[0]!.finishReason).toBe(raw);
  });
});
