import { describe, expect, test } from 'bun:test';
import type { CanonicalRequest } from '../../../src/core/index.ts';
import { encodeCountTokensRequest, geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { canThink, plainGemma, refusesJsonWithFunctions, thinkingLevels } from '../../../src/protocols/gemini/model-rules.ts';

const base = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => ({
  model: 'gemma-3-27b-it',
  system: [{ type: 'text', text: 'Be terse.' }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  toolChoice: { type: 'required' },
  stream: false,
  extras: {},
  ...over,
});
const encode = (model: string, over: Partial<CanonicalRequest> = {}) =>
  geminiCodec.encodeRequest(base(over), { model }) as Record<string, unknown> & { contents: Array<{ parts: unknown[] }> };

describe('gemini model rules', () => {
  test('ids match with dates, versions and prefixes', () => {
    for (const m of ['gemma-3-27b-it', 'models/gemma-3n-e4b-it', 'gemma-2-9b-it', 'google/gemma-3-12b-it']) expect(plainGemma(m)).toBe(true);
    for (const m of ['gemma-4-31b-it', 'gemini-2.5-flash', 'gemma-30b']) expect(plainGemma(m)).toBe(false);
    expect(thinkingLevels('models/gemma-4-26b-a4b-it')).toEqual(['MINIMAL', 'HIGH']);
    expect(thinkingLevels('gemini-3.1-pro-preview')).toEqual(['LOW', 'HIGH']);
    for (const m of ['gemini-3-flash-preview', 'models/gemini-3.1-flash-lite-preview', 'gemini-3.5-flash']) {
      expect(thinkingLevels(m)).toEqual(['MINIMAL', 'LOW', 'MEDIUM', 'HIGH']);
    }
    expect(thinkingLevels('gemini-3.1-flash-image-preview')).toEqual(['LOW', 'HIGH']);
    expect(thinkingLevels('gemini-2.5-pro')).toBeUndefined();
    for (const m of ['gemini-2.5-flash-image', 'gemini-2.5-flash-image-preview', 'gemini-2.0-flash-001', 'gemini-1.5-pro']) expect(canThink(m)).toBe(false);
    for (const m of ['gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3-pro-image-preview']) expect(canThink(m)).toBe(true);
  });

  test('Gemma 3: system and JSON mode go into the first user turn; function declarations and the calling mode stay behind', () => {
    const body = encode('gemma-3-27b-it', { responseFormat: { type: 'json' }, temperature: 0.3 });
    expect(body.systemInstruction).toBeUndefined();
    expect(body.tools).toBeUndefined();
    expect(body.toolConfig).toBeUndefined();
    expect(body.generationConfig).toEqual({ temperature: 0.3 });
    expect(body.contents[0]!.parts).toEqual([{ text: 'Be terse.\n\nReply with a single JSON value and nothing else.' }, { text: 'hi' }]);
  });

  test('Gemma 3: tools a Gemini client added itself (googleSearch) are left to the client', () => {
    const body = encode('gemma-3-27b-it', { extras: { gemini: { tools: [{ googleSearch: {} }] } } });
    expect(body.tools).toEqual([{ googleSearch: {} }]);
    expect(body.toolConfig).toBeUndefined();
  });

  test('Gemma 3 countTokens counts the prompt as generateContent would send it', () => {
    const body = encodeCountTokensRequest(base({ tools: [], toolChoice: undefined }));
    expect(body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Be terse.' }, { text: 'hi' }] }] });
  });

  test('other models keep systemInstruction, tools and JSON mode', () => {
    const body = encode('gemma-4-31b-it', { responseFormat: { type: 'json' } });
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be terse.' }] });
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(body.generationConfig).toEqual({ responseMimeType: 'application/json' });
  });

  // googleapis/python-genai#867: "Function calling with a response mime type: 'application/json' is unsupported".
  test('Gemini 1.x/2.x with callable functions: JSON mode is asked for in words; without them, or on Gemini 3, natively', () => {
    for (const m of ['gemini-2.5-flash', 'models/gemini-2.0-flash-001', 'gemini-1.5-pro']) expect(refusesJsonWithFunctions(m)).toBe(true);
    for (const m of ['gemini-3-flash-preview', 'gemini-3.1-pro-preview', 'gemini-flash-latest']) expect(refusesJsonWithFunctions(m)).toBe(false);
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const body = encode('gemini-2.5-flash', { toolChoice: { type: 'auto' }, responseFormat: { type: 'json_schema', schema } });
    expect(body.generationConfig).toBeUndefined();
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(body.systemInstruction).toEqual({
      parts: [{ text: `Be terse.\n\nWhen you reply with text rather than a function call, reply with a single JSON value and nothing else, valid against this JSON Schema:\n${JSON.stringify(schema)}` }],
    });
    // Calling switched off, no tools, or Gemini 3: JSON mode as such.
    const json = { responseMimeType: 'application/json' };
    expect(encode('gemini-2.5-flash', { toolChoice: { type: 'none' }, responseFormat: { type: 'json' } }).generationConfig).toEqual(json);
    expect(encode('gemini-2.5-flash', { tools: [], toolChoice: undefined, responseFormat: { type: 'json' } }).generationConfig).toEqual(json);
    expect(encode('gemini-3-flash-preview', { responseFormat: { type: 'json' } }).generationConfig).toEqual(json);
  });

  test.each([
    ['gemma-4-31b-it', { budgetTokens: 8192 }, { thinkingLevel: 'HIGH', includeThoughts: true }],
    ['gemma-4-31b-it', { effort: 'low' }, { thinkingLevel: 'MINIMAL', includeThoughts: true }],
    ['gemma-4-31b-it', { enabled: false }, { thinkingLevel: 'MINIMAL' }],
    ['gemma-4-31b-it', { adaptive: true, enabled: true }, { includeThoughts: true }],
    ['gemini-2.5-flash-image', { effort: 'high' }, undefined],
  ] as const)('%s with reasoning %j → thinkingConfig %j', (model, reasoning, expected) => {
    const gc = encode(model, { tools: [], toolChoice: undefined, reasoning: { ...reasoning } }).generationConfig as Record<string, unknown> | undefined;
    expect(gc?.thinkingConfig).toEqual(expected);
  });
});

describe('Gemma: where the system text goes', () => {
  test('the first user turn, never a model turn', () => {
    const req = (messages: CanonicalRequest['messages']): CanonicalRequest => ({
      model: 'gemma-3-27b-it',
      system: [{ type: 'text', text: 'Be terse.' }],
      messages,
      tools: [],
      stream: false,
      extras: {},
    });
    const started = geminiCodec.encodeRequest(
      req([
        { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      ]),
      { model: 'gemma-3-27b-it' },
    ) as { contents: Array<{ role: string; parts: Array<{ text?: string }> }> };
    const user = started.contents.find((c) => c.role === 'user')!;
    expect(user.parts[0]!.text).toBe('Be terse.');
    expect(started.contents.find((c) => c.role === 'model')!.parts.some((p) => p.text === 'Be terse.')).toBe(false);
  });
});
