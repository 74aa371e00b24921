/**
 * OpenAI's client-run tools over the Responses API (`{type: "apply_patch"}` and the local
 * `{type: "shell"}`, which the Agents SDK offers), from the official `openai` SDK through aiproxy to
 * upstreams that have only functions: the upstream is offered a function of the tool's name, its call
 * comes back as the item the client runs (`apply_patch_call`, `shell_call`), whole and streamed, and
 * the call replayed with its output reaches the upstream as its own tool call and result. A shell in a
 * container OpenAI hosts is a 400; a Responses upstream gets all of it as the client sent it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI, { APIError } from 'openai';
import type {
  ResponseApplyPatchToolCall,
  ResponseCreateParamsNonStreaming,
  ResponseFunctionShellToolCall,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseStreamEvent,
  Tool,
} from 'openai/resources/responses/responses';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import {
  CLAUDE,
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
  rawEvents,
  streamAll,
  within,
  type Upstream,
} from './responses-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

/** A V4A update: quotes, backslashes and multi-byte text, everything JSON has to escape. */
const DIFF = '@@ def main():\n-    print("hi")\n+    print("hello, 世界 \\u00e9 🙂")\n+    return 0\n';
const UPDATE = { type: 'update_file', path: 'src/main.py', diff: DIFF } as const;
const COMMANDS: [string, string] = ['ls -la', 'grep -n "TODO" src/*.ts'];

const APPLY_PATCH: Tool = { type: 'apply_patch' };
const LOCAL_SHELL: Tool = { type: 'shell' };

/** The items a user acts on: a Gemini answer's reasoning item (its call's signature carrier) left out. */
const acted = (output: ResponseOutputItem[]): ResponseOutputItem[] => output.filter((i) => i.type !== 'reasoning');
const withoutReasoning = (events: ResponseStreamEvent[]): ResponseStreamEvent[] =>
  events.filter((e) => !e.type.startsWith('response.reasoning_') && !('item' in e && e.item.type === 'reasoning'));

async function turn(client: OpenAI, u: Upstream, input: string | ResponseInputItem[], tools: Tool[], stream: boolean) {
  const params: ResponseCreateParamsNonStreaming = { model: u.model, input, tools };
  if (!stream) return { res: await within(client.responses.create(params)), events: [] as ResponseStreamEvent[] };
  const { events, final } = await streamAll(client, params);
  return { res: final, events };
}

