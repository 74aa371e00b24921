import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../../src/core/errors.ts';
import type { CanonicalRequest, ToolResultPart } from '../../../src/core/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';

const decode = (body: unknown, ctx = { model: 'gemini-2.5-flash', stream: false }): CanonicalRequest =>
  geminiCodec.decodeRequest(body, ctx);

function errorOf(body: unknown): ProxyError {
  try {
    decode(body);
  } catch (e) {
    if (e instanceof ProxyError) return e;
    throw e;
  }
  throw new Error('expected a ProxyError');
}

/** Shaped like what Gemini CLI sends: parametersJsonSchema, topK 64, thinkingConfig, replayed signed calls. */
const geminiCliBody = {
  systemInstruction: { role: 'user', parts: [{ text: 'You are an interactive CLI agent.' }] },
  contents: [
    { role: 'user', parts: [{ text: 'List the files in src.' }] },
    {
      role: 'model',
      parts: [
        { text: 'The user wants a listing.', thought: true },
        {
          functionCall: { id: 'call_abc', name: 'list_directory', args: { path: 'src' } },
          thoughtSignature: 'skip_thought_signature_validator',
        },
      ],
    },
    {
      role: 'user',
      parts: [{ functionResponse: { id: 'call_abc', name: 'list_directory', response: { output: 'a.ts\nb.ts' } } }],
    },
  ],
  tools: [
    {
      functionDeclarations: [
        {
          name: 'list_directory',
          description: 'Lists a directory.',
          parametersJsonSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        },
      ],
    },
  ],
  generationConfig: {
    temperature: 0,
    topP: 1,
    topK: 64,
    thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 },
  },
};

