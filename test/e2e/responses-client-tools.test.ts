/**
 * Function tools over the Responses API from the official `openai` SDK through aiproxy to each
 * upstream: flat declarations reach the upstream in its own form, calls come back as `function_call`
 * items (streamed as function_call_arguments deltas), and the items sent back as input with a
 * `function_call_output` (store:false style, no previous_response_id) become the upstream's own
 * tool-result turn, paired by id (or by function name for Gemini).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import type { ResponseFunctionToolCall, ResponseInputItem, ResponseReasoningItem, ResponseStreamEvent, Tool } from 'openai/resources/responses/responses';
import { startStack, type Stack } from '../helpers/stack.ts';
import {
  CLAUDE,
  GEMINI,
  GET_TIME,
  GET_WEATHER,
  OPENAI,
  UPSTREAMS,
  asInput,
  clientFor,
  declaredTools,
  dig,
  eventShape,
  expectSequenced,
  expectToolTurn,
  lastBody,
  lastCall,
  ofType,
  streamAll,
  type Upstream,
} from './responses-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const WEATHER_ARGS = { city: 'Zürich', unit: 'c' };
const TIME_ARGS = { tz: 'Europe/Zurich' };

/** One turn as the application sees it: the output items and the status, streamed or not. */
async function turn(client: OpenAI, u: Upstream, input: string | ResponseInputItem[], stream: boolean, extra: Partial<OpenAI.Responses.ResponseCreateParamsNonStreaming> = {}) {
  const params = { model: u.model, input, tools: [GET_WEATHER, GET_TIME] as Tool[], ...extra };
  if (!stream) {
    const res = await client.responses.create(params);
    return { res, events: [] };
  }
  const { events, final } = await streamAll(client, params);
  return { res: final, events };
}

/** The events of everything but reasoning items (Gemini's signature carrier comes first). */
const withoutReasoning = (events: ResponseStreamEvent[]): ResponseStreamEvent[] =>
  events.filter((e) => !e.type.startsWith('response.reasoning_') && !('item' in e && e.item.type === 'reasoning'));

const functionCalls = (output: OpenAI.Responses.ResponseOutputItem[]): ResponseFunctionToolCall[] =>
  output.filter((i): i is ResponseFunctionToolCall => i.type === 'function_call');

