/**
 * What Codex CLI does over the Responses API, through aiproxy to each upstream: its request shape
 * (instructions, developer/user input messages, a function `shell` tool and the freeform `custom`
 * apply_patch tool with a Lark grammar, reasoning with summaries, store:false, encrypted reasoning
 * included, prompt_cache_key, streaming), a patch that comes back as a `custom_tool_call`, and the
 * next turn that replays the output items it read from `response.output_item.done` events.
 *
 * And reasoning: thinking comes back as `reasoning` items with summary text, and the upstream's
 * signature rides in `encrypted_content` (`aiproxy:`…), so a replay restores the signed thinking
 * upstream even when aiproxy itself remembers nothing (its in-memory caches are cleared first).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import type {
  ResponseCreateParamsNonStreaming,
  ResponseCustomToolCall,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseReasoningItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import { clearThinkingCache } from '../../src/protocols/anthropic/thinking-cache.ts';
import { clearSignatureCache } from '../../src/protocols/gemini/signature-cache.ts';
import { SKIP_SIGNATURE } from '../helpers/mocks/gemini-mock.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import {
  APPLY_PATCH,
  CLAUDE,
  GEMINI,
  GET_TIME,
  GET_WEATHER,
  OPENAI,
  PATCH,
  SHELL,
  UPSTREAMS,
  asInput,
  clientFor,
  declaredTools,
  dig,
  expectSequenced,
  expectToolTurn,
  lastBody,
  lastCall,
  ofType,
  rawEvents,
  streamAll,
  systemText,
  type Upstream,
} from './responses-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());
beforeEach(() => {
  // Whatever reaches the upstream must come from what the client sent back, not from aiproxy's memory.
  clearThinkingCache();
  clearSignatureCache();
});

const CODEX_INSTRUCTIONS = 'You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI on a user\'s computer.';
const PERMISSIONS = '<permissions instructions>Filesystem sandboxing: workspace-write. Approval policy: on-request.</permissions instructions>';
const ENVIRONMENT = '<environment_context>\n  <cwd>/home/dev/project</cwd>\n  <shell>bash</shell>\n</environment_context>';
const TASK = 'Make main() print a greeting and return 0.';
const THINKING = 'The user wants main() changed. I will patch src/main.py — 考えている.';
const PATCH_OUTPUT = 'Success. Updated the following files:\nM src/main.py\n';

/** Codex's model per upstream: a GPT-5 codex model on OpenAI, the default model elsewhere. */
const codexModel = (u: Upstream): string => (u === OPENAI ? 'gpt-5.1-codex' : u.model);

function codexInput(): ResponseInputItem[] {
  return [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: PERMISSIONS }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: '# AGENTS.md instructions for /home/dev/project\n\nUse 4-space indents.' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: ENVIRONMENT }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: TASK }] },
  ];
}

/** A Codex request body (codex-rs ResponsesApiRequest), as it goes on the wire. */
function codexRequest(u: Upstream, input: ResponseInputItem[]): Omit<ResponseCreateParamsNonStreaming, 'stream'> {
  return {
    model: codexModel(u),
    instructions: CODEX_INSTRUCTIONS,
    input,
    tools: [SHELL, APPLY_PATCH],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '0199a8f2-6f7e-7c31-9c1e-6d0c2b1e4a55',
  };
}

/** The completed items of a stream, as Codex collects them from `response.output_item.done`. */
const doneItems = (events: ResponseStreamEvent[]): ResponseOutputItem[] => ofType(events, 'response.output_item.done').map((e) => e.item);

/**
 * Output items as Codex sends them back (codex-rs ResponseItem): no item ids (skipped when
 * serialising), no status, assistant text as bare `output_text` parts without annotations or logprobs.
 */
function asCodexInput(items: ResponseOutputItem[]): ResponseInputItem[] {
  return asInput(items).map((item) => {
    const { id: _id, status: _status, ...rest } = item as unknown as Record<string, unknown>;
    if (rest.type === 'message' && Array.isArray(rest.content)) {
      rest.content = (rest.content as Array<Record<string, unknown>>).map((p) => ({ type: p.type, text: p.text }));
    }
    return rest as unknown as ResponseInputItem;
  });
}

