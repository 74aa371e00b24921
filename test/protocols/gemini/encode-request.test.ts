import { beforeEach, describe, expect, test } from 'bun:test';
import type { CanonicalRequest, Message, ToolDefinition } from '../../../src/core/index.ts';
import {
  decodeCountTokensResponse,
  encodeCountTokensRequest,
  geminiCodec,
} from '../../../src/protocols/gemini/index.ts';
import { clearSignatureCache, rememberSignature } from '../../../src/protocols/gemini/signature-cache.ts';
import { formatSignature } from '../../../src/protocols/gemini/signature.ts';
import { canonicalRequest } from '../../helpers/canonical.ts';

const base = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => canonicalRequest({ model: 'gemini-2.5-flash', ...over });

const encode = (over: Partial<CanonicalRequest> = {}, model = 'gemini-2.5-flash') =>
  geminiCodec.encodeRequest(base(over), { model }) as Record<string, unknown> & {
    contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>;
  };

const weatherTool: ToolDefinition = {
  name: 'get_weather',
  description: 'Weather for a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};

beforeEach(() => clearSignatureCache());

describe('gemini encodeRequest: contents', () => {
  test('system prompt and mid-conversation system messages become one systemInstruction', () => {
    const body = encode({
      system: [
        { type: 'text', text: 'You are Claude Code.' },
        { type: 'text', text: 'Be concise.' },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'system', content: [{ type: 'text', text: 'Tools changed.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
        { role: 'user', content: [{ type: 'text', text: 'more' }] },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'You are Claude Code.\n\nBe concise.\n\nTools changed.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'hi' }] },
      { role: 'model', parts: [{ text: 'hello' }] },
      { role: 'user', parts: [{ text: 'more' }] },
    ]);
  });

  test('merges same-role turns, drops empty parts and turns, starts and ends with the user', () => {
    const body = encode({
      messages: [
        { role: 'assistant', content: [{ type: 'text', text: 'Welcome back.' }] },
        { role: 'user', content: [{ type: 'text', text: '' }] },
        { role: 'assistant', content: [{ type: 'thinking', text: 'secret', signature: { family: 'anthropic', value: 'EqQB' } }] },
        { role: 'user', content: [{ type: 'text', text: 'one' }] },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Sure, ' }] },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: '(conversation continued)' }] },
      { role: 'model', parts: [{ text: 'Welcome back.' }] },
      { role: 'user', parts: [{ text: 'one' }, { text: 'two' }] },
      { role: 'model', parts: [{ text: 'Sure, ' }] },
      { role: 'user', parts: [{ text: 'Please continue.' }] },
    ]);
  });

  test('an empty conversation still has one user turn', () => {
    expect(encode({ messages: [], system: [{ type: 'text', text: 'sys' }] }).contents).toEqual([
      { role: 'user', parts: [{ text: '(conversation continued)' }] },
    ]);
  });

  test('media: base64 inline, data URLs inline, remote URIs as fileData, text documents as text', () => {
    const body = encode({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' }, detail: 'high' },
            { type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,/9j/' } },
            { type: 'file', source: { kind: 'url', url: 'https://generativelanguage.googleapis.com/v1beta/files/f1', mediaType: 'application/pdf' } },
            { type: 'image', source: { kind: 'url', url: 'gs://bucket/cat.webp' } },
            { type: 'file', source: { kind: 'text', mediaType: 'text/plain', data: 'plain doc' }, filename: 'a.txt' },
            { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBER' } },
          ],
        },
      ],
    });
    expect(body.contents[0]!.parts).toEqual([
      { inlineData: { mimeType: 'image/png', data: 'iVBOR' } },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } },
      { fileData: { mimeType: 'application/pdf', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/f1' } },
      { fileData: { mimeType: 'image/webp', fileUri: 'gs://bucket/cat.webp' } },
      { text: 'plain doc' },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBER' } },
    ]);
  });
});

describe('gemini encodeRequest: tool calls and results', () => {
  const call = (id: string, name: string, args: Record<string, unknown> = {}) => ({ type: 'tool_call' as const, id, name, args });
  const result = (callId: string, text: string, isError?: boolean) => ({
    type: 'tool_result' as const,
    callId,
    content: [{ type: 'text' as const, text }],
    ...(isError ? { isError } : {}),
  });

  test('responses follow their calls in call order, hoisted before text, with names from history', () => {
    const body = encode({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'Checking.' }, call('toolu_1', 'get_weather', { city: 'Paris' }), call('toolu_2', 'get_time')],
        },
        { role: 'user', content: [{ type: 'text', text: 'thanks' }, result('toolu_2', '{"time":"12:00"}'), result('toolu_1', 'sunny')] },
      ],
    });
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [
        { text: 'Checking.' },
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'skip_thought_signature_validator' },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    });
    expect(body.contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } },
        { functionResponse: { name: 'get_time', response: { time: '12:00' } } },
        { text: 'thanks' },
      ],
    });
  });

  test('missing results are synthesised, stray results become text, errors use the error key', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: [call('a', 'one'), call('b', 'two')] },
        { role: 'user', content: [result('b', 'exploded', true), { ...result('zzz', 'from nowhere'), name: 'ghost' }] },
      ],
    });
    expect(body.contents[2]!.parts).toEqual([
      { functionResponse: { name: 'one', response: { error: 'The tool result was lost.' } } },
      { functionResponse: { name: 'two', response: { error: 'exploded' } } },
      { text: '[tool result for ghost]\nfrom nowhere' },
    ]);
  });

  test('calls at the very end get lost-result responses so the history stays valid', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: [call('a', 'one')] },
      ],
    });
    expect(body.contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
    expect(body.contents[2]!.parts).toEqual([{ functionResponse: { name: 'one', response: { error: 'The tool result was lost.' } } }]);
  });

  test('tool results with images put the media right after the responses', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'screenshot' }] },
        { role: 'assistant', content: [call('s', 'screenshot')] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              callId: 's',
              content: [
                { type: 'text', text: 'done' },
                { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'PNG' } },
              ],
            },
          ],
        },
      ],
    });
    expect(body.contents[2]!.parts).toEqual([
      { functionResponse: { name: 'screenshot', response: { output: 'done' } } },
      { inlineData: { mimeType: 'image/png', data: 'PNG' } },
    ]);
  });

  test("Gemini 3 and later: a result's inline image or PDF goes inside its function response; other media stays beside", () => {
    const results = (model: string) =>
      encode(
        {
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'look' }] },
            { role: 'assistant', content: [call('s', 'screenshot'), call('r', 'read')] },
            {
              role: 'user',
              content: [
                {
                  type: 'tool_result',
                  callId: 's',
                  content: [
                    { type: 'text', text: 'done' },
                    { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'PNG' } },
                  ],
                },
                {
                  type: 'tool_result',
                  callId: 'r',
                  content: [
                    { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'PDF' } },
                    { type: 'image', source: { kind: 'url', url: 'gs://bucket/cat.webp' } },
                  ],
                },
              ],
            },
          ],
        },
        model,
      ).contents[2]!.parts;
    // Beside the responses Gemini 3 answers 400 "Requests ending with a model turn are not supported." (agno-agi/agno#9630).
    expect(results('gemini-3-pro-preview')).toEqual([
      { functionResponse: { name: 'screenshot', response: { output: 'done' }, parts: [{ inlineData: { mimeType: 'image/png', data: 'PNG' } }] } },
      { functionResponse: { name: 'read', response: { output: '' }, parts: [{ inlineData: { mimeType: 'application/pdf', data: 'PDF' } }] } },
      // A URI has no place inside a response on the Gemini API.
      { fileData: { mimeType: 'image/webp', fileUri: 'gs://bucket/cat.webp' } },
    ]);
    // Gemini 2.x takes no media inside a response: beside it, as before.
    expect(results('gemini-2.5-pro').filter((p) => p.inlineData !== undefined)).toHaveLength(2);
  });

  test('signatures: own gemini one, remembered one, thinking one moved forward, never another family', () => {
    rememberSignature('toolu_cached', { family: 'gemini', value: 'CACHED_SIG' });
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [{ ...call('c1', 'one'), signature: { family: 'gemini', value: 'OWN_SIG' } }, call('c2', 'two')],
      },
      { role: 'user', content: [result('c1', 'x'), result('c2', 'y')] },
      { role: 'assistant', content: [call('toolu_cached', 'three')] },
      { role: 'user', content: [result('toolu_cached', 'z')] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'thinking…', signature: { family: 'gemini', value: 'THOUGHT_SIG' } },
          { type: 'text', text: 'Let me check.' },
          call('c4', 'four'),
        ],
      },
      { role: 'user', content: [result('c4', 'w')] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'hmm', signature: { family: 'anthropic', value: 'ANTHROPIC_SIG' } },
          { ...call('c5', 'five'), signature: { family: 'anthropic', value: 'ANTHROPIC_SIG' } },
        ],
      },
      { role: 'user', content: [result('c5', 'v')] },
    ];
    const body = encode({ messages }, 'gemini-3-pro-preview');
    const model = body.contents.filter((c) => c.role === 'model').map((c) => c.parts);
    expect(model[0]).toEqual([
      { functionCall: { name: 'one', args: {} }, thoughtSignature: 'OWN_SIG' },
      { functionCall: { name: 'two', args: {} } },
    ]);
    expect(model[1]).toEqual([{ functionCall: { name: 'three', args: {} }, thoughtSignature: 'CACHED_SIG' }]);
    // Thought text is stripped; its signature rides on the next part, and the first call gets the bypass.
    expect(model[2]).toEqual([
      { text: 'Let me check.', thoughtSignature: 'THOUGHT_SIG' },
      { functionCall: { name: 'four', args: {} }, thoughtSignature: 'skip_thought_signature_validator' },
    ]);
    expect(model[3]).toEqual([{ functionCall: { name: 'five', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }]);
    expect(JSON.stringify(body)).not.toContain('ANTHROPIC_SIG');
  });

  test('a replayed bypass signature defers to the remembered real one', () => {
    rememberSignature('call_x', { family: 'gemini', value: 'REAL' });
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: [{ ...call('call_x', 'f'), signature: { family: 'gemini', value: 'skip_thought_signature_validator' } }] },
        { role: 'user', content: [result('call_x', 'ok')] },
      ],
    });
    expect(body.contents[1]!.parts[0]!.thoughtSignature).toBe('REAL');
  });

  test('text signatures and original Gemini parts from a Gemini client go back as they came', () => {
    const code = { executableCode: { language: 'PYTHON', code: 'print(1)' } };
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: '```python\nprint(1)\n```', extras: { gemini: { part: code } } },
            { type: 'text', text: 'Done.', extras: { gemini: { thoughtSignature: 'TEXT_SIG' } } },
            { type: 'text', text: '', extras: { gemini: { thoughtSignature: 'TRAILING' } } },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'ok' }] },
      ],
    });
    expect(body.contents[1]!.parts).toEqual([code, { text: 'Done.', thoughtSignature: 'TEXT_SIG' }]);
  });
});