for (const u of UPSTREAMS) {
  describe(`Responses client → ${u.name}: function tools`, () => {
    test('flat function tools reach the upstream as its own declarations, parameters intact', async () => {
      await clientFor(s, u.name).responses.create({ model: u.model, input: 'weather?', tools: [GET_WEATHER, GET_TIME] });
      const body = lastBody(u.mock(s));
      const tools = declaredTools(u, body);
      expect([...tools.keys()]).toEqual(['get_weather', 'get_time']);
      if (u.family === 'gemini') {
        // Gemini's Schema proto: cleaned (no additionalProperties), upper-case types.
        expect(tools.get('get_weather')).toMatchObject({ type: 'OBJECT', required: ['city'], properties: { city: { type: 'STRING' }, unit: { type: 'STRING', enum: ['c', 'f'] } } });
        expect(dig(tools.get('get_weather'), 'additionalProperties')).toBeUndefined();
      } else {
        expect(tools.get('get_weather')).toEqual(GET_WEATHER.parameters!);
        expect(tools.get('get_time')).toEqual(GET_TIME.parameters!);
      }
      if (u === OPENAI) expect(dig(body, 'tools', 0)).toMatchObject({ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city.' } });
      if (u === CLAUDE) expect(dig(body, 'tools', 0, 'description')).toBe('Current weather for a city.');
    });

    const choices: Array<[string, OpenAI.Responses.ResponseCreateParams['tool_choice'], Record<string, unknown>]> = [
      ['required', 'required', { openai: 'required', anthropic: { type: 'any' }, gemini: { functionCallingConfig: { mode: 'ANY' } } }],
      [
        'a named function',
        { type: 'function', name: 'get_time' },
        {
          openai: { type: 'function', function: { name: 'get_time' } },
          anthropic: { type: 'tool', name: 'get_time' },
          gemini: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
        },
      ],
      ['none', 'none', { openai: 'none', anthropic: { type: 'none' }, gemini: { functionCallingConfig: { mode: 'NONE' } } }],
    ];
    for (const [label, choice, expected] of choices) {
      test(`tool_choice ${label} reaches the upstream in its own form`, async () => {
        if (choice !== 'none') u.mock(s).queue({ toolCalls: [{ name: 'get_time', args: TIME_ARGS }] });
        const { res } = await turn(clientFor(s, u.name), u, 'time?', false, { tool_choice: choice });
        expect(res.status).toBe('completed');
        const body = lastBody(u.mock(s));
        const sent = u.family === 'openai' ? body.tool_choice : u.family === 'anthropic' ? body.tool_choice : body.toolConfig;
        expect(sent).toEqual(expected[u.family]);
      });
    }

    test('parallel_tool_calls: false reaches the upstreams that can say so', async () => {
      await clientFor(s, u.name).responses.create({ model: u.model, input: 'x', tools: [GET_WEATHER], parallel_tool_calls: false });
      const body = lastBody(u.mock(s));
      if (u.family === 'openai') expect(body.parallel_tool_calls).toBe(false);
      if (u.family === 'anthropic') expect(body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
      if (u.family === 'gemini') expect(body.parallel_tool_calls).toBeUndefined();
    });

    for (const stream of [false, true]) {
      const mode = stream ? 'stream' : 'non-stream';
      test(`a call comes back as a function_call item; replayed with its function_call_output it reaches the upstream as a tool result (${mode})`, async () => {
        const client = clientFor(s, u.name);
        u.mock(s).queue({ toolCalls: [{ name: 'get_weather', args: WEATHER_ARGS }], splitBytes: stream ? 9 : undefined });
        const t1 = await turn(client, u, [{ role: 'user', content: 'Weather in Zürich?' }], stream);
        expect(t1.res.status).toBe('completed');
        expect(t1.res.output_text).toBe('');
        // Gemini signs its function calls: the signature rides in a reasoning item before the call.
        expect(t1.res.output.map((i) => i.type)).toEqual(u === GEMINI ? ['reasoning', 'function_call'] : ['function_call']);
        if (u === GEMINI) {
          const carrier = t1.res.output[0] as ResponseReasoningItem;
          expect(carrier.summary).toEqual([]);
          expect(carrier.encrypted_content).toStartWith('aiproxy:');
        }
        const calls = functionCalls(t1.res.output);
        expect(calls).toHaveLength(1);
        const call = calls[0]!;
        const at = t1.res.output.indexOf(call);
        expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
        expect(call.id).toStartWith('fc_');
        expect(call.call_id.length).toBeGreaterThan(0);
        expect(JSON.parse(call.arguments)).toEqual(WEATHER_ARGS);
        if (u === CLAUDE) expect(call.call_id).toStartWith('toolu_');

        if (stream) {
          expectSequenced(t1.events);
          expect(eventShape(withoutReasoning(t1.events))).toEqual([
            'response.created',
            'response.in_progress',
            'response.output_item.added',
            'response.function_call_arguments.delta',
            'response.function_call_arguments.done',
            'response.output_item.done',
            'response.completed',
          ]);
          const added = ofType(t1.events, 'response.output_item.added').find((e) => e.item.type === 'function_call')!;
          expect(added.item).toMatchObject({ type: 'function_call', name: 'get_weather', call_id: call.call_id, id: call.id });
          const deltas = ofType(t1.events, 'response.function_call_arguments.delta');
          const done = ofType(t1.events, 'response.function_call_arguments.done')[0]!;
          expect(deltas.map((d) => d.delta).join('')).toBe(done.arguments);
          expect(done.arguments).toBe(call.arguments);
          expect(added.output_index).toBe(at);
          for (const d of deltas) expect(d).toMatchObject({ item_id: call.id, output_index: at });
          expect(done).toMatchObject({ item_id: call.id, output_index: at });
          expect(ofType(t1.events, 'response.completed')[0]!.response.output[at]).toMatchObject({ type: 'function_call', call_id: call.call_id, arguments: call.arguments });
        }

        u.mock(s).queue({ text: 'It is 21°C and clear.' });
        const output = '{"temp":21,"sky":"clear"}';
        const t2 = await turn(client, u, [
          { role: 'user', content: 'Weather in Zürich?' },
          ...asInput(t1.res.output),
          { type: 'function_call_output', call_id: call.call_id, output },
        ], stream);
        expect(lastCall(u.mock(s)).status).toBe(200);
        expect(t2.res.status).toBe('completed');
        expect(t2.res.output_text).toBe('It is 21°C and clear.');
        expectToolTurn(u, lastBody(u.mock(s)), { callId: call.call_id, name: 'get_weather', args: WEATHER_ARGS, output });
      });
    }

    test('parallel calls (stream): two function_call items with their own arguments; results sent back out of order still pair', async () => {
      const client = clientFor(s, u.name);
      u.mock(s).queue({ toolCalls: [{ name: 'get_weather', args: WEATHER_ARGS }, { name: 'get_time', args: TIME_ARGS }] });
      const t1 = await turn(client, u, 'weather and time', true);
      const calls = functionCalls(t1.res.output);
      expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([['get_weather', WEATHER_ARGS], ['get_time', TIME_ARGS]]);
      expect(new Set(calls.map((c) => c.call_id)).size).toBe(2);
      expect(new Set(calls.map((c) => c.id)).size).toBe(2);
      for (const c of calls) {
        const deltas = ofType(t1.events, 'response.function_call_arguments.delta').filter((d) => d.item_id === c.id);
        expect(deltas.map((d) => d.delta).join('')).toBe(c.arguments);
        const at = t1.res.output.indexOf(c);
        expect(deltas.every((d) => d.output_index === at)).toBe(true);
      }

      u.mock(s).queue({ text: 'Done.' });
      const t2 = await turn(client, u, [
        { role: 'user', content: 'weather and time' },
        ...asInput(t1.res.output),
        { type: 'function_call_output', call_id: calls[1]!.call_id, output: '14:05' },
        { type: 'function_call_output', call_id: calls[0]!.call_id, output: 'sunny' },
      ], false);
      expect(t2.res.output_text).toBe('Done.');
      const body = lastBody(u.mock(s));
      expectToolTurn(u, body, { callId: calls[0]!.call_id, name: 'get_weather', args: WEATHER_ARGS, output: 'sunny' });
      expectToolTurn(u, body, { callId: calls[1]!.call_id, name: 'get_time', args: TIME_ARGS, output: '14:05' });
    });

    test('a function_call_output whose output is a list of input_text parts reaches the upstream as that text', async () => {
      const client = clientFor(s, u.name);
      u.mock(s).queue({ toolCalls: [{ name: 'get_time', args: TIME_ARGS }] });
      const t1 = await client.responses.create({ model: u.model, input: 'time?', tools: [GET_TIME] });
      const call = functionCalls(t1.output)[0]!;
      u.mock(s).queue({ text: 'ok' });
      await client.responses.create({
        model: u.model,
        tools: [GET_TIME],
        input: [
          { role: 'user', content: 'time?' },
          ...asInput(t1.output),
          { type: 'function_call_output', call_id: call.call_id, output: [{ type: 'input_text', text: '09:30' }] },
        ],
      });
      expect(lastCall(u.mock(s)).status).toBe(200);
      expectToolTurn(u, lastBody(u.mock(s)), { callId: call.call_id, name: 'get_time', args: TIME_ARGS, output: '09:30' });
    });
  });
}
