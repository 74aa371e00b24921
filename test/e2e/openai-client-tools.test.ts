/**
 * Tool use from an `openai` SDK client through aiproxy to claude-custom and gemini-cli: declarations
 * with realistic JSON schemas (which the Gemini mock rejects unless cleaned), tool_choice variants,
 * parallel calls, and full multi-turn loops in which the client answers calls in its own protocol.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { SKIP_SIGNATURE } from '../helpers/mocks/gemini-mock.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { CLAUDE, GEMINI, PNG_BASE64, UPSTREAMS, clientFor, collect, dig, lastBody } from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

type Message = OpenAI.ChatCompletionMessageParam;
type Tool = OpenAI.ChatCompletionTool;
type ToolCall = OpenAI.ChatCompletionMessageFunctionToolCall;

/** A flight-search tool whose schema uses what real MCP servers and pydantic emit. */
const SEARCH_FLIGHTS: Tool = {
  type: 'function',
  function: {
    name: 'search_flights',
    description: 'Find flights between two airports.',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        route: { $ref: '#/$defs/Route' },
        passengers: { type: 'array', items: { $ref: '#/$defs/Passenger' }, minItems: 1 },
        cabin: { type: 'string', enum: ['economy', 'business', 'first'], default: 'economy' },
        max_price: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'null' }], description: 'Upper price limit' },
        flexible: { type: ['boolean', 'null'] },
        departure: { type: 'string', format: 'date' },
        stops: { type: 'integer', enum: [0, 1, 2] },
      },
      required: ['route', 'passengers'],
      additionalProperties: false,
      $defs: {
        Route: {
          type: 'object',
          properties: { from: { type: 'string', pattern: '^[A-Z]{3}$' }, to: { type: 'string', pattern: '^[A-Z]{3}$' } },
          required: ['from', 'to'],
          additionalProperties: false,
        },
        Passenger: {
          type: 'object',
          properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 }, kind: { const: 'adult' } },
          required: ['name'],
        },
      },
    },
  },
};

const GET_WEATHER: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] }, day: { type: 'string' } },
      required: ['city'],
    },
  },
};

const GET_TIME: Tool = {
  type: 'function',
  function: { name: 'get_time', description: 'Local time.', parameters: { type: 'object', properties: { tz: { type: 'string' } } } },
};

/** JSON-Schema keywords the Gemini `parameters` Schema proto has no field for. */
const GEMINI_UNKNOWN = ['$schema', '$ref', '$defs', 'definitions', 'additionalProperties', 'const', 'default', 'exclusiveMinimum'];

function keysDeep(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 40 || typeof v !== 'object' || v === null) return out;
  for (const [k, child] of Object.entries(v)) {
    out.push(k);
    keysDeep(child, out, depth + 1);
  }
  return out;
}

/** One turn as the application sees it, returned as the assistant message it would append to history. */
interface Turn {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: string | null;
  reasoning: string;
}

async function ask(client: OpenAI, model: string, messages: Message[], stream: boolean, tools: Tool[] = [GET_WEATHER, GET_TIME]): Promise<Turn> {
  if (!stream) {
    const res = await client.chat.completions.create({ model, messages, tools });
    const m = res.choices[0]!.message;
    return {
      content: m.content,
      toolCalls: (m.tool_calls ?? []) as ToolCall[],
      finishReason: res.choices[0]!.finish_reason,
      reasoning: (m as { reasoning_content?: string }).reasoning_content ?? '',
    };
  }
  const got = await collect(await client.chat.completions.create({ model, messages, tools, stream: true }));
  return {
    content: got.content || null,
    toolCalls: got.toolCalls.map((c) => {
      const call: ToolCall = { id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } };
      if (c.extra_content !== undefined) Object.assign(call, { extra_content: c.extra_content });
      return call;
    }),
    finishReason: got.finishReason,
    reasoning: got.reasoning,
  };
}

const assistantOf = (t: Turn): Message => ({
  role: 'assistant',
  content: t.content,
  ...(t.toolCalls.length > 0 ? { tool_calls: t.toolCalls } : {}),
});

