import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { FinishReason, FunctionCallingConfigMode, Type, type FunctionCall, type FunctionDeclaration, type Part } from '@google/genai';
import { isRecord } from '../../src/util/json.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { answerText, collect, geminiClient, lastBody, PNG_1X1, UPSTREAMS, type Upstream } from './gemini-client-helpers.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

/** A realistic agent tool: nested objects, enums, arrays, $defs/$ref, additionalProperties, anyOf with null. */
const EDIT_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    path: { type: 'string', description: 'Absolute path', minLength: 1 },
    mode: { type: 'string', enum: ['replace', 'insert', 'delete'] },
    edits: {
      type: 'array',
      items: { $ref: '#/$defs/edit' },
      minItems: 1,
    },
    options: {
      type: 'object',
      properties: {
        dryRun: { type: 'boolean', default: false },
        encoding: { anyOf: [{ type: 'string', enum: ['utf8', 'latin1'] }, { type: 'null' }] },
      },
      additionalProperties: false,
    },
  },
  required: ['path', 'edits'],
  additionalProperties: false,
  $defs: {
    edit: {
      type: 'object',
      properties: { line: { type: 'integer', minimum: 1 }, text: { type: 'string' } },
      required: ['line'],
    },
  },
};

const TOOLS: FunctionDeclaration[] = [
  { name: 'edit_file', description: 'Edits a file', parametersJsonSchema: EDIT_FILE_SCHEMA },
  {
    name: 'get_weather',
    description: 'Current weather',
    // Gemini's own OpenAPI-style schema, as older Gemini clients declare tools.
    parameters: {
      type: Type.OBJECT,
      properties: {
        city: { type: Type.STRING, description: 'City name' },
        unit: { type: Type.STRING, enum: ['C', 'F'], nullable: true },
        days: { type: Type.ARRAY, items: { type: Type.INTEGER } },
      },
      required: ['city'],
    },
  },
  { name: 'get_time', description: 'Current time', parametersJsonSchema: { type: 'object', properties: { tz: { type: 'string' } } } },
];

/** Upstream tool declarations in a comparable form: name → JSON Schema of the parameters. */
function upstreamTools(up: Upstream, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const t of Array.isArray(body.tools) ? body.tools : []) {
    if (!isRecord(t)) continue;
    if (up.provider === 'openai-custom' && isRecord(t.function)) out[String(t.function.name)] = t.function.parameters;
    else out[String(t.name)] = t.input_schema;
  }
  return out;
}

/** The upstream's record of one assistant turn's calls and the next turn's results: [id, name, args|result]. */
function upstreamToolExchange(up: Upstream, body: Record<string, unknown>) {
  const messages = (Array.isArray(body.messages) ? body.messages : []).filter(isRecord);
  const calls: Array<[string, string, unknown]> = [];
  const results: Array<[string, string, boolean]> = [];
  for (const m of messages) {
    if (up.provider === 'openai-custom') {
      for (const tc of Array.isArray(m.tool_calls) ? m.tool_calls.filter(isRecord) : []) {
        const fn = tc.function as { name: string; arguments: string };
        calls.push([String(tc.id), fn.name, JSON.parse(fn.arguments)]);
      }
      if (m.role === 'tool') results.push([String(m.tool_call_id), String(m.content), false]);
    } else {
      for (const b of Array.isArray(m.content) ? m.content.filter(isRecord) : []) {
        if (b.type === 'tool_use') calls.push([String(b.id), String(b.name), b.input]);
        if (b.type === 'tool_result') {
          const text = Array.isArray(b.content) ? b.content.filter(isRecord).map((c) => c.text).join('') : String(b.content);
          results.push([String(b.tool_use_id), text, b.is_error === true]);
        }
      }
    }
  }
  return { roles: messages.map((m) => m.role), calls, results };
}

const response = (call: FunctionCall, output: Record<string, unknown>): Part => ({
  functionResponse: { id: call.id, name: call.name, response: output },
});