describe('gemini decodeRequest', () => {
  test('decodes a Gemini CLI request', () => {
    const req = decode(geminiCliBody, { model: 'models/gemini-2.5-pro', stream: true });
    expect(req.model).toBe('gemini-2.5-pro');
    expect(req.stream).toBe(true);
    expect(req.system).toEqual([{ type: 'text', text: 'You are an interactive CLI agent.' }]);
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'List the files in src.' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'The user wants a listing.' },
          {
            type: 'tool_call',
            id: 'call_abc',
            name: 'list_directory',
            args: { path: 'src' },
            signature: { family: 'gemini', value: 'skip_thought_signature_validator' },
          },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', callId: 'call_abc', name: 'list_directory', content: [{ type: 'text', text: 'a.ts\nb.ts' }] },
        ],
      },
    ]);
    expect(req.tools).toEqual([
      {
        name: 'list_directory',
        description: 'Lists a directory.',
        parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    ]);
    expect(req.temperature).toBe(0);
    expect(req.topP).toBe(1);
    expect(req.topK).toBe(64);
    expect(req.reasoning).toEqual({ budgetTokens: 8192, enabled: true, includeThoughts: true });
    expect(req.extras).toEqual({});
  });

  test('snake_case field names decode exactly like camelCase, without touching user data keys', () => {
    const snake = {
      system_instruction: { parts: [{ text: 'sys' }] },
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'look' },
            { inline_data: { mime_type: 'image/png', data: 'iVBOR' } },
            { file_data: { mime_type: 'application/pdf', file_uri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
          ],
        },
        { role: 'model', parts: [{ function_call: { name: 'f', args: { snake_key: 1 } }, thought_signature: 'S' }] },
        { role: 'user', parts: [{ function_response: { name: 'f', response: { some_field: true } } }] },
      ],
      tools: [{ function_declarations: [{ name: 'f', parameters_json_schema: { type: 'object', properties: { snake_key: { type: 'integer' } } } }] }],
      tool_config: { function_calling_config: { mode: 'ANY', allowed_function_names: ['f'] } },
      generation_config: {
        max_output_tokens: 100,
        stop_sequences: ['END'],
        candidate_count: 1,
        response_mime_type: 'application/json',
        thinking_config: { thinking_budget: 0 },
      },
      safety_settings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' }],
      cached_content: 'cachedContents/xyz',
    };
    const camel = {
      systemInstruction: { parts: [{ text: 'sys' }] },
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'look' },
            { inlineData: { mimeType: 'image/png', data: 'iVBOR' } },
            { fileData: { mimeType: 'application/pdf', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
          ],
        },
        { role: 'model', parts: [{ functionCall: { name: 'f', args: { snake_key: 1 } }, thoughtSignature: 'S' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: { some_field: true } } }] },
      ],
      tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { type: 'object', properties: { snake_key: { type: 'integer' } } } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } },
      generationConfig: {
        maxOutputTokens: 100,
        stopSequences: ['END'],
        candidateCount: 1,
        responseMimeType: 'application/json',
        thinkingConfig: { thinkingBudget: 0 },
      },
      safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' }],
      cachedContent: 'cachedContents/xyz',
    };
    const a = decode(snake);
    expect(a).toEqual(decode(camel));
    expect(a.messages[0]!.content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
      {
        type: 'file',
        source: { kind: 'url', url: 'https://generativelanguage.googleapis.com/v1beta/files/abc', mediaType: 'application/pdf' },
      },
    ]);
    expect(a.messages[1]!.content[0]).toMatchObject({ type: 'tool_call', args: { snake_key: 1 } });
    expect(a.messages[2]!.content[0]).toMatchObject({ type: 'tool_result', content: [{ type: 'text', text: '{"some_field":true}' }] });
    expect(a.tools[0]!.parameters).toEqual({ type: 'object', properties: { snake_key: { type: 'integer' } } });
    expect(a.toolChoice).toEqual({ type: 'tool', name: 'f' });
    expect(a.maxTokens).toBe(100);
    expect(a.stop).toEqual(['END']);
    expect(a.n).toBe(1);
    expect(a.responseFormat).toEqual({ type: 'json' });
    expect(a.reasoning).toEqual({ budgetTokens: 0, enabled: false });
    expect(a.extras.gemini).toEqual({
      safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' }],
      cachedContent: 'cachedContents/xyz',
    });
  });

  test("lone objects for lists and lower-case enum names decode as Google reads them (its REST cookbook sends both)", () => {
    const lone = {
      system_instruction: { parts: { text: 'You are a lighting bot.' } },
      tools: { function_declarations: { name: 'stop_lights', parameters: { type: 'object' } } },
      tool_config: { function_calling_config: { mode: 'none' } },
      contents: { role: 'user', parts: { text: 'Lights off.' } },
    };
    const listed = {
      systemInstruction: { parts: [{ text: 'You are a lighting bot.' }] },
      tools: [{ functionDeclarations: [{ name: 'stop_lights', parameters: { type: 'object' } }] }],
      toolConfig: { functionCallingConfig: { mode: 'NONE' } },
      contents: [{ role: 'user', parts: [{ text: 'Lights off.' }] }],
    };
    expect(decode(lone)).toEqual(decode(listed));
    expect(decode(lone).toolChoice).toEqual({ type: 'none' });
  });

  test('calls without ids get positional ids that their responses share, paired by name then order', () => {
    const body = {
      contents: [
        { role: 'user', parts: [{ text: 'weather in Paris and time in Rome' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'weather', args: { city: 'Paris' } } },
            { functionCall: { name: 'time', args: { city: 'Rome' } } },
            { functionCall: { name: 'weather', args: { city: 'Oslo' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'time', response: { output: '12:00' } } },
            { functionResponse: { name: 'weather', response: { output: 'sunny' } } },
            { functionResponse: { name: 'weather', response: { output: 'snow' } } },
          ],
        },
      ],
    };
    const req = decode(body);
    const calls = req.messages[1]!.content.map((p) => (p.type === 'tool_call' ? p.id : ''));
    expect(calls).toEqual(['call_1_0', 'call_1_1', 'call_1_2']);
    const results = req.messages[2]!.content as ToolResultPart[];
    expect(results.map((r) => [r.callId, r.content[0]])).toEqual([
      ['call_1_1', { type: 'text', text: '12:00' }],
      ['call_1_0', { type: 'text', text: 'sunny' }],
      ['call_1_2', { type: 'text', text: 'snow' }],
    ]);
    // Decoding the same history again yields the same ids (upstream prompt caches depend on it).
    const again = decode(body);
    expect(again.messages).toEqual(req.messages);
  });

  test('a response without a name takes the next unanswered call; its name is recovered', () => {
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'go' }] },
        { role: 'model', parts: [{ functionCall: { name: 'run', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { response: { output: 'ok' } } }] },
      ],
    });
    expect(req.messages[2]!.content[0]).toEqual({
      type: 'tool_result',
      callId: 'call_1_0',
      name: 'run',
      content: [{ type: 'text', text: 'ok' }],
    });
  });

  test('role "function" (older clients) is the user side: its responses answer the calls, and a user turn after it joins it', () => {
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'go' }] },
        { role: 'model', parts: [{ functionCall: { name: 'run', args: {} } }] },
        { role: 'function', parts: [{ functionResponse: { name: 'run', response: { output: 'ok' } } }] },
        { role: 'user', parts: [{ text: 'and now?' }] },
      ],
    });
    expect(req.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(req.messages[2]!.content).toEqual([
      { type: 'tool_result', callId: 'call_1_0', name: 'run', content: [{ type: 'text', text: 'ok' }] },
      { type: 'text', text: 'and now?' },
    ]);
  });

  test('error responses, object responses and multimodal function responses', () => {
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'go' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'a', args: {} } },
            { functionCall: { name: 'b', args: {} } },
            { functionCall: { name: 'c', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { text: 'also, hurry' },
            { functionResponse: { name: 'a', response: { error: 'disk full' } } },
            { functionResponse: { name: 'b', response: { result: { n: 1 }, error: { code: 3 } } } },
            {
              functionResponse: {
                name: 'c',
                response: { output: 'see image' },
                parts: [{ inlineData: { mimeType: 'image/jpeg', data: '/9j/' } }],
              },
            },
          ],
        },
      ],
    });
    expect(req.messages[2]!.content).toEqual([
      { type: 'tool_result', callId: 'call_1_0', name: 'a', content: [{ type: 'text', text: 'disk full' }], isError: true },
      {
        type: 'tool_result',
        callId: 'call_1_1',
        name: 'b',
        content: [{ type: 'text', text: '{"result":{"n":1},"error":{"code":3}}' }],
        isError: true,
      },
      {
        type: 'tool_result',
        callId: 'call_1_2',
        name: 'c',
        content: [
          { type: 'text', text: 'see image' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/' } },
        ],
      },
      // Tool results come first in their message, other parts after them.
      { type: 'text', text: 'also, hurry' },
    ]);
  });

  test('signatures: on thoughts, on plain text (extras), and a lone signature closing a thought', () => {
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        {
          role: 'model',
          parts: [
            { text: 'pondering', thought: true },
            { text: '', thoughtSignature: 'SIG_A' },
            { text: 'Hello!', thoughtSignature: 'SIG_B' },
          ],
        },
        { role: 'user', parts: [{ text: 'again' }] },
      ],
    });
    expect(req.messages[1]!.content).toEqual([
      { type: 'thinking', text: 'pondering', signature: { family: 'gemini', value: 'SIG_A' } },
      { type: 'text', text: 'Hello!', extras: { gemini: { thoughtSignature: 'SIG_B' } } },
    ]);
  });

  test('code execution parts become readable text that keeps the original part', () => {
    const code = { executableCode: { language: 'PYTHON', code: 'print(1)' } };
    const result = { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1\n' } };
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'compute' }] },
        { role: 'model', parts: [code, result, { text: 'It prints 1.' }] },
      ],
    });
    expect(req.messages[1]!.content).toEqual([
      { type: 'text', text: '```python\nprint(1)\n```', extras: { gemini: { part: code } } },
      { type: 'text', text: 'Code execution result (OUTCOME_OK):\n1\n', extras: { gemini: { part: result } } },
      { type: 'text', text: 'It prints 1.' },
    ]);
  });

  test('Gemini OpenAPI schemas become JSON Schema; other tool kinds go to extras', () => {
    const req = decode({
      contents: [{ parts: [{ text: 'x' }] }],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'search',
              parameters: {
                type: 'OBJECT',
                properties: {
                  q: { type: 'STRING', description: 'query' },
                  lang: { type: 'STRING', format: 'enum', enum: ['en', 'de'], nullable: true },
                  tags: { type: 'ARRAY', items: { type: 'STRING' } },
                },
                required: ['q'],
                propertyOrdering: ['q', 'lang', 'tags'],
              },
            },
            { name: 'now' },
          ],
        },
        { googleSearch: {} },
        { codeExecution: {} },
      ],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' }, retrievalConfig: { languageCode: 'en' } },
    });
    expect(req.messages[0]!.role).toBe('user');
    expect(req.tools).toEqual([
      {
        name: 'search',
        parameters: {
          type: 'object',
          properties: {
            q: { type: 'string', description: 'query' },
            lang: { type: ['string', 'null'], enum: ['en', 'de'] },
            tags: { type: 'array', items: { type: 'string' } },
          },
          required: ['q'],
        },
      },
      { name: 'now', parameters: { type: 'object', properties: {} } },
    ]);
    expect(req.toolChoice).toEqual({ type: 'auto' });
    expect(req.extras.gemini).toEqual({
      tools: [{ googleSearch: {} }, { codeExecution: {} }],
      toolConfig: { retrievalConfig: { languageCode: 'en' } },
    });
  });

  test.each([
    [{ mode: 'NONE' }, { type: 'none' }, undefined],
    [{ mode: 'ANY' }, { type: 'required' }, undefined],
    [{ mode: 'VALIDATED' }, { type: 'auto' }, undefined],
    [{ mode: 'ANY', allowedFunctionNames: ['a', 'b'] }, { type: 'required' }, { functionCallingConfig: { allowedFunctionNames: ['a', 'b'] } }],
  ])('functionCallingConfig %j → %j', (fcc, choice, leftover) => {
    const req = decode({ contents: [{ parts: [{ text: 'x' }] }], toolConfig: { functionCallingConfig: fcc } });
    expect(req.toolChoice).toEqual(choice as never);
    expect(req.extras.gemini?.toolConfig).toEqual(leftover);
  });

  test('generation config: sampling, JSON schema output, thinking level, unknown fields', () => {
    const req = decode({
      contents: [{ parts: [{ text: 'x' }] }],
      generationConfig: {
        temperature: 1.5,
        topP: 0.9,
        seed: 42,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
        candidateCount: 2,
        responseMimeType: 'application/json',
        responseSchema: { type: 'OBJECT', properties: { a: { type: 'INTEGER' } } },
        thinkingConfig: { thinkingLevel: 'high', includeThoughts: false },
        responseModalities: ['TEXT'],
        mediaResolution: 'MEDIA_RESOLUTION_LOW',
      },
      labels: { team: 'x' },
    });
    expect(req).toMatchObject({ temperature: 1.5, topP: 0.9, seed: 42, presencePenalty: 0.5, frequencyPenalty: -0.5, n: 2 });
    expect(req.responseFormat).toEqual({ type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'integer' } } } });
    expect(req.reasoning).toEqual({ effort: 'high', enabled: true, includeThoughts: false });
    expect(req.extras.gemini).toEqual({
      labels: { team: 'x' },
      generationConfig: { responseModalities: ['TEXT'], mediaResolution: 'MEDIA_RESOLUTION_LOW' },
    });
  });

  test('an enum response type is kept for a Gemini upstream, and carried as enum output for another', () => {
    const schema = { type: 'STRING', enum: ['a', 'b'] };
    const req = decode({
      contents: [{ parts: [{ text: 'x' }] }],
      generationConfig: { responseMimeType: 'text/x.enum', responseSchema: schema },
    });
    expect(req.responseFormat).toEqual({ type: 'enum', values: ['a', 'b'] });
    expect(req.extras.gemini).toEqual({ generationConfig: { responseMimeType: 'text/x.enum', responseSchema: schema } });
    const json = { type: 'string', enum: ['yes', 'no'] };
    expect(decode({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseMimeType: 'text/x.enum', responseJsonSchema: json } }).responseFormat).toEqual({
      type: 'enum',
      values: ['yes', 'no'],
    });
    // Without a list of strings there is nothing to hold another upstream to: only a Gemini upstream gets it.
    const bare = decode({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING' } } });
    expect(bare.responseFormat).toBeUndefined();
    expect(bare.extras.gemini).toEqual({ generationConfig: { responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING' } } });
  });

  test('responseJsonSchema is taken as is; text/plain is plain text', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    expect(
      decode({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } })
        .responseFormat,
    ).toEqual({ type: 'json_schema', schema });
    expect(decode({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseMimeType: 'text/plain' } }).responseFormat).toEqual({
      type: 'text',
    });
  });

  test('a turn of nothing but empty text is dropped', () => {
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'a' }] },
        { role: 'model', parts: [{ text: '' }] },
        { role: 'user', parts: [{ text: 'b' }] },
      ],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'user', content: [{ type: 'text', text: 'b' }] },
    ]);
  });

  test('consecutive contents of one role are one turn (the SDK records each streamed chunk as a content)', () => {
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'weather in Paris and Rome?' }] },
        { role: 'model', parts: [{ text: 'Checking ', thought: true }] },
        { role: 'model', parts: [{ text: '', thoughtSignature: 'U2ln' }] },
        { role: 'model', parts: [{ text: 'Let me ' }] },
        { role: 'model', parts: [{ text: 'look.' }] },
        { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }] },
        { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Rome' } } }] },
        { role: 'model', parts: [{ text: '' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { output: 'sunny' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { output: 'rain' } } }] },
      ],
    });
    expect(req.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(req.messages[1]!.content).toEqual([
      { type: 'thinking', text: 'Checking ', signature: { family: 'gemini', value: 'U2ln' } },
      { type: 'text', text: 'Let me ' },
      { type: 'text', text: 'look.' },
      { type: 'tool_call', id: 'call_5_0', name: 'weather', args: { city: 'Paris' } },
      { type: 'tool_call', id: 'call_6_0', name: 'weather', args: { city: 'Rome' } },
    ]);
    // Both calls of the run are answered, in order, although they came in separate contents.
    expect((req.messages[2]!.content as ToolResultPart[]).map((r) => [r.callId, r.content[0]])).toEqual([
      ['call_5_0', { type: 'text', text: 'sunny' }],
      ['call_6_0', { type: 'text', text: 'rain' }],
    ]);
  });

  test('a string systemInstruction and a body model are accepted', () => {
    const req = geminiCodec.decodeRequest({ model: 'models/gemini-2.0-flash', systemInstruction: 'Be brief.', contents: [{ parts: [{ text: 'x' }] }] });
    expect(req.model).toBe('gemini-2.0-flash');
    expect(req.system).toEqual([{ type: 'text', text: 'Be brief.' }]);
    expect(req.extras).toEqual({});
    expect(req.stream).toBe(false);
  });

  test.each([
    [null, 'request body must be a JSON object'],
    [[1], 'request body must be a JSON object'],
    [{}, 'contents: expected required property'],
    [{ contents: 'hi' }, 'contents: expected array'],
    [{ contents: [] }, 'contents: expected array length to be greater or equal to 1'],
    [{ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, 'contents.0.role: expected one of user, model, function'],
    [{ contents: [{ parts: [{ text: 'x' }] }, { role: 'system', parts: [{ text: 'x' }] }] }, 'contents.1.role: expected one of user, model, function'],
    [{ contents: [{ role: 'user', parts: [] }] }, 'contents.0.parts: expected array length to be greater or equal to 1'],
    [{ contents: [{ role: 'user' }] }, 'contents.0.parts: expected required property'],
    [{ contents: [{ parts: [{ text: 5 }] }] }, 'contents.0.parts.0.text: expected string'],
    [{ contents: [{ parts: [{ foo: 1 }] }] }, 'contents.0.parts.0: part has no data'],
    [{ contents: [{ parts: [{ inlineData: { data: 'x' } }] }] }, 'contents.0.parts.0.inlineData.mimeType: expected required property'],
    [{ contents: [{ parts: [{ functionCall: { name: 'f' } }] }] }, 'contents.0.parts.0: functionCall is only allowed in model turns'],
    [{ contents: [{ role: 'model', parts: [{ functionCall: { name: '' } }] }] }, 'contents.0.parts.0.functionCall.name: expected string length'],
    [{ contents: [{ role: 'model', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, 'functionResponse is only allowed in user turns'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { maxOutputTokens: -5 } }, 'generationConfig.maxOutputTokens: expected integer to be greater or equal to 1'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { maxOutputTokens: 1.5 } }, 'generationConfig.maxOutputTokens: expected integer'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { maxOutputTokens: Number.NaN } }, 'generationConfig.maxOutputTokens'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { temperature: 2.5 } }, 'generationConfig.temperature: expected number to be less or equal to 2'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { temperature: '1' } }, 'generationConfig.temperature: expected number'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { topP: 1.2 } }, 'generationConfig.topP'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { stopSequences: 'END' } }, 'generationConfig.stopSequences: expected array'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { thinkingConfig: { thinkingBudget: -2 } } }, 'generationConfig.thinkingConfig.thinkingBudget'],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { thinkingConfig: { thinkingLevel: 'EXTREME' } } }, 'thinkingLevel: expected one of MINIMAL, LOW, MEDIUM, HIGH'],
    [
      { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { thinkingConfig: { thinkingLevel: 'LOW', thinkingBudget: 10 } } },
      'thinkingBudget and thinkingLevel cannot both be set',
    ],
    [{ contents: [{ parts: [{ text: 'x' }] }], toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }, 'toolConfig.functionCallingConfig.mode: expected one of AUTO, ANY, NONE'],
    [{ contents: [{ parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ description: 'no name' }] }] }, 'tools.0.functionDeclarations.0.name: expected required property'],
    [{ contents: [{ parts: [{ text: 'x' }] }], systemInstruction: { parts: [{ inlineData: { mimeType: 'image/png', data: '' } }] } }, 'systemInstruction.parts.0: only text parts are supported'],
  ])('rejects %j', (body, message) => {
    const err = errorOf(body);
    expect(err.status).toBe(400);
    expect(err.info.kind).toBe('invalid_request');
    expect(err.message).toContain(message);
  });
});