const reasoningOf = (items: ResponseOutputItem[]): ResponseReasoningItem[] => items.filter((i): i is ResponseReasoningItem => i.type === 'reasoning');

for (const u of UPSTREAMS) {
  describe(`Codex CLI → ${u.name}`, () => {
    test('an apply_patch call comes back as a custom_tool_call with the patch text; replaying the items with custom_tool_call_output continues the loop', async () => {
      const client = clientFor(s, u.name);
      u.mock(s).queue({ thinking: THINKING, toolCalls: [{ name: 'apply_patch', args: { input: PATCH } }], splitBytes: 24 });
      const events = await rawEvents(client, codexRequest(u, codexInput()));
      expectSequenced(events);
      expect(events.at(-1)!.type).toBe('response.completed');

      // The patch: a custom tool call, never a function call, input streamed as custom_tool_call_input deltas.
      const items = doneItems(events);
      const call = items.find((i): i is ResponseCustomToolCall => i.type === 'custom_tool_call');
      expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: PATCH });
      expect(call!.call_id.length).toBeGreaterThan(0);
      expect(items.some((i) => i.type === 'function_call')).toBe(false);
      expect(ofType(events, 'response.function_call_arguments.delta')).toHaveLength(0);
      const added = ofType(events, 'response.output_item.added').find((e) => e.item.type === 'custom_tool_call')!;
      expect(added.item).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', call_id: call!.call_id });
      const deltas = ofType(events, 'response.custom_tool_call_input.delta');
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.map((d) => d.delta).join('')).toBe(PATCH);
      expect(ofType(events, 'response.custom_tool_call_input.done')[0]).toMatchObject({ input: PATCH, item_id: call!.id, output_index: added.output_index });
      const completed = ofType(events, 'response.completed')[0]!.response;
      expect(completed.output.find((i) => i.type === 'custom_tool_call')).toMatchObject({ call_id: call!.call_id, input: PATCH });

      // The reasoning summary comes first, as its own item (Gemini adds an empty one carrying the call's signature).
      const reasoning = reasoningOf(items);
      expect(reasoning.filter((r) => r.summary.length > 0).map((r) => r.summary)).toEqual([[{ type: 'summary_text', text: THINKING }]]);
      for (const r of reasoning) expect(items.indexOf(r)).toBeLessThan(items.indexOf(call!));
      if (u.family !== 'openai') expect(reasoning.some((r) => r.encrypted_content?.startsWith('aiproxy:'))).toBe(true);

      // What the upstream got for turn 1.
      const body1 = lastBody(u.mock(s));
      const system = systemText(u, body1);
      expect(system).toContain(CODEX_INSTRUCTIONS);
      expect(system).toContain(PERMISSIONS);
      expect(system.indexOf(CODEX_INSTRUCTIONS)).toBeLessThan(system.indexOf(PERMISSIONS));
      expect(JSON.stringify(body1)).toContain(TASK);
      const tools = declaredTools(u, body1);
      expect([...tools.keys()].sort()).toEqual(['apply_patch', 'shell']);
      // The freeform tool is a function taking one string, `input`.
      const patchParams = tools.get('apply_patch');
      expect(Object.keys(dig(patchParams, 'properties') as object)).toEqual(['input']);
      expect(String(dig(patchParams, 'properties', 'input', 'type')).toLowerCase()).toBe('string');
      expect(dig(patchParams, 'required')).toEqual(['input']);
      expect(Object.keys(dig(tools.get('shell'), 'properties') as object)).toEqual(['command', 'workdir', 'timeout_ms']);
      if (u.family === 'openai') {
        expect(body1).toMatchObject({ parallel_tool_calls: false, reasoning_effort: 'medium', tool_choice: 'auto', stream: true });
      } else if (u.family === 'anthropic') {
        expect(body1.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
        expect(dig(body1, 'thinking', 'type')).toBe('enabled');
      } else {
        expect(dig(body1, 'generationConfig', 'thinkingConfig', 'includeThoughts')).toBe(true);
      }

      // Turn 2: everything Codex has, plus the tool's output; store:false, so nothing is looked up by id.
      u.mock(s).queue({ text: 'Patched src/main.py.' });
      const input2: ResponseInputItem[] = [
        ...codexInput(),
        ...asCodexInput(items),
        { type: 'custom_tool_call_output', call_id: call!.call_id, output: PATCH_OUTPUT },
      ];
      const events2 = await rawEvents(client, codexRequest(u, input2));
      expect(lastCall(u.mock(s)).status).toBe(200);
      expect(events2.at(-1)!.type).toBe('response.completed');
      expect(ofType(events2, 'response.output_text.done')[0]!.text).toBe('Patched src/main.py.');
      const body2 = lastBody(u.mock(s));
      expectToolTurn(u, body2, { callId: call!.call_id, name: 'apply_patch', args: { input: PATCH }, output: PATCH_OUTPUT });
      if (u.family === 'anthropic') {
        // Thinking stays on: the replayed reasoning item brought the signed block back (the mock checks it).
        expect(dig(body2, 'thinking', 'type')).toBe('enabled');
        const assistant = (body2.messages as unknown[]).find((m) => dig(m, 'role') === 'assistant');
        expect(dig(assistant, 'content', 0)).toEqual({ type: 'thinking', thinking: THINKING, signature: expect.any(String) });
      }
    });

    test('a shell call is an ordinary function_call next to the custom tool', async () => {
      u.mock(s).queue({ toolCalls: [{ name: 'shell', args: { command: ['bash', '-lc', 'ls -la'], workdir: '/home/dev/project' } }] });
      const events = await rawEvents(clientFor(s, u.name), codexRequest(u, codexInput()));
      const items = doneItems(events);
      const call = items.find((i) => i.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'shell' });
      expect(JSON.parse((call as { arguments: string }).arguments)).toEqual({ command: ['bash', '-lc', 'ls -la'], workdir: '/home/dev/project' });
      expect(items.some((i) => i.type === 'custom_tool_call')).toBe(false);
    });
  });
}