for (const u of UPSTREAMS) {
  describe(`Responses client → ${u.name}: apply_patch`, () => {
    test('the upstream is offered a function apply_patch: the operation as its parameters, the V4A format in its description', async () => {
      await clientFor(s, u.name).responses.create({ model: u.model, input: 'fix it', tools: [APPLY_PATCH] });
      const body = lastBody(u.mock(s));
      const tools = declaredTools(u, body);
      expect([...tools.keys()]).toEqual(['apply_patch']);
      const schema = tools.get('apply_patch');
      const type = u.family === 'gemini' ? 'STRING' : 'string';
      expect(dig(schema, 'properties', 'type', 'enum')).toEqual(['create_file', 'update_file', 'delete_file']);
      expect(dig(schema, 'properties', 'path', 'type')).toBe(type);
      expect(dig(schema, 'properties', 'diff', 'type')).toBe(type);
      expect(dig(schema, 'required')).toEqual(['type', 'path']);
      const description = String(
        u.family === 'openai' ? dig(body, 'tools', 0, 'function', 'description') : u.family === 'anthropic' ? dig(body, 'tools', 0, 'description') : dig(body, 'tools', 0, 'functionDeclarations', 0, 'description'),
      );
      expect(description).toContain('V4A');
      expect(description).toContain('"@@"');
      expect(description).toContain('prefixed with "+"');
    });

    for (const stream of [false, true]) {
      const mode = stream ? 'stream' : 'whole';
      test(`a call comes back as an apply_patch_call item; replayed with its apply_patch_call_output it reaches the upstream as a tool call and result (${mode})`, async () => {
        const client = clientFor(s, u.name);
        u.mock(s).queue({ toolCalls: [{ name: 'apply_patch', args: UPDATE }], splitBytes: stream ? 7 : undefined });
        const t1 = await turn(client, u, [{ role: 'user', content: 'Make main say hello.' }], [APPLY_PATCH], stream);
        expect(t1.res.status).toBe('completed');
        expect(acted(t1.res.output).map((i) => i.type)).toEqual(['apply_patch_call']);
        const call = acted(t1.res.output)[0] as ResponseApplyPatchToolCall;
        expect(call).toMatchObject({ type: 'apply_patch_call', status: 'completed', operation: UPDATE });
        expect(call.id).toStartWith('apc_');
        expect(call.call_id.length).toBeGreaterThan(0);
        if (u === CLAUDE) expect(call.call_id).toStartWith('toolu_');

        if (stream) {
          expectSequenced(t1.events);
          expect(eventShape(withoutReasoning(t1.events))).toEqual([
            'response.created',
            'response.in_progress',
            'response.output_item.added',
            'response.output_item.done',
            'response.completed',
          ]);
          const at = t1.res.output.indexOf(call);
          const added = ofType(t1.events, 'response.output_item.added').find((e) => e.item.type === 'apply_patch_call')!;
          expect(added).toMatchObject({ output_index: at, item: { id: call.id, call_id: call.call_id, status: 'in_progress', operation: { type: 'update_file', path: 'src/main.py' } } });
          const done = ofType(t1.events, 'response.output_item.done').find((e) => e.item.type === 'apply_patch_call')!;
          expect(done).toMatchObject({ output_index: at, item: call });
          expect(ofType(t1.events, 'response.completed')[0]!.response.output[at]).toEqual(call);
        }

        u.mock(s).queue({ text: 'Patched.' });
        const t2 = await turn(client, u, [
          { role: 'user', content: 'Make main say hello.' },
          ...asInput(t1.res.output),
          { type: 'apply_patch_call_output', call_id: call.call_id, status: 'completed', output: 'Updated src/main.py' },
        ], [APPLY_PATCH], stream);
        expect(lastCall(u.mock(s)).status).toBe(200);
        expect(t2.res.output_text).toBe('Patched.');
        expectToolTurn(u, lastBody(u.mock(s)), { callId: call.call_id, name: 'apply_patch', args: UPDATE, output: 'Updated src/main.py' });
      });
    }

    test('create_file and delete_file: a create keeps its diff, a delete has none', async () => {
      const create = { type: 'create_file', path: 'docs/NEW.md', diff: '+# New\n+\n+Text.\n' } as const;
      const remove = { type: 'delete_file', path: 'old.txt' } as const;
      u.mock(s).queue({ toolCalls: [{ name: 'apply_patch', args: create }, { name: 'apply_patch', args: remove }] });
      const { events, final } = await streamAll(clientFor(s, u.name), { model: u.model, input: 'tidy up', tools: [APPLY_PATCH] });
      const calls = acted(final.output) as ResponseApplyPatchToolCall[];
      expect(calls.map((c) => c.operation)).toEqual([create, remove]);
      expect(new Set(calls.map((c) => c.call_id)).size).toBe(2);
      const added = ofType(events, 'response.output_item.added').filter((e) => e.item.type === 'apply_patch_call');
      expect(added.map((e) => dig(e.item, 'operation'))).toEqual([{ ...create, diff: '' }, remove]);
    });
  });

  test(`Responses client → ${u.name}: create({stream: true}) read as plain events, a patch and a command in one answer`, async () => {
    u.mock(s).queue({ toolCalls: [{ name: 'apply_patch', args: UPDATE }, { name: 'shell', args: { commands: ['make test'] } }] });
    const events = await rawEvents(clientFor(s, u.name), { model: u.model, input: 'fix and test', tools: [APPLY_PATCH, LOCAL_SHELL] });
    expectSequenced(events);
    const done = ofType(events, 'response.output_item.done').map((e) => e.item).filter((i) => i.type !== 'reasoning');
    expect(done).toMatchObject([
      { type: 'apply_patch_call', status: 'completed', operation: UPDATE },
      { type: 'shell_call', status: 'completed', action: { commands: ['make test'], timeout_ms: null, max_output_length: null } },
    ]);
    expect(acted(ofType(events, 'response.completed')[0]!.response.output)).toEqual(done);
  });

  describe(`Responses client → ${u.name}: the local shell`, () => {
    test('the upstream is offered a function shell taking commands, timeout_ms and max_output_length', async () => {
      await clientFor(s, u.name).responses.create({ model: u.model, input: 'look around', tools: [LOCAL_SHELL] });
      const schema = declaredTools(u, lastBody(u.mock(s))).get('shell');
      expect(Object.keys(dig(schema, 'properties') as object)).toEqual(['commands', 'timeout_ms', 'max_output_length']);
      expect(dig(schema, 'properties', 'commands', 'type')).toBe(u.family === 'gemini' ? 'ARRAY' : 'array');
      expect(dig(schema, 'required')).toEqual(['commands']);
    });

    for (const stream of [false, true]) {
      const mode = stream ? 'stream' : 'whole';
      test(`a call comes back as a shell_call item; replayed with its shell_call_output the upstream reads each command's output (${mode})`, async () => {
        const client = clientFor(s, u.name);
        u.mock(s).queue({ toolCalls: [{ name: 'shell', args: { commands: COMMANDS, timeout_ms: 5000 } }], splitBytes: stream ? 5 : undefined });
        const t1 = await turn(client, u, [{ role: 'user', content: 'Find the TODOs.' }], [LOCAL_SHELL], stream);
        expect(acted(t1.res.output).map((i) => i.type)).toEqual(['shell_call']);
        const call = acted(t1.res.output)[0] as ResponseFunctionShellToolCall;
        expect(call).toMatchObject({ type: 'shell_call', status: 'completed', action: { commands: COMMANDS, timeout_ms: 5000, max_output_length: null }, environment: null });
        expect(call.id).toStartWith('sh_');
        expect(call.call_id.length).toBeGreaterThan(0);

        if (stream) {
          expectSequenced(t1.events);
          expect(eventShape(withoutReasoning(t1.events))).toEqual([
            'response.created',
            'response.in_progress',
            'response.output_item.added',
            'response.shell_call_command.added',
            'response.shell_call_command.delta',
            'response.shell_call_command.done',
            'response.shell_call_command.added',
            'response.shell_call_command.delta',
            'response.shell_call_command.done',
            'response.output_item.done',
            'response.completed',
          ]);
          const at = t1.res.output.indexOf(call);
          const added = ofType(t1.events, 'response.output_item.added').find((e) => e.item.type === 'shell_call')!;
          expect(added).toMatchObject({ output_index: at, item: { id: call.id, call_id: call.call_id, status: 'in_progress', action: { commands: [] } } });
          expect(ofType(t1.events, 'response.shell_call_command.delta').map((e) => [e.command_index, e.delta, e.output_index])).toEqual([
            [0, COMMANDS[0], at],
            [1, COMMANDS[1], at],
          ]);
          expect(ofType(t1.events, 'response.shell_call_command.done').map((e) => e.command)).toEqual(COMMANDS);
          expect(ofType(t1.events, 'response.completed')[0]!.response.output[at]).toEqual(call);
        }

        u.mock(s).queue({ text: 'Two TODOs.' });
        const output: ResponseInputItem = {
          type: 'shell_call_output',
          call_id: call.call_id,
          max_output_length: null,
          output: [
            { stdout: 'total 8\nREADME.md\n', stderr: '', outcome: { type: 'exit', exit_code: 0 } },
            { stdout: '', stderr: 'grep: src/*.ts: No such file or directory\n', outcome: { type: 'exit', exit_code: 2 } },
          ],
        };
        const t2 = await turn(client, u, [{ role: 'user', content: 'Find the TODOs.' }, ...asInput(t1.res.output), output], [LOCAL_SHELL], stream);
        expect(lastCall(u.mock(s)).status).toBe(200);
        expect(t2.res.output_text).toBe('Two TODOs.');
        expectToolTurn(u, lastBody(u.mock(s)), {
          callId: call.call_id,
          name: 'shell',
          args: { commands: COMMANDS, timeout_ms: 5000 },
          output: 'command 1:\ntotal 8\nREADME.md\nexit code: 0\n\ncommand 2:\nstderr:\ngrep: src/*.ts: No such file or directory\nexit code: 2',
        });
      });
    }
  });
}