for (const u of UPSTREAMS) {
  describe(`OpenAI client → ${u.name}: tool declarations and tool_choice`, () => {
    test('a realistic schema is accepted upstream; Gemini gets it cleaned, Anthropic as written', async () => {
      const client = clientFor(s, u.name);
      const res = await client.chat.completions.create({
        model: u.model,
        messages: [{ role: 'user', content: 'Flights ZRH→JFK for two' }],
        tools: [SEARCH_FLIGHTS, GET_WEATHER],
      });
      expect(res.choices[0]!.finish_reason).toBe('stop');
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        expect(body.tools).toEqual([
          { name: 'search_flights', description: 'Find flights between two airports.', input_schema: SEARCH_FLIGHTS.function.parameters },
          { name: 'get_weather', description: 'Current weather for a city.', input_schema: GET_WEATHER.function.parameters },
        ]);
        return;
      }
      const params = dig(body, 'tools', 0, 'functionDeclarations', 0, 'parameters');
      expect(dig(body, 'tools', 0, 'functionDeclarations', 0, 'name')).toBe('search_flights');
      const keys = keysDeep(params);
      for (const bad of GEMINI_UNKNOWN) expect(keys).not.toContain(bad);
      expect(dig(params, 'type')).toBe('OBJECT');
      expect(dig(params, 'required')).toEqual(['route', 'passengers']);
      // $ref inlined, nested objects kept with their own required lists.
      expect(dig(params, 'properties', 'route')).toMatchObject({ type: 'OBJECT', required: ['from', 'to'] });
      expect(dig(params, 'properties', 'route', 'properties', 'from')).toMatchObject({ type: 'STRING', pattern: '^[A-Z]{3}$' });
      expect(dig(params, 'properties', 'passengers')).toMatchObject({ type: 'ARRAY', minItems: 1, items: { type: 'OBJECT', required: ['name'] } });
      // const → a one-value string enum; integer enums become strings (Gemini only knows string enums).
      expect(dig(params, 'properties', 'passengers', 'items', 'properties', 'kind')).toMatchObject({ type: 'STRING', enum: ['adult'] });
      expect(dig(params, 'properties', 'cabin')).toMatchObject({ type: 'STRING', enum: ['economy', 'business', 'first'] });
      // anyOf with null and type arrays with null → nullable.
      expect(dig(params, 'properties', 'max_price')).toMatchObject({ type: 'NUMBER', nullable: true });
      expect(dig(params, 'properties', 'flexible')).toMatchObject({ type: 'BOOLEAN', nullable: true });
      // A format Gemini rejects is kept for the model as a description hint.
      expect(dig(params, 'properties', 'departure', 'format')).toBeUndefined();
      expect(String(dig(params, 'properties', 'departure', 'description'))).toContain('date');
    });

    // An MCP tool whose zod union became a root oneOf (mobile-next/mobile-mcp#344): OpenAI takes it,
    // Anthropic refuses every request that declares it (anthropics/claude-code#5319).
    test('a tool whose parameters are a root oneOf is accepted upstream and still called', async () => {
      const run = {
        type: 'function' as const,
        function: {
          name: 'run_flow',
          description: 'Run a flow from YAML text or a directory.',
          parameters: {
            type: 'object',
            properties: { env: { type: 'string' } },
            oneOf: [
              { properties: { yaml: { type: 'string' } }, required: ['yaml'] },
              { properties: { dir: { type: 'string' } }, required: ['dir'] },
            ],
          },
        },
      };
      u.mock(s).queue({ toolCalls: [{ name: 'run_flow', args: { dir: 'flows' } }] });
      const res = await clientFor(s, u.name).chat.completions.create({ model: u.model, messages: [{ role: 'user', content: 'run flows' }], tools: [run] });
      expect(res.choices[0]!.message.tool_calls?.[0]).toMatchObject({ function: { name: 'run_flow', arguments: '{"dir":"flows"}' } });
      if (u !== CLAUDE) return;
      const schema = dig(lastBody(u.mock(s)), 'tools', 0, 'input_schema') as Record<string, unknown>;
      expect(schema).not.toHaveProperty('oneOf');
      expect(schema).toMatchObject({ type: 'object', properties: { env: {}, yaml: {}, dir: {} } });
      expect(schema).not.toHaveProperty('required');
      expect(String(schema.description)).toContain('exactly one of');
    });

    // An agent with tools and a typed final output (the OpenAI Agents SDK's output_type) sends both; Gemini
    // 2.x refuses JSON mode beside functions (googleapis/python-genai#867).
    test('tools together with a JSON schema output are accepted upstream', async () => {
      const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
      u.mock(s).queue({ text: '{"city":"Paris"}' });
      const res = await clientFor(s, u.name).chat.completions.create({
        model: u.model,
        messages: [{ role: 'user', content: 'Where is it warm?' }],
        tools: [GET_WEATHER],
        response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } },
      });
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: 'Paris' });
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
        return;
      }
      expect(dig(body, 'generationConfig', 'responseMimeType')).toBeUndefined();
      expect(dig(body, 'tools', 0, 'functionDeclarations', 0, 'name')).toBe('get_weather');
      expect(String(dig(body, 'systemInstruction', 'parts', 0, 'text'))).toContain(JSON.stringify(schema));
    });

    const choices: Array<[string, OpenAI.ChatCompletionToolChoiceOption, unknown, unknown]> = [
      ['auto', 'auto', { type: 'auto' }, { functionCallingConfig: { mode: 'AUTO' } }],
      ['none', 'none', { type: 'none' }, { functionCallingConfig: { mode: 'NONE' } }],
      ['required', 'required', { type: 'any' }, { functionCallingConfig: { mode: 'ANY' } }],
      [
        'a named function',
        { type: 'function', function: { name: 'get_time' } },
        { type: 'tool', name: 'get_time' },
        { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
      ],
    ];
    for (const [label, choice, anthropic, gemini] of choices) {
      test(`tool_choice ${label} reaches the upstream in its own form`, async () => {
        const forced = choice !== 'auto' && choice !== 'none';
        if (forced) u.mock(s).queue({ toolCalls: [{ name: 'get_time', args: { tz: 'UTC' } }] });
        const res = await clientFor(s, u.name).chat.completions.create({
          model: u.model,
          messages: [{ role: 'user', content: 'time?' }],
          tools: [GET_WEATHER, GET_TIME],
          tool_choice: choice,
        });
        expect(res.choices[0]!.finish_reason).toBe(forced ? 'tool_calls' : 'stop');
        const body = lastBody(u.mock(s));
        if (u === CLAUDE) expect(body.tool_choice).toEqual(anthropic);
        else expect(body.toolConfig).toEqual(gemini);
      });
    }

    test('tool_choice required with a tool that takes no arguments (an MCP list tool) is accepted, and its call has {}', async () => {
      // The filesystem MCP server's list_allowed_directories, as Cline and Roo Code forward it.
      const listDirs: Tool = {
        type: 'function',
        function: { name: 'list_allowed_directories', description: 'List the allowed directories.', parameters: { type: 'object', properties: {}, required: [] } },
      };
      u.mock(s).queue({ toolCalls: [{ name: 'list_allowed_directories', args: {} }] });
      const res = await clientFor(s, u.name).chat.completions.create({
        model: u.model,
        messages: [{ role: 'user', content: 'where may you write?' }],
        tools: [GET_WEATHER, listDirs],
        tool_choice: 'required',
      });
      expect(res.choices[0]!.message.tool_calls).toMatchObject([{ function: { name: 'list_allowed_directories', arguments: '{}' } }]);
      if (u === GEMINI) {
        const decls = dig(lastBody(u.mock(s)), 'tools', 0, 'functionDeclarations') as Array<Record<string, unknown>>;
        expect(decls[1]).toEqual({ name: 'list_allowed_directories', description: 'List the allowed directories.', parameters: { type: 'OBJECT' } });
      }
    });

    test('parallel_tool_calls: false disables parallel use where the upstream can say so', async () => {
      await clientFor(s, u.name).chat.completions.create({
        model: u.model,
        messages: [{ role: 'user', content: 'x' }],
        tools: [GET_WEATHER],
        parallel_tool_calls: false,
      });
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) expect(body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
      else expect(body.parallel_tool_calls).toBeUndefined();
    });
  });

  describe(`OpenAI client → ${u.name}: tool calls`, () => {
    const idPrefix = u === CLAUDE ? 'toolu_' : 'call_';
    const calls = [
      { name: 'get_weather', args: { city: 'Zürich', unit: 'c' } },
      { name: 'get_time', args: { tz: 'Europe/Zurich' } },
    ];

    for (const stream of [false, true]) {
      test(`parallel calls come back as tool_calls with ids, arguments and finish_reason tool_calls (${stream ? 'stream' : 'non-stream'})`, async () => {
        u.mock(s).queue({ toolCalls: calls });
        const turn = await ask(clientFor(s, u.name), u.model, [{ role: 'user', content: 'weather and time' }], stream);
        expect(turn.finishReason).toBe('tool_calls');
        expect(turn.content).toBeNull();
        expect(turn.toolCalls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual(calls.map((c) => [c.name, c.args]));
        for (const c of turn.toolCalls) expect(c.id).toStartWith(idPrefix);
        expect(new Set(turn.toolCalls.map((c) => c.id)).size).toBe(2);
      });
    }

    test('the SDK stream helper assembles parallel calls (finalChatCompletion)', async () => {
      u.mock(s).queue({ toolCalls: calls, splitBytes: 3 });
      const final = await clientFor(s, u.name)
        .chat.completions.stream({ model: u.model, messages: [{ role: 'user', content: 'go' }], tools: [GET_WEATHER, GET_TIME] })
        .finalChatCompletion();
      const got = final.choices[0]!.message.tool_calls as ToolCall[];
      expect(got.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual(calls.map((c) => [c.name, c.args]));
      expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    });

    for (const stream of [false, true]) {
      test(`full loop over three turns: results paired by id and name in call order, ids stable (${stream ? 'stream' : 'non-stream'})`, async () => {
        const client = clientFor(s, u.name);
        const mock = u.mock(s);
        const history: Message[] = [{ role: 'user', content: 'Weather and time in Zürich?' }];

        // Turn 1: two parallel calls.
        mock.queue({ toolCalls: calls });
        const t1 = await ask(client, u.model, history, stream);
        expect(t1.toolCalls).toHaveLength(2);
        const [weather, time] = t1.toolCalls as [ToolCall, ToolCall];
        // The client answers in its own protocol, results deliberately out of call order.
        history.push(
          assistantOf(t1),
          { role: 'tool', tool_call_id: time.id, content: '14:05' },
          { role: 'tool', tool_call_id: weather.id, content: '{"temp":21,"sky":"clear"}' },
        );

        // Turn 2: the model answers with text.
        mock.queue({ text: 'It is 21°C and 14:05.' });
        const t2 = await ask(client, u.model, history, stream);
        expect(t2.content).toBe('It is 21°C and 14:05.');
        expect(t2.finishReason).toBe('stop');
        let body = lastBody(mock);
        if (u === CLAUDE) {
          expect(dig(body, 'messages', 1)).toEqual({
            role: 'assistant',
            content: [
              { type: 'tool_use', id: weather.id, name: 'get_weather', input: calls[0]!.args },
              { type: 'tool_use', id: time.id, name: 'get_time', input: calls[1]!.args },
            ],
          });
          expect(dig(body, 'messages', 2)).toEqual({
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: weather.id, content: [{ type: 'text', text: '{"temp":21,"sky":"clear"}' }] },
              { type: 'tool_result', tool_use_id: time.id, content: [{ type: 'text', text: '14:05' }] },
            ],
          });
        } else {
          expect(dig(body, 'contents', 1, 'role')).toBe('model');
          expect((dig(body, 'contents', 1, 'parts') as unknown[]).map((p) => dig(p, 'functionCall'))).toEqual([
            { name: 'get_weather', args: calls[0]!.args },
            { name: 'get_time', args: calls[1]!.args },
          ]);
          expect(dig(body, 'contents', 2)).toEqual({
            role: 'user',
            parts: [
              { functionResponse: { name: 'get_weather', response: { temp: 21, sky: 'clear' } } },
              { functionResponse: { name: 'get_time', response: { output: '14:05' } } },
            ],
          });
        }

        // Turn 3: a follow-up question and a new call, with the whole history resent.
        history.push(assistantOf(t2), { role: 'user', content: 'And tomorrow?' });
        mock.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Zürich', day: 'tomorrow' } }] });
        const t3 = await ask(client, u.model, history, stream);
        expect(t3.finishReason).toBe('tool_calls');
        const tomorrow = t3.toolCalls[0]!;
        expect(tomorrow.id).not.toBe(weather.id);
        history.push(assistantOf(t3), { role: 'tool', tool_call_id: tomorrow.id, content: 'rain, 15°C' });

        // Turn 4: final answer; every id the client saw still pairs.
        mock.queue({ text: 'Rain tomorrow.' });
        const t4 = await ask(client, u.model, history, stream);
        expect(t4.content).toBe('Rain tomorrow.');
        body = lastBody(mock);
        if (u === CLAUDE) {
          const messages = body.messages as unknown[];
          expect(messages.map((m) => dig(m, 'role'))).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
          expect(dig(messages[1], 'content', 0, 'id')).toBe(weather.id);
          expect(dig(messages[2], 'content', 0, 'tool_use_id')).toBe(weather.id);
          expect(dig(messages[5], 'content', 0)).toEqual({
            type: 'tool_use',
            id: tomorrow.id,
            name: 'get_weather',
            input: { city: 'Zürich', day: 'tomorrow' },
          });
          expect(dig(messages[6], 'content', 0)).toEqual({
            type: 'tool_result',
            tool_use_id: tomorrow.id,
            content: [{ type: 'text', text: 'rain, 15°C' }],
          });
        } else {
          const contents = body.contents as unknown[];
          expect(contents.map((c) => dig(c, 'role'))).toEqual(['user', 'model', 'user', 'model', 'user', 'model', 'user']);
          expect(dig(contents, 6, 'parts')).toEqual([{ functionResponse: { name: 'get_weather', response: { output: 'rain, 15°C' } } }]);
        }
      });
    }
  });
}