test('Codex on openai-custom with a GPT-5.4 model: function tools plus reasoning, which Chat Completions refuses together, still answer', async () => {
  s.openai.queue({ toolCalls: [{ name: 'apply_patch', args: { input: PATCH } }] });
  const events = await rawEvents(clientFor(s, OPENAI.name), { ...codexRequest(OPENAI, codexInput()), model: 'gpt-5.4' });
  expect(lastCall(s.openai).status).toBe(200);
  expect(doneItems(events).find((i) => i.type === 'custom_tool_call')).toMatchObject({ input: PATCH });
});

describe('reasoning items: summary text, and the signature in encrypted_content', () => {
  const ANSWER = 'Hello there!';

  test('claude-custom, non-streaming: a reasoning item (summary + aiproxy: encrypted_content) before the message; the replay restores the signed thinking block', async () => {
    const client = clientFor(s, CLAUDE.name);
    s.claude.queue({ thinking: THINKING, text: ANSWER });
    const res = await client.responses.create({
      model: CLAUDE.model,
      input: 'greet me',
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      store: false,
    });
    expect(dig(lastBody(s.claude), 'thinking', 'type')).toBe('enabled');
    expect(res.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    const reasoning = res.output[0] as ResponseReasoningItem;
    expect(reasoning.id).toStartWith('rs_');
    expect(reasoning.summary).toEqual([{ type: 'summary_text', text: THINKING }]);
    expect(reasoning.encrypted_content).toStartWith('aiproxy:');
    // The thinking is not part of the answer.
    expect(res.output_text).toBe(ANSWER);

    s.claude.queue({ text: 'Again: hello.' });
    const res2 = await client.responses.create({
      model: CLAUDE.model,
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      store: false,
      input: [{ role: 'user', content: 'greet me' }, ...asInput(res.output), { role: 'user', content: 'again' }],
    });
    expect(res2.output_text).toBe('Again: hello.');
    expect(lastCall(s.claude).status).toBe(200);
    // The mock accepts a signature only for exactly the thinking text it signed.
    expect(dig(lastBody(s.claude), 'messages', 1)).toEqual({
      role: 'assistant',
      content: [{ type: 'thinking', thinking: THINKING, signature: expect.any(String) }, { type: 'text', text: ANSWER }],
    });
  });

  test('claude-custom, streaming: reasoning_summary_text deltas before the text, a completed reasoning item carrying the signature', async () => {
    s.claude.queue({ thinking: THINKING, text: ANSWER, splitBytes: 4 });
    const { events, final } = await streamAll(clientFor(s, CLAUDE.name), {
      model: CLAUDE.model,
      input: 'greet me',
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    expectSequenced(events);
    const summary = ofType(events, 'response.reasoning_summary_text.delta');
    expect(summary.map((d) => d.delta).join('')).toBe(THINKING);
    expect(ofType(events, 'response.reasoning_summary_text.done')[0]!.text).toBe(THINKING);
    expect(ofType(events, 'response.reasoning_summary_part.added')).toHaveLength(1);
    const types = events.map((e) => e.type);
    expect(types.lastIndexOf('response.reasoning_summary_text.delta')).toBeLessThan(types.indexOf('response.output_text.delta'));
    const reasoningDone = ofType(events, 'response.output_item.done').find((e) => e.item.type === 'reasoning')!;
    expect(reasoningDone.output_index).toBe(0);
    expect((reasoningDone.item as ResponseReasoningItem).encrypted_content).toStartWith('aiproxy:');
    expect(ofType(events, 'response.output_text.delta').every((d) => d.output_index === 1)).toBe(true);
    expect(final.output_text).toBe(ANSWER);
    expect(final.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
  });

  for (const stream of [false, true]) {
    test(`claude-custom tool loop with thinking: with aiproxy's memory cleared, the replayed reasoning item keeps thinking on (${stream ? 'stream' : 'non-stream'})`, async () => {
      const client = clientFor(s, CLAUDE.name);
      const params = { model: CLAUDE.model, tools: [GET_WEATHER], reasoning: { effort: 'low' as const }, include: ['reasoning.encrypted_content' as const], store: false };
      s.claude.queue({ thinking: THINKING, toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
      const t1 = stream ? (await streamAll(client, { ...params, input: 'Oslo?' })).final : await client.responses.create({ ...params, input: 'Oslo?' });
      expect(t1.output.map((i) => i.type)).toEqual(['reasoning', 'function_call']);
      const call = t1.output[1] as { call_id: string };

      clearThinkingCache();
      s.claude.queue({ text: 'Cold.' });
      const t2 = await client.responses.create({
        ...params,
        input: [{ role: 'user', content: 'Oslo?' }, ...asInput(t1.output), { type: 'function_call_output', call_id: call.call_id, output: '-3°C' }],
      });
      expect(t2.output_text).toBe('Cold.');
      const body = lastBody(s.claude);
      expect(body.thinking).toMatchObject({ type: 'enabled' });
      expect(dig(body, 'messages', 1, 'content')).toEqual([
        { type: 'thinking', thinking: THINKING, signature: expect.any(String) },
        { type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Oslo' } },
      ]);
    });
  }

  test('claude-custom: a turn of thinking, text and two calls replays as one assistant message in that order (Codex-style items, no ids)', async () => {
    const client = clientFor(s, CLAUDE.name);
    const params = { model: CLAUDE.model, tools: [GET_WEATHER, GET_TIME], reasoning: { effort: 'low' as const, summary: 'auto' as const }, include: ['reasoning.encrypted_content' as const], store: false };
    s.claude.queue({ thinking: THINKING, text: 'Checking both.', toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }, { name: 'get_time', args: {} }] });
    const events = await rawEvents(client, { ...params, input: 'Oslo?' });
    const items = doneItems(events);
    expect(items.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call']);
    const calls = items.filter((i) => i.type === 'function_call') as Array<{ call_id: string }>;

    clearThinkingCache();
    s.claude.queue({ text: 'Cold, 09:00.' });
    const res = await client.responses.create({
      ...params,
      input: [
        { role: 'user', content: 'Oslo?' },
        ...asCodexInput(items),
        ...calls.map((c, i) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: i === 0 ? '-3°C' : '09:00' })),
      ],
    });
    expect(res.output_text).toBe('Cold, 09:00.');
    const body = lastBody(s.claude);
    expect(body.thinking).toMatchObject({ type: 'enabled' });
    expect(dig(body, 'messages', 1)).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: THINKING, signature: expect.any(String) },
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: calls[0]!.call_id, name: 'get_weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: calls[1]!.call_id, name: 'get_time', input: {} },
      ],
    });
    expect((dig(body, 'messages', 2, 'content') as unknown[]).map((b) => dig(b, 'tool_use_id'))).toEqual(calls.map((c) => c.call_id));
  });

  test('gemini-cli: thoughts come back as a reasoning item; thinkingConfig from reasoning.effort', async () => {
    s.gemini.queue({ thinking: THINKING, text: ANSWER, usage: { input: 50, output: 30, reasoning: 20 } });
    const res = await clientFor(s, GEMINI.name).responses.create({ model: GEMINI.model, input: 'greet me', reasoning: { effort: 'low', summary: 'auto' } });
    // Reasoning tokens are part of output_tokens and reported on their own too.
    expect(res.usage).toMatchObject({ input_tokens: 50, output_tokens: 30, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 80 });
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(res.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect((res.output[0] as ResponseReasoningItem).summary).toEqual([{ type: 'summary_text', text: THINKING }]);
    expect(res.output_text).toBe(ANSWER);
  });

  test('gemini-cli (Gemini 3) tool loop: with aiproxy\'s memory cleared, the replayed items bring back the call\'s own thought signature', async () => {
    const client = clientFor(s, GEMINI.name);
    const params = { model: 'gemini-3-flash-preview', tools: [GET_WEATHER], reasoning: { effort: 'low' as const }, include: ['reasoning.encrypted_content' as const], store: false };
    s.gemini.queue({ thinking: THINKING, toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
    const t1 = await client.responses.create({ ...params, input: 'Rome?' });
    const call = t1.output.find((i) => i.type === 'function_call') as { call_id: string } | undefined;
    expect(call).toBeDefined();
    const encrypted = reasoningOf(t1.output).map((r) => r.encrypted_content);
    expect(encrypted.some((e) => typeof e === 'string' && e.startsWith('aiproxy:'))).toBe(true);

    clearSignatureCache();
    s.gemini.queue({ text: 'Warm.' });
    const t2 = await client.responses.create({
      ...params,
      input: [{ role: 'user', content: 'Rome?' }, ...asInput(t1.output), { type: 'function_call_output', call_id: call!.call_id, output: '25°C' }],
    });
    expect(t2.output_text).toBe('Warm.');
    const parts = dig(lastBody(s.gemini), 'contents', 1, 'parts') as unknown[];
    const first = parts.find((p) => dig(p, 'functionCall') !== undefined);
    const signature = dig(first, 'thoughtSignature');
    expect(signature).not.toBe(SKIP_SIGNATURE);
    expect(s.gemini.issuedSignatures.has(signature as string)).toBe(true);
  });

  test('openai-custom: reasoning_content comes back as a reasoning summary; replaying the item is accepted', async () => {
    const client = clientFor(s, OPENAI.name);
    s.openai.queue({ thinking: THINKING, text: ANSWER, usage: { input: 50, output: 30, reasoning: 20 } });
    const res = await client.responses.create({ model: 'gpt-5.1', input: 'greet me', reasoning: { effort: 'low', summary: 'auto' } });
    expect(res.usage).toMatchObject({ input_tokens: 50, output_tokens: 30, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 80 });
    expect(lastBody(s.openai).reasoning_effort).toBe('low');
    expect(res.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect((res.output[0] as ResponseReasoningItem).summary).toEqual([{ type: 'summary_text', text: THINKING }]);
    expect(res.output_text).toBe(ANSWER);
    s.openai.queue({ text: 'ok' });
    const res2 = await client.responses.create({ model: 'gpt-5.1', input: [{ role: 'user', content: 'greet me' }, ...asInput(res.output), { role: 'user', content: 'again' }] });
    expect(lastCall(s.openai).status).toBe(200);
    expect(res2.output_text).toBe('ok');
  });
});