/** The Gemini API and Code Assist refuse each other's signatures: each backend gets only its own. */
describe('gemini encodeRequest: signatures by backend', () => {
  const API = { family: 'gemini', value: 'API_SIG' } as const;
  const CA = { family: 'code-assist', value: 'CA_SIG' } as const;
  const marked = formatSignature(CA);
  const call = (id: string, signature?: typeof API | typeof CA) => ({ type: 'tool_call' as const, id, name: 'f', args: {}, ...(signature ? { signature } : {}) });
  const result = (callId: string) => ({ type: 'tool_result' as const, callId, name: 'f', content: [{ type: 'text' as const, text: 'ok' }] });
  const messages = (...turns: Message['content'][]): Message[] => [
    { role: 'user', content: [{ type: 'text', text: 'go' }] },
    ...turns.flatMap((content, i): Message[] => [{ role: 'assistant', content }, { role: 'user', content: [result(`c${i}`)] }]),
  ];
  const history = messages(
    [{ type: 'thinking', text: 'api', signature: API }, { type: 'text', text: 'A.', extras: { gemini: { thoughtSignature: API.value } } }, call('c0')],
    [{ type: 'thinking', text: 'ca', signature: CA }, { type: 'text', text: 'B.', extras: { gemini: { thoughtSignature: marked } } }, call('c1')],
    [call('c2', API)],
    [call('c3', CA)],
  );
  const modelParts = (family: 'gemini' | 'code-assist') =>
    (geminiCodec.encodeRequest(base({ messages: history }), { model: 'gemini-3-flash-preview', signatureFamily: family }) as { contents: Array<{ role: string; parts: unknown[] }> }).contents
      .filter((c) => c.role === 'model')
      .map((c) => c.parts);
  const fcall = (thoughtSignature: string) => ({ functionCall: { name: 'f', args: {} }, thoughtSignature });

  test('to the Gemini API: its own, as they are; the bypass value where Code Assist signed', () => {
    expect(modelParts('gemini')).toEqual([
      [{ text: 'A.', thoughtSignature: 'API_SIG' }, fcall('skip_thought_signature_validator')],
      [{ text: 'B.' }, fcall('skip_thought_signature_validator')],
      [fcall('API_SIG')],
      [fcall('skip_thought_signature_validator')],
    ]);
  });

  test("to Code Assist: its own, raw (a Gemini client's text part had it marked); the bypass value where the Gemini API signed", () => {
    expect(modelParts('code-assist')).toEqual([
      [{ text: 'A.' }, fcall('skip_thought_signature_validator')],
      [{ text: 'B.', thoughtSignature: 'CA_SIG' }, fcall('skip_thought_signature_validator')],
      [fcall('skip_thought_signature_validator')],
      [fcall('CA_SIG')],
    ]);
  });

  test('a remembered signature goes only to the backend that issued it', () => {
    rememberSignature('c0', API);
    rememberSignature('c1', CA);
    const plain = messages([call('c0')], [call('c1')]);
    const sent = (family: 'gemini' | 'code-assist') =>
      (geminiCodec.encodeRequest(base({ messages: plain }), { model: 'gemini-3-flash-preview', signatureFamily: family }) as { contents: Array<{ role: string; parts: unknown[] }> }).contents
        .filter((c) => c.role === 'model')
        .map((c) => c.parts);
    expect(sent('gemini')).toEqual([[fcall('API_SIG')], [fcall('skip_thought_signature_validator')]]);
    expect(sent('code-assist')).toEqual([[fcall('skip_thought_signature_validator')], [fcall('CA_SIG')]]);
  });

  test('countTokens bodies follow the same rule', () => {
    const body = encodeCountTokensRequest(base({ messages: messages([call('c0', CA)]) }), 'code-assist') as { contents: Array<{ parts: unknown[] }> };
    expect(body.contents[1]!.parts).toEqual([fcall('CA_SIG')]);
  });
});