describe.each(UPSTREAMS)('Gemini SDK → $provider: tools', (up) => {
  test('declarations reach the upstream as JSON Schema (Gemini OpenAPI types lowered, nullable kept)', async () => {
    const g = geminiClient(s, up.provider);
    await g.models.generateContent({ model: up.model, contents: 'edit it', config: { tools: [{ functionDeclarations: TOOLS }] } });
    const tools = upstreamTools(up, lastBody(up.mock(s)));
    expect(Object.keys(tools)).toEqual(['edit_file', 'get_weather', 'get_time']);
    // JSON Schema targets take the client's schema as it is, $defs and all.
    expect(tools.edit_file).toMatchObject({ properties: EDIT_FILE_SCHEMA.properties, $defs: EDIT_FILE_SCHEMA.$defs, required: ['path', 'edits'] });
    expect(tools.get_weather).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        unit: { type: ['string', 'null'], enum: ['C', 'F'] },
        days: { type: 'array', items: { type: 'integer' } },
      },
      required: ['city'],
    });
  });

  test.each([
    [FunctionCallingConfigMode.AUTO, undefined, 'auto', { type: 'auto' }],
    [FunctionCallingConfigMode.ANY, undefined, 'required', { type: 'any' }],
    [FunctionCallingConfigMode.NONE, undefined, 'none', { type: 'none' }],
    [FunctionCallingConfigMode.ANY, ['get_time'], { type: 'function', function: { name: 'get_time' } }, { type: 'tool', name: 'get_time' }],
  ] as const)('functionCallingConfig %s %p → the upstream’s tool_choice', async (mode, names, openai, anthropic) => {
    const g = geminiClient(s, up.provider);
    const functionCallingConfig = names ? { mode, allowedFunctionNames: [...names] } : { mode };
    await g.models.generateContent({
      model: up.model,
      contents: 'time?',
      config: { tools: [{ functionDeclarations: TOOLS }], toolConfig: { functionCallingConfig } },
    });
    expect(lastBody(up.mock(s)).tool_choice).toEqual(up.provider === 'openai-custom' ? openai : anthropic);
  });

  test('parallel calls come back whole with ids, args objects and STOP, streaming and not', async () => {
    const g = geminiClient(s, up.provider);
    const calls = [
      { name: 'get_weather', args: { city: 'Paris', days: [1, 2] } },
      { name: 'get_time', args: { tz: 'Asia/Tōkyō' } },
    ];
    up.mock(s).queue({ toolCalls: calls }, { toolCalls: calls });
    const config = { tools: [{ functionDeclarations: TOOLS }] };
    const res = await g.models.generateContent({ model: up.model, contents: 'weather and time', config });
    expect(res.functionCalls?.map((c) => [c.name, c.args])).toEqual(calls.map((c) => [c.name, c.args]));
    expect(res.functionCalls?.every((c) => typeof c.id === 'string' && c.id !== '')).toBe(true);
    expect(res.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(answerText(res)).toBe('');

    const { chunks, text } = await collect(await g.models.generateContentStream({ model: up.model, contents: 'weather and time', config }));
    const streamed = chunks.flatMap((c) => c.functionCalls ?? []);
    expect(streamed.map((c) => [c.name, c.args])).toEqual(calls.map((c) => [c.name, c.args]));
    expect(new Set(streamed.map((c) => c.id)).size).toBe(2);
    expect(text).toBe('');
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
  });

  for (const streaming of [false, true]) {
    test(`full loop (${streaming ? 'streaming' : 'non-streaming'} chat): calls → results in Gemini form → answer; ids and pairing survive every turn`, async () => {
      const g = geminiClient(s, up.provider);
      const chat = g.chats.create({ model: up.model, config: { tools: [{ functionDeclarations: TOOLS }] } });
      const send = async (message: string | Part[]): Promise<{ text: string; calls: FunctionCall[] }> => {
        if (!streaming) {
          const r = await chat.sendMessage({ message });
          return { text: answerText(r), calls: r.functionCalls ?? [] };
        }
        const { text, chunks } = await collect(await chat.sendMessageStream({ message }));
        return { text, calls: chunks.flatMap((c) => c.functionCalls ?? []) };
      };
      const mock = up.mock(s);

      mock.queue({ text: 'Checking both.', toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: { tz: 'CET' } }] });
      const turn1 = await send('Weather in Paris and the time in CET?');
      expect(turn1.text).toBe('Checking both.');
      expect(turn1.calls.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
      const [weather, time] = turn1.calls as [FunctionCall, FunctionCall];

      // Results answer in the opposite order and one is an error: pairing must follow ids, not positions.
      mock.queue({ toolCalls: [{ name: 'edit_file', args: { path: '/tmp/a', edits: [{ line: 1, text: 'x' }] } }] });
      const turn2 = await send([response(time, { error: 'clock unavailable' }), response(weather, { output: '21°C, sunny' })]);
      const edit = turn2.calls[0]!;
      expect(edit.name).toBe('edit_file');
      let seen = upstreamToolExchange(up, lastBody(mock));
      expect(seen.calls).toEqual([
        [weather.id!, 'get_weather', { city: 'Paris' }],
        [time.id!, 'get_time', { tz: 'CET' }],
      ]);
      // Results in call order, right after the calls, matched by id.
      if (up.provider === 'openai-custom') {
        expect(seen.roles).toEqual(['user', 'assistant', 'tool', 'tool']);
        expect(seen.results).toEqual([
          [weather.id!, '21°C, sunny', false],
          [time.id!, 'Error: clock unavailable', false],
        ]);
      } else {
        expect(seen.roles).toEqual(['user', 'assistant', 'user']);
        expect(seen.results).toEqual([
          [weather.id!, '21°C, sunny', false],
          [time.id!, 'clock unavailable', true],
        ]);
      }

      mock.queue({ text: 'Done: 21°C in Paris; the clock failed; file edited.' });
      const turn3 = await send([response(edit, { output: 'ok' })]);
      expect(turn3.text).toBe('Done: 21°C in Paris; the clock failed; file edited.');
      expect(turn3.calls).toEqual([]);
      seen = upstreamToolExchange(up, lastBody(mock));
      // The ids of turn 1 are the same in the third request: stable across turns.
      expect(seen.calls.map((c) => c[0])).toEqual([weather.id!, time.id!, edit.id!]);
      expect(seen.results.map((r) => r[0])).toEqual([weather.id!, time.id!, edit.id!]);
    });
  }

  test('object results and multimodal function responses (Gemini 3 `parts`) reach the upstream', async () => {
    const g = geminiClient(s, up.provider);
    await g.models.generateContent({
      model: up.model,
      config: { tools: [{ functionDeclarations: TOOLS }] },
      contents: [
        { role: 'user', parts: [{ text: 'screenshot and weather' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { id: 'c1', name: 'get_weather', args: { city: 'Lima' } } },
            { functionCall: { id: 'c2', name: 'get_time', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { id: 'c1', name: 'get_weather', response: { temp: 18, sky: 'fog' } } },
            {
              functionResponse: {
                id: 'c2',
                name: 'get_time',
                response: { output: 'see image' },
                parts: [{ inlineData: { mimeType: 'image/png', data: PNG_1X1 } }],
              },
            },
          ],
        },
      ],
    });
    const body = lastBody(up.mock(s));
    const json = JSON.stringify(body);
    expect(json).toContain(JSON.stringify(JSON.stringify({ temp: 18, sky: 'fog' })).slice(1, -1));
    expect(json).toContain(PNG_1X1);
    const seen = upstreamToolExchange(up, body);
    expect(seen.results.map((r) => r[0])).toEqual(['c1', 'c2']);
  });

  test('names Gemini allows but the upstream rejects (dots, colons) are renamed upstream and restored for the client', async () => {
    const g = geminiClient(s, up.provider);
    const tools = [
      {
        functionDeclarations: [
          { name: 'fs.read_file', parametersJsonSchema: { type: 'object', properties: { path: { type: 'string' } } } },
          { name: 'mcp:search', parametersJsonSchema: { type: 'object', properties: { q: { type: 'string' } } } },
        ],
      },
    ];
    // The mock answers with the names it was given, i.e. the upstream-safe ones.
    const upstreamCalls = [{ name: 'fs_read_file', args: { path: '/a' } }, { name: 'mcp_search', args: { q: 'b' } }];
    up.mock(s).queue({ toolCalls: upstreamCalls }, { toolCalls: upstreamCalls }, { text: 'read and searched' });
    const config = { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['mcp:search'] } } };
    const res = await g.models.generateContent({ model: up.model, contents: 'go', config });
    expect(res.functionCalls?.map((c) => c.name)).toEqual(['fs.read_file', 'mcp:search']);
    const first = lastBody(up.mock(s));
    expect(Object.keys(upstreamTools(up, first))).toEqual(['fs_read_file', 'mcp_search']);
    expect(first.tool_choice).toEqual(
      up.provider === 'openai-custom' ? { type: 'function', function: { name: 'mcp_search' } } : { type: 'tool', name: 'mcp_search' },
    );
    const { chunks } = await collect(await g.models.generateContentStream({ model: up.model, contents: 'go', config }));
    expect(chunks.flatMap((c) => c.functionCalls ?? []).map((c) => c.name)).toEqual(['fs.read_file', 'mcp:search']);

    const [read, search] = res.functionCalls as [FunctionCall, FunctionCall];
    const final = await g.models.generateContent({
      model: up.model,
      config: { tools },
      contents: [
        { role: 'user', parts: [{ text: 'go' }] },
        { role: 'model', parts: [{ functionCall: read }, { functionCall: search }] },
        { role: 'user', parts: [response(read, { output: 'A' }), response(search, { output: 'B' })] },
      ],
    });
    expect(answerText(final)).toBe('read and searched');
    const seen = upstreamToolExchange(up, lastBody(up.mock(s)));
    expect(seen.calls.map((c) => c[1])).toEqual(['fs_read_file', 'mcp_search']);
  });

  test('function responses without ids are paired by name, and the upstream still gets matching ids', async () => {
    const g = geminiClient(s, up.provider);
    const res = await g.models.generateContent({
      model: up.model,
      config: { tools: [{ functionDeclarations: TOOLS }] },
      contents: [
        { role: 'user', parts: [{ text: 'time and weather' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_time', args: { tz: 'UTC' } } },
            { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { output: 'snow' } } },
            { functionResponse: { name: 'get_time', response: { output: '12:00' } } },
          ],
        },
      ],
    });
    expect(res.text).toContain('mock(');
    const seen = upstreamToolExchange(up, lastBody(up.mock(s)));
    expect(seen.calls.map((c) => c[1])).toEqual(['get_time', 'get_weather']);
    expect(seen.results.map((r) => r[1])).toEqual(['12:00', 'snow']);
    expect(seen.results.map((r) => r[0])).toEqual(seen.calls.map((c) => c[0]));
  });

  test('function responses under role "function" (older clients) answer the calls as user-side ones do', async () => {
    const g = geminiClient(s, up.provider);
    const res = await g.models.generateContent({
      model: up.model,
      config: { tools: [{ functionDeclarations: TOOLS }] },
      contents: [
        { role: 'user', parts: [{ text: 'time?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_time', args: { tz: 'UTC' } } }] },
        { role: 'function', parts: [{ functionResponse: { name: 'get_time', response: { output: '12:00' } } }] },
      ],
    });
    expect(res.text).toContain('mock(');
    const seen = upstreamToolExchange(up, lastBody(up.mock(s)));
    expect(seen.results).toEqual([[seen.calls[0]![0], '12:00', false]]);
  });
});