describe('Responses client → claude-custom: outcomes the model must tell apart', () => {
  test('a failed apply_patch_call_output is an error result; a timed-out command says so', async () => {
    const client = clientFor(s, CLAUDE.name);
    const patch: ResponseInputItem = { type: 'apply_patch_call', call_id: 'call_p', status: 'completed', operation: UPDATE };
    const shell: ResponseInputItem = { type: 'shell_call', call_id: 'call_s', status: 'completed', action: { commands: ['sleep 99'], timeout_ms: 100, max_output_length: 4096 } };
    await client.responses.create({
      model: CLAUDE.model,
      tools: [APPLY_PATCH, { type: 'shell', environment: { type: 'local' } }],
      input: [
        { role: 'user', content: 'go' },
        patch,
        shell,
        { type: 'apply_patch_call_output', call_id: 'call_p', status: 'failed', output: 'Invalid Context 0' },
        { type: 'shell_call_output', call_id: 'call_s', max_output_length: 4096, output: [{ stdout: '', stderr: '', outcome: { type: 'timeout' } }] },
      ],
    });
    const messages = lastBody(s.claude).messages as unknown[];
    expect(dig(messages, 1, 'content')).toEqual([
      { type: 'tool_use', id: 'call_p', name: 'apply_patch', input: UPDATE },
      { type: 'tool_use', id: 'call_s', name: 'shell', input: { commands: ['sleep 99'], timeout_ms: 100, max_output_length: 4096 } },
    ]);
    const results = (dig(messages, 2, 'content') as unknown[]).filter((b) => dig(b, 'type') === 'tool_result');
    expect(results).toMatchObject([
      { tool_use_id: 'call_p', is_error: true },
      { tool_use_id: 'call_s' },
    ]);
    expect(JSON.stringify(dig(results, 0, 'content'))).toContain('Invalid Context 0');
    expect(JSON.stringify(dig(results, 1, 'content'))).toContain('timed out');
    expect(dig(results, 1, 'is_error') ?? false).toBe(false);
  });

  test('a shell declared with environment local: its calls name that environment', async () => {
    s.claude.queue({ toolCalls: [{ name: 'shell', args: { commands: ['pwd'] } }] });
    const res = await clientFor(s, CLAUDE.name).responses.create({ model: CLAUDE.model, input: 'where am I?', tools: [{ type: 'shell', environment: { type: 'local' } }] });
    expect(res.output[0]).toMatchObject({ type: 'shell_call', action: { commands: ['pwd'], timeout_ms: null, max_output_length: null }, environment: { type: 'local' } });
  });

  test('tool_choice {type: "apply_patch"} and {type: "shell"} force the call upstream', async () => {
    await clientFor(s, CLAUDE.name).responses.create({ model: CLAUDE.model, input: 'x', tools: [APPLY_PATCH, LOCAL_SHELL], tool_choice: { type: 'apply_patch' } });
    expect(lastBody(s.claude).tool_choice).toEqual({ type: 'tool', name: 'apply_patch' });
    await clientFor(s, CLAUDE.name).responses.create({ model: CLAUDE.model, input: 'x', tools: [APPLY_PATCH, LOCAL_SHELL], tool_choice: { type: 'shell' } });
    expect(lastBody(s.claude).tool_choice).toEqual({ type: 'tool', name: 'shell' });
  });
});