describe('OpenAI client → gemini-cli (Gemini 3): thought signatures on tool calls', () => {
  const model = 'gemini-3-flash-preview';

  for (const stream of [false, true]) {
    test(`the signature rides on tool_calls[].extra_content and goes back to Gemini (${stream ? 'stream' : 'non-stream'})`, async () => {
      const client = clientFor(s, GEMINI.name);
      s.gemini.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }, { name: 'get_time', args: { tz: 'CET' } }] });
      const t1 = await ask(client, model, [{ role: 'user', content: 'Oslo?' }], stream);
      const signature = dig(t1.toolCalls[0], 'extra_content', 'google', 'thought_signature');
      expect(typeof signature).toBe('string');
      expect(s.gemini.issuedSignatures.has(signature as string)).toBe(true);
      // Only the first of parallel calls is signed (Gemini 3 rule); the second has nothing to carry.
      expect(dig(t1.toolCalls[1], 'extra_content')).toBeUndefined();

      s.gemini.queue({ text: 'Cold.' });
      const t2 = await ask(client, model, [
        { role: 'user', content: 'Oslo?' },
        assistantOf(t1),
        { role: 'tool', tool_call_id: t1.toolCalls[0]!.id, content: '-3°C' },
        { role: 'tool', tool_call_id: t1.toolCalls[1]!.id, content: '09:00' },
      ], stream);
      expect(t2.content).toBe('Cold.');
      expect(dig(lastBody(s.gemini), 'contents', 1, 'parts', 0, 'thoughtSignature')).toBe(signature);
    });
  }

  test('a client that drops extra_content still gets its calls accepted: the signature is recalled by call id', async () => {
    const client = clientFor(s, GEMINI.name);
    s.gemini.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
    const t1 = await ask(client, model, [{ role: 'user', content: 'Rome?' }], true);
    const call = t1.toolCalls[0]!;
    const issued = dig(call, 'extra_content', 'google', 'thought_signature');
    const bare: ToolCall = { id: call.id, type: 'function', function: call.function };
    s.gemini.queue({ text: 'Warm.' });
    const t2 = await ask(client, model, [
      { role: 'user', content: 'Rome?' },
      { role: 'assistant', content: null, tool_calls: [bare] },
      { role: 'tool', tool_call_id: call.id, content: '25°C' },
    ], false);
    expect(t2.content).toBe('Warm.');
    const sent = dig(lastBody(s.gemini), 'contents', 1, 'parts', 0, 'thoughtSignature');
    expect(sent).toBe(issued);
    expect(sent).not.toBe(SKIP_SIGNATURE);
  });

  test('tool calls from a history Gemini never saw get the documented bypass signature', async () => {
    s.gemini.queue({ text: 'Done.' });
    const t = await ask(clientFor(s, GEMINI.name), model, [
      { role: 'user', content: 'Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_from_elsewhere', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_from_elsewhere', content: 'sunny' },
    ], false);
    expect(t.content).toBe('Done.');
    expect(dig(lastBody(s.gemini), 'contents', 1, 'parts', 0, 'thoughtSignature')).toBe(SKIP_SIGNATURE);
  });
});