describe('gemini encodeRequest: tools and config', () => {
  test('tools get cleaned schemas; argument-less tools have no parameters (a bare OBJECT when a call is forced); extras tools are appended', () => {
    const body = encode({
      // `parameters: {}`: what an OpenAI client may send for a tool without arguments; Gemini wants a type there.
      tools: [weatherTool, { name: 'now', parameters: { type: 'object', properties: {} } }, { name: 'ping', parameters: {} }],
      toolChoice: { type: 'tool', name: 'get_weather' },
      extras: { gemini: { tools: [{ googleSearch: {} }] } },
    });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city.',
            parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
          },
          // Mode ANY refuses a declaration without parameters (googleapis/python-genai#981).
          { name: 'now', parameters: { type: 'OBJECT' } },
          { name: 'ping', parameters: { type: 'OBJECT' } },
        ],
      },
      { googleSearch: {} },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    // Unforced, the same tools go without parameters, as Gemini has always taken them.
    for (const toolChoice of [undefined, { type: 'auto' } as const, { type: 'none' } as const]) {
      const unforced = encode({ tools: [{ name: 'now', parameters: { type: 'object', properties: {} } }, { name: 'ping', parameters: {} }], toolChoice });
      expect(unforced.tools).toEqual([{ functionDeclarations: [{ name: 'now' }, { name: 'ping' }] }]);
    }
  });

  test.each([
    [{ type: 'auto' }, 'AUTO'],
    [{ type: 'none' }, 'NONE'],
    [{ type: 'required' }, 'ANY'],
  ] as const)('toolChoice %j → mode %s', (choice, mode) => {
    expect(encode({ tools: [weatherTool], toolChoice: choice }).toolConfig).toEqual({ functionCallingConfig: { mode } });
  });

  test('no toolConfig without declared functions', () => {
    expect(encode({ toolChoice: { type: 'required' } }).toolConfig).toBeUndefined();
  });

  test('generation config fields and JSON modes', () => {
    expect(
      encode({
        temperature: 0.7,
        topP: 0.9,
        topK: 40,
        maxTokens: 1000,
        stop: ['a', 'b', 'c', 'd', 'e', 'f'],
        n: 2,
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        responseFormat: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } } } },
        parallelToolCalls: false,
        user: 'u1',
      }, 'gemini-2.0-flash').generationConfig,
    ).toEqual({
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 1000,
      stopSequences: ['a', 'b', 'c', 'd', 'e'],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { a: { type: 'string' } } },
    });
    expect(encode({ responseFormat: { type: 'json' } }).generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(encode({ responseFormat: { type: 'text' } }).generationConfig).toBeUndefined();
  });

  // "schema at properties.draft can only contain properties starting with '$' when $ref is present"
  // (google-gemini/gemini-cli#4758); pydantic writes a description beside the $ref of a model-typed field.
  test('responseJsonSchema: a $ref with other keywords beside it is inlined, siblings kept; a cycle keeps the bare $ref', () => {
    const hero = { type: 'object', description: 'a hero', properties: { name: { type: 'string' } }, required: ['name'] };
    const schema = {
      type: 'object',
      properties: { hero: { $ref: '#/$defs/Hero', description: 'The hero' }, sidekick: { $ref: '#/$defs/Hero' } },
      $defs: { Hero: hero },
    };
    const sent = (s: Record<string, unknown>) =>
      (encode({ responseFormat: { type: 'json_schema', schema: s } }).generationConfig as { responseJsonSchema: unknown }).responseJsonSchema;
    expect(sent(schema)).toEqual({
      type: 'object',
      properties: { hero: { ...hero, description: 'The hero' }, sidekick: { $ref: '#/$defs/Hero' } },
      $defs: { Hero: hero },
    });
    expect(schema.properties.hero).toEqual({ $ref: '#/$defs/Hero', description: 'The hero' });
    const node = { type: 'object', properties: { next: { $ref: '#/$defs/Node', description: 'the next one' } } };
    expect(sent({ $ref: '#/$defs/Node', $defs: { Node: node } })).toEqual({ $ref: '#/$defs/Node', $defs: { Node: { type: 'object', properties: { next: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } }, description: 'the next one' } } } } });
  });

  test('responseJsonSchema: definitions that refer to each other many times are inlined only so far, then kept as anyOf [$ref]', () => {
    // Eight levels, each property of each a described reference to the next: inlined whole, 126 MB.
    const $defs: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++) {
      const next = i < 7 ? { $ref: `#/$defs/D${i + 1}`, description: 'next' } : { type: 'string' };
      $defs[`D${i}`] = { type: 'object', properties: Object.fromEntries(Array.from({ length: 6 }, (_, k) => [`p${k}`, next])) };
    }
    const schema = { type: 'object', properties: { root: { $ref: '#/$defs/D0', description: 'next' } }, $defs };
    const sent = (encode({ responseFormat: { type: 'json_schema', schema } }).generationConfig as { responseJsonSchema: unknown }).responseJsonSchema;
    const text = JSON.stringify(sent);
    expect(text.length).toBeLessThan(200_000);
    expect(text).toContain('"description":"next","anyOf":[{"$ref":"#/$defs/D');
    // No reference keeps a keyword beside it, which Gemini refuses.
    const offending = (n: unknown): boolean =>
      Array.isArray(n) ? n.some(offending) : typeof n === 'object' && n !== null ? ('$ref' in n && Object.keys(n).some((k) => !k.startsWith('$'))) || Object.values(n).some(offending) : false;
    expect(offending(sent)).toBe(false);
  });

  test.each([
    ['gemini-2.5-flash', { budgetTokens: 50000 }, { thinkingBudget: 24576, includeThoughts: true }],
    ['gemini-2.5-flash', { enabled: false }, { thinkingBudget: 0 }],
    ['gemini-2.5-flash', { effort: 'low' }, { thinkingBudget: 1024, includeThoughts: true }],
    ['gemini-2.5-flash-lite', { budgetTokens: 100 }, { thinkingBudget: 512, includeThoughts: true }],
    ['gemini-2.5-pro', { enabled: false }, { thinkingBudget: 128 }],
    ['gemini-2.5-pro', { budgetTokens: 64000, includeThoughts: false }, { thinkingBudget: 32768, includeThoughts: false }],
    ['gemini-2.5-pro', { adaptive: true, enabled: true }, { thinkingBudget: -1, includeThoughts: true }],
    ['gemini-2.5-pro', { budgetTokens: -1 }, { thinkingBudget: -1, includeThoughts: true }],
    ['gemini-3-pro-preview', { budgetTokens: 32000 }, { thinkingLevel: 'HIGH', includeThoughts: true }],
    ['gemini-3-flash-preview', { effort: 'minimal' }, { thinkingLevel: 'MINIMAL', includeThoughts: true }],
    ['gemini-3-flash-preview', { effort: 'medium' }, { thinkingLevel: 'MEDIUM', includeThoughts: true }],
    ['gemini-3-flash-preview', { enabled: false }, { thinkingLevel: 'MINIMAL' }],
    ['gemini-3-pro-preview', { effort: 'medium' }, { thinkingLevel: 'HIGH', includeThoughts: true }],
    ['gemini-3-pro-preview', { adaptive: true, enabled: true }, { includeThoughts: true }],
    ['gemini-2.5-flash', { includeThoughts: true }, { includeThoughts: true }],
  ] as const)('%s with reasoning %j → thinkingConfig %j', (model, reasoning, expected) => {
    const gc = encode({ reasoning: { ...reasoning } }, model).generationConfig as Record<string, unknown>;
    expect(gc.thinkingConfig).toEqual(expected);
  });

  // A client's small max tokens with no reasoning asked would be spent on unasked thoughts (NousResearch/hermes-agent#91927).
  test.each([
    ['gemini-2.5-flash', 50, { thinkingBudget: 0 }],
    ['gemini-2.5-flash-lite', 300, { thinkingBudget: 0 }],
    ['gemini-2.5-pro', 1000, { thinkingBudget: 128 }],
    ['gemini-3-pro-preview', 100, { thinkingLevel: 'LOW' }],
    ['gemini-3-flash-preview', 2047, { thinkingLevel: 'MINIMAL' }],
    ['gemini-2.5-flash', 2048, undefined],
    ['gemini-2.0-flash', 50, undefined],
    ['gemini-2.5-flash-image', 50, undefined],
    ['gemini-3-pro-image-preview', 50, undefined],
    ['gemini-2.5-flash-preview-tts', 50, undefined],
    ['gemini-2.5-flash-native-audio-preview-09-2025', 50, undefined],
    ['gemini-2.5-computer-use-preview-10-2025', 50, undefined],
    ['gemma-3-27b-it', 50, undefined],
  ] as const)('%s with max tokens %d and no reasoning asked → thinkingConfig %j', (model, maxTokens, expected) => {
    const gc = encode({ maxTokens }, model).generationConfig as Record<string, unknown>;
    expect(gc.thinkingConfig).toEqual(expected);
  });

  test('a small max tokens leaves the reasoning the client asked for alone', () => {
    const gc = encode({ maxTokens: 100, reasoning: { effort: 'high' } }, 'gemini-2.5-flash').generationConfig as Record<string, unknown>;
    expect(gc.thinkingConfig).toEqual({ thinkingBudget: 24576, includeThoughts: true });
  });

  test('models that cannot think get no thinkingConfig', () => {
    expect(encode({ reasoning: { effort: 'high' } }, 'gemini-2.0-flash').generationConfig).toBeUndefined();
  });

  test('Gemini extras are merged back without overriding what the encoder computed', () => {
    const body = encode({
      temperature: 0.2,
      extras: {
        gemini: {
          safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'OFF' }],
          generationConfig: { responseModalities: ['TEXT'], temperature: 1.9 },
          cachedContent: 'cachedContents/abc',
        },
        anthropic: { metadata: { user_id: 'x' } },
      },
    });
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'OFF' }]);
    expect(body.cachedContent).toBe('cachedContents/abc');
    expect(body.generationConfig).toEqual({ responseModalities: ['TEXT'], temperature: 0.2 });
    expect(JSON.stringify(body)).not.toContain('user_id');
  });
});

describe('gemini countTokens helpers', () => {
  test('plain contents when there is nothing else, the wrapped form with system or tools', () => {
    expect(encodeCountTokensRequest(base())).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    expect(encodeCountTokensRequest(base({ model: 'gemini-2.5-pro', system: [{ type: 'text', text: 'sys' }], tools: [weatherTool] }))).toEqual({
      generateContentRequest: {
        model: 'models/gemini-2.5-pro',
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        systemInstruction: { parts: [{ text: 'sys' }] },
        tools: [
          {
            functionDeclarations: [
              {
                name: 'get_weather',
                description: 'Weather for a city.',
                parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
              },
            ],
          },
        ],
      },
    });
  });

  test('decodeCountTokensResponse', () => {
    expect(decodeCountTokensResponse({ totalTokens: 31, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 31 }] })).toBe(31);
    expect(decodeCountTokensResponse({})).toBe(0);
    expect(decodeCountTokensResponse('nope')).toBeNaN();
    expect(decodeCountTokensResponse({ error: { code: 400 } })).toBeNaN();
  });
});