describe('a shell in a container OpenAI hosts: a 400 for upstreams that cannot run it', () => {
  const hosted: Array<[string, Tool]> = [
    ['container_auto', { type: 'shell', environment: { type: 'container_auto' } }],
    ['container_reference', { type: 'shell', environment: { type: 'container_reference', container_id: 'cntr_123' } }],
  ];
  for (const [label, tool] of hosted) {
    for (const stream of [false, true]) {
      test(`${label} (${stream ? 'stream' : 'whole'}): BadRequestError naming the environment, no upstream call`, async () => {
        const before = s.claude.calls.length;
        const err = await within(
          clientFor(s, CLAUDE.name)
            .responses.create({ model: CLAUDE.model, input: 'run it', tools: [tool], stream })
            .then(() => new Error('the request succeeded'))
            .catch((e: unknown) => e),
        );
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        const e = err as APIError;
        expect(e.status).toBe(400);
        expect(e.type).toBe('invalid_request_error');
        expect(e.param).toBe('tools.0.environment.type');
        expect(e.message).toContain(label);
        expect(e.message).toContain('openaiResponses-custom');
        expect(s.claude.calls.length).toBe(before);
      });
    }
  }
});

describe('Responses client → openaiResponses-custom: the tools and their items go to OpenAI as they came', () => {
  let proxy: TestProxy;
  let upstream: ReturnType<typeof Bun.serve>;
  const bodies: string[] = [];
  const call = { id: 'apc_up1', type: 'apply_patch_call', status: 'completed', call_id: 'call_up1', operation: UPDATE };
  const response = { id: 'resp_up', object: 'response', created_at: 1, status: 'completed', model: 'gpt-5.1', output: [call], usage: null };
  // The API's own stream for the call, diff events included: relayed, they reach the client as sent.
  const sse = [
    { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', output: [] } },
    { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...call, status: 'in_progress', operation: { ...UPDATE, diff: '' } } },
    { type: 'response.apply_patch_call_operation_diff.delta', sequence_number: 2, output_index: 0, item_id: 'apc_up1', delta: DIFF },
    { type: 'response.apply_patch_call_operation_diff.done', sequence_number: 3, output_index: 0, item_id: 'apc_up1', diff: DIFF },
    { type: 'response.output_item.done', sequence_number: 4, output_index: 0, item: call },
    { type: 'response.completed', sequence_number: 5, response },
  ]
    .map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
    .join('');

  beforeAll(async () => {
    upstream = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        const text = await req.text();
        bodies.push(text);
        if (JSON.parse(text).stream === true) return new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
        return Response.json(response);
      },
    });
    proxy = await startProxy(['--model-provider', 'openaiResponses-custom', '--openai-base-url', `http://127.0.0.1:${upstream.port}/v1`, '--openai-api-key', 'sk-test']);
  });
  afterAll(async () => {
    await proxy.stop();
    await upstream.stop(true);
  });

  test('a container shell is not refused, the history not converted, the answer the upstream\'s own (whole and streamed)', async () => {
    const client = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const params: ResponseCreateParamsNonStreaming = {
      model: 'gpt-5.1',
      tools: [APPLY_PATCH, { type: 'shell', environment: { type: 'container_auto' } }],
      input: [
        { role: 'user', content: 'go' },
        { type: 'shell_call', call_id: 'call_s', action: { commands: ['ls'] }, status: 'completed' },
        { type: 'shell_call_output', call_id: 'call_s', output: [{ stdout: 'a', stderr: '', outcome: { type: 'exit', exit_code: 0 } }] },
      ],
      store: false,
    };
    const res = await within(client.responses.create(params));
    expect(res.output).toEqual([call as ResponseOutputItem]);
    expect(JSON.parse(bodies.at(-1)!)).toEqual(params);

    const events = await rawEvents(client, params);
    expect(events.map((e) => e.type as string)).toContain('response.apply_patch_call_operation_diff.delta');
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { output: [call] } });
    expect(JSON.parse(bodies.at(-1)!)).toEqual({ ...params, stream: true });
  });
});