describe('OpenAI client: tool-call history edge cases', () => {
  for (const u of UPSTREAMS) {
    test(`${u.name}: a tool name valid for OpenAI but not for the upstream (leading digit) round-trips under the client's name`, async () => {
      const client = clientFor(s, u.name);
      const tool: Tool = { type: 'function', function: { name: '2fa_code', parameters: { type: 'object', properties: { user: { type: 'string' } } } } };
      await client.chat.completions.create({ model: u.model, tools: [tool], messages: [{ role: 'user', content: 'hi' }] });
      const body = lastBody(u.mock(s));
      // The model calls a function by the name it was declared under.
      const declared = String(u === CLAUDE ? dig(body, 'tools', 0, 'name') : dig(body, 'tools', 0, 'functionDeclarations', 0, 'name'));
      u.mock(s).queue({ toolCalls: [{ name: declared, args: { user: 'ann' } }] });
      const t1 = await ask(client, u.model, [{ role: 'user', content: 'code for ann' }], true, [tool]);
      expect(t1.toolCalls.map((c) => c.function.name)).toEqual(['2fa_code']);
      u.mock(s).queue({ text: 'Sent.' });
      const t2 = await ask(client, u.model, [
        { role: 'user', content: 'code for ann' },
        assistantOf(t1),
        { role: 'tool', tool_call_id: t1.toolCalls[0]!.id, content: '123456' },
      ], false, [tool]);
      expect(t2.content).toBe('Sent.');
    });
  }

  for (const u of UPSTREAMS) {
    test(`${u.name}: empty arguments become {} and an unanswered call still yields a request the upstream accepts`, async () => {
      u.mock(s).queue({ text: 'ok' });
      const res = await clientFor(s, u.name).chat.completions.create({
        model: u.model,
        tools: [GET_WEATHER, GET_TIME],
        messages: [
          { role: 'user', content: 'a' },
          {
            role: 'assistant',
            content: 'Let me check.',
            tool_calls: [
              { id: 'call_a1', type: 'function', function: { name: 'get_time', arguments: '' } },
              { id: 'call_b2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          // Only the second call is answered.
          { role: 'tool', tool_call_id: 'call_b2', content: 'sunny' },
          { role: 'user', content: 'thanks' },
        ],
      });
      expect(res.choices[0]!.message.content).toBe('ok');
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        expect(dig(body, 'messages', 1, 'content', 1)).toEqual({ type: 'tool_use', id: 'call_a1', name: 'get_time', input: {} });
        // The unanswered call gets an error result, so the pairing rule holds; the real answer follows in call order.
        expect(dig(body, 'messages', 2, 'content', 0)).toMatchObject({ type: 'tool_result', tool_use_id: 'call_a1', is_error: true });
        expect(dig(body, 'messages', 2, 'content', 1)).toMatchObject({ type: 'tool_result', tool_use_id: 'call_b2' });
      } else {
        expect(dig(body, 'contents', 1, 'parts', 1)).toMatchObject({ functionCall: { name: 'get_time', args: {} } });
        expect(dig(body, 'contents', 2, 'parts', 0)).toMatchObject({ functionResponse: { name: 'get_time', response: { error: expect.any(String) } } });
        expect(dig(body, 'contents', 2, 'parts', 1)).toEqual({ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } });
      }
    });

    // Agents return a screenshot from a tool as image parts of the tool message (router-for-me/CLIProxyAPI#1670,
    // tingly-dev/tingly-box#1606); Claude and Gemini take media in a tool result.
    test(`${u.name}: an image in a tool message reaches the upstream with the result`, async () => {
      u.mock(s).queue({ text: 'A red square.' });
      const content = [
        { type: 'text', text: 'Screenshot taken.' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
      ];
      const res = await clientFor(s, u.name).chat.completions.create({
        model: u.model,
        tools: [GET_TIME],
        messages: [
          { role: 'user', content: 'What is on screen?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_s1', type: 'function', function: { name: 'get_time', arguments: '{}' } }] },
          // The SDK types list text parts only for tool messages; this is what such agents send.
          { role: 'tool', tool_call_id: 'call_s1', content: content as OpenAI.ChatCompletionContentPartText[] },
        ],
      });
      expect(res.choices[0]!.message.content).toBe('A red square.');
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        expect(dig(body, 'messages', 2, 'content', 0)).toEqual({
          type: 'tool_result',
          tool_use_id: 'call_s1',
          content: [{ type: 'text', text: 'Screenshot taken.' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }],
        });
      } else {
        expect(dig(body, 'contents', 2, 'parts')).toEqual([
          { functionResponse: { name: 'get_time', response: { output: 'Screenshot taken.' } } },
          { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
        ]);
      }
    });
  }
});
