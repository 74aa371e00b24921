/**
 * Claude Code (the Anthropic SDK as the CLI calls it) on openai-custom pointed at OpenAI-compatible
 * servers, each answering with the chunk shapes it really streams: DeepSeek, Kimi (Moonshot), GLM
 * (Z.ai), Qwen (DashScope), vLLM and Ollama. The upstream here replays scripted SSE frames, since the
 * strict OpenAI mock only ever answers as api.openai.com does.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { PNG_BASE64, expectWellFormed } from './anthropic-client-util.ts';

interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  /** SSE data payloads (objects are JSON-encoded); `[DONE]` is not added. */
  frames?: Array<Record<string, unknown> | string>;
  /** A non-stream body. */
  body?: unknown;
}

const script: Scripted[] = [];
const received: Array<Record<string, unknown>> = [];
let upstream: ReturnType<typeof Bun.serve>;
let proxy: TestProxy;
let client: Anthropic;

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = (await req.json()) as Record<string, unknown>;
      received.push(body);
      // vLLM serving Qwen 3.6: its chat template takes a system message only at the start (vllm-project/vllm#41114).
      const late = (body.messages as Array<{ role: string }>).findIndex((m, i) => i > 0 && m.role === 'system');
      if (String(body.model).startsWith('Qwen/Qwen3.6') && late > 0) {
        const error = { message: 'System message must be at the beginning.', type: 'BadRequestError', param: null, code: 400 };
        return Response.json({ error }, { status: 400 });
      }
      const s = script.shift() ?? { frames: [chunk({ content: 'ok' }, 'stop'), '[DONE]'] };
      const headers = { 'content-type': s.frames ? 'text/event-stream' : 'application/json', ...s.headers };
      if (!s.frames) return new Response(JSON.stringify(s.body ?? {}), { status: s.status ?? 200, headers });
      const text = s.frames.map((f) => `data: ${typeof f === 'string' ? f : JSON.stringify(f)}\n\n`).join('');
      return new Response(text, { status: s.status ?? 200, headers });
    },
  });
  proxy = await startProxy([
    '--model-provider', 'openai-custom',
    '--openai-base-url', `http://127.0.0.1:${upstream.port}/v1`, '--openai-api-key', 'sk-upstream',
  ]);
  client = new Anthropic({
    apiKey: proxy.key,
    baseURL: `${proxy.url}/openai-custom`,
    maxRetries: 0,
    defaultQuery: { beta: 'true' },
    defaultHeaders: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14', 'x-app': 'cli' },
  });
});
afterAll(async () => {
  await proxy.stop();
  upstream.stop(true);
});

/** One chat.completion.chunk with choice 0. */
function chunk(delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}, choiceExtra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1764115200,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish, ...choiceExtra }],
    ...extra,
  };
}

const READ_TOOL: Anthropic.Tool = {
  name: 'Read',
  description: 'Read a file.',
  input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] },
};
const LS_TOOL: Anthropic.Tool = { name: 'LS', description: 'List the cwd.', input_schema: { type: 'object', properties: {} } };

async function turn(model: string, messages: Anthropic.MessageParam[]): Promise<{ events: MessageStreamEvent[]; final: Anthropic.Message }> {
  const stream = client.messages.stream({
    model,
    max_tokens: 32000,
    system: [{ type: 'text', text: 'You are Claude Code.' }],
    tools: [READ_TOOL, LS_TOOL],
    thinking: { type: 'enabled', budget_tokens: 4000 },
    messages,
  });
  const events: MessageStreamEvent[] = [];
  for await (const ev of stream) events.push(ev);
  return { events, final: await stream.finalMessage() };
}

describe('Claude Code on OpenAI-compatible servers: streamed tool loops', () => {
  test('DeepSeek: reasoning_content, parallel calls with ids only in the head, finish and usage in one chunk', async () => {
    script.push({
      frames: [
        chunk({ role: 'assistant', content: null, reasoning_content: '' }),
        chunk({ reasoning_content: 'Need both files.' }),
        chunk({ content: 'Reading.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_00_a', type: 'function', function: { name: 'Read', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"file_path":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"a.ts"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_01_b', type: 'function', function: { name: 'LS', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
        chunk({}, 'tool_calls', {
          usage: { prompt_tokens: 1200, completion_tokens: 40, total_tokens: 1240, prompt_cache_hit_tokens: 1000, prompt_cache_miss_tokens: 200 },
        }),
        '[DONE]',
      ],
    });
    const { events, final } = await turn('deepseek-chat', [{ role: 'user', content: 'read a.ts and list' }]);
    expectWellFormed(events);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'tool_use']);
    expect(final.content[2]).toMatchObject({ id: 'call_00_a', name: 'Read', input: { file_path: 'a.ts' } });
    expect(final.content[3]).toMatchObject({ id: 'call_01_b', name: 'LS', input: {} });
    expect(final.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 40 });
  });

  test("Kimi: usage inside the finishing choice (Moonshot's own place for it) reaches Claude Code", async () => {
    // Shape from Moonshot's docs as quoted in northes/go-moonshot#17 and higress-group/higress#1568.
    script.push({
      frames: [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Done.' }),
        chunk({}, 'stop', {}, { usage: { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32, cached_tokens: 16 } }),
        '[DONE]',
      ],
    });
    const { final } = await turn('kimi-k2-0905-preview', [{ role: 'user', content: 'hi' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 3, cache_read_input_tokens: 16, output_tokens: 13 });
  });

  test('GLM: whole arguments in one chunk, index gaps, and a no-argument call with empty arguments', async () => {
    script.push({
      frames: [
        chunk({ role: 'assistant', reasoning_content: 'Plan.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"file_path":"x.md"}' } }] }),
        chunk({ tool_calls: [{ index: 2, id: 'call_b', type: 'function', function: { name: 'LS', arguments: '' } }] }),
        chunk({}, 'tool_calls'),
        { id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 50, completion_tokens: 9, total_tokens: 59, prompt_tokens_details: { cached_tokens: 32 } } },
        '[DONE]',
      ],
    });
    const { events, final } = await turn('glm-4.6', [{ role: 'user', content: 'go' }]);
    expectWellFormed(events);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.slice(1)).toMatchObject([
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { file_path: 'x.md' } },
      { type: 'tool_use', id: 'call_b', name: 'LS', input: {} },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 18, cache_read_input_tokens: 32 });
  });

  test('GLM: finish_reason "sensitive" (its content filter) is a refusal, not a normal end of turn', async () => {
    // Z.ai documents "sensitive" beside stop/length/tool_calls (promptfoo/promptfoo#9905).
    script.push({ frames: [chunk({ role: 'assistant', content: 'I' }), chunk({}, 'sensitive'), '[DONE]'] });
    const { final } = await turn('glm-4.6', [{ role: 'user', content: 'x' }]);
    expect(final.stop_reason).toBe('refusal');
  });

  test('GLM: finish_reason "model_context_window_exceeded" is max_tokens, so Claude Code neither takes the cut text as done nor runs the cut call', async () => {
    // Z.ai stops so when the window fills up mid-answer (mozilla-ai/any-llm#1200).
    script.push({ frames: [chunk({ role: 'assistant', content: 'The first half of' }), chunk({}, 'model_context_window_exceeded'), '[DONE]'] });
    expect((await turn('glm-5', [{ role: 'user', content: 'x' }])).final.stop_reason).toBe('max_tokens');
    script.push({
      frames: [
        chunk({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'Read', arguments: '{"file_pa' } }] }),
        chunk({}, 'model_context_window_exceeded'),
        '[DONE]',
      ],
    });
    expect((await turn('glm-5', [{ role: 'user', content: 'x' }])).final.stop_reason).toBe('max_tokens');
  });

  test('GLM: finish_reason "network_error" (generation failed part-way) ends in an error, not a finished turn', async () => {
    script.push({ frames: [chunk({ role: 'assistant', content: 'Half an ans' }), chunk({}, 'network_error'), '[DONE]'] });
    const err = await turn('glm-4.6', [{ role: 'user', content: 'x' }]).catch((e) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toContain('network_error');
  });

  test('Mistral: finish_reason "model_length" (the context window filled) is max_tokens, "error" an error; vLLM\'s "abort" too', async () => {
    // Mistral's API: finish_reason is one of stop, length, model_length, error, tool_calls.
    script.push({ frames: [chunk({ role: 'assistant', content: 'The first half of' }), chunk({}, 'model_length'), '[DONE]'] });
    expect((await turn('devstral-medium-latest', [{ role: 'user', content: 'x' }])).final.stop_reason).toBe('max_tokens');
    script.push({
      frames: [
        chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'AbCdEfGh1', function: { name: 'Read', arguments: '{"file_pa' } }] }),
        chunk({}, 'model_length'),
        '[DONE]',
      ],
    });
    expect((await turn('devstral-medium-latest', [{ role: 'user', content: 'x' }])).final.stop_reason).toBe('max_tokens');
    for (const [model, reason] of [['mistral-large-latest', 'error'], ['Qwen/Qwen3-Coder-30B-A3B-Instruct', 'abort']]) {
      script.push({ frames: [chunk({ role: 'assistant', content: 'Half an ans' }), chunk({}, reason), '[DONE]'] });
      const err = await turn(model!, [{ role: 'user', content: 'x' }]).catch((e) => e as Error);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as Error).message).toContain(`finish_reason ${reason}`);
    }
  });

  test('vLLM and SGLang name the stop sequence they matched: an Anthropic client gets stop_sequence with it, streamed and not', async () => {
    // vLLM: the matched string in the choice's stop_reason (vllm-project/vllm#45807); SGLang: in matched_stop.
    const ask = { model: 'Qwen/Qwen3-Coder-30B-A3B-Instruct', max_tokens: 1000, stop_sequences: ['</answer>', 'END'], messages: [{ role: 'user' as const, content: 'x' }] };
    script.push({ frames: [chunk({ role: 'assistant', content: 'The answer' }), chunk({}, 'stop', {}, { stop_reason: '</answer>' }), '[DONE]'] });
    const vllm = await client.messages.stream(ask).finalMessage();
    expect(vllm).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '</answer>', content: [{ type: 'text', text: 'The answer' }] });
    expect(received.at(-1)!.stop).toEqual(['</answer>', 'END']);
    script.push({ frames: [chunk({ role: 'assistant', content: 'Count 1 2' }), chunk({}, 'stop', {}, { matched_stop: 'END' }), '[DONE]'] });
    expect(await client.messages.stream(ask).finalMessage()).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    script.push({
      body: {
        id: 'c', object: 'chat.completion', created: 1, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'The answer' }, finish_reason: 'stop', stop_reason: '</answer>' }],
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      },
    });
    expect(await client.messages.create(ask)).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '</answer>' });
    // A stop token (vLLM's stop_reason is then its id) or a string of the server's own template is a plain end of turn.
    script.push({ frames: [chunk({ role: 'assistant', content: 'Done.' }), chunk({}, 'stop', {}, { stop_reason: 151645 }), '[DONE]'] });
    expect(await client.messages.stream(ask).finalMessage()).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    script.push({ frames: [chunk({ role: 'assistant', content: 'Done.' }), chunk({}, 'stop', {}, { matched_stop: '<|im_end|>' }), '[DONE]'] });
    expect(await client.messages.stream(ask).finalMessage()).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });

  test('DeepSeek: finish_reason "insufficient_system_resource" (its servers ran out part-way) is an overloaded error, not a finished turn or a call to run', async () => {
    // DeepSeek's API reference lists it beside stop/length/tool_calls: generation was interrupted.
    script.push({ frames: [chunk({ role: 'assistant', content: 'Half an ans' }), chunk({}, 'insufficient_system_resource'), '[DONE]'] });
    const cut = await turn('deepseek-chat', [{ role: 'user', content: 'x' }]).catch((e) => e as Error);
    expect(cut).toBeInstanceOf(Anthropic.APIError);
    expect((cut as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: 'overloaded_error' } });
    expect((cut as Error).message).toContain('insufficient_system_resource');
    script.push({
      frames: [
        chunk({ role: 'assistant', content: null, reasoning_content: 'Read it.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_00_a', type: 'function', function: { name: 'Read', arguments: '{"file_pa' } }] }),
        chunk({}, 'insufficient_system_resource', { usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } }),
        '[DONE]',
      ],
    });
    const events: MessageStreamEvent[] = [];
    const stream = client.messages.stream({ model: 'deepseek-reasoner', max_tokens: 32000, tools: [READ_TOOL], messages: [{ role: 'user', content: 'x' }] });
    const err = await (async () => {
      for await (const ev of stream) events.push(ev);
    })().catch((e) => e as Error);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(events.some((e) => e.type === 'message_delta' || e.type === 'message_stop')).toBe(false);
    // Unstreamed, the same answer is the error it stands for, before anything is sent.
    script.push({
      body: {
        id: 'c', object: 'chat.completion', created: 1, model: 'deepseek-chat',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Half an ans' }, finish_reason: 'insufficient_system_resource' }],
        usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
      },
    });
    const whole = await client.messages.create({ model: 'deepseek-chat', max_tokens: 1000, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e as Error);
    expect(whole).toBeInstanceOf(Anthropic.APIError);
    expect((whole as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
    expect((whole as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  test('Qwen and vLLM: usage on every chunk and `reasoning` before content; the last count wins', async () => {
    const u = (n: number) => ({ usage: { prompt_tokens: 70, completion_tokens: n, total_tokens: 70 + n } });
    script.push({
      frames: [
        chunk({ role: 'assistant', reasoning: 'hmm' }, null, u(1)),
        chunk({ content: 'A' }, null, u(2)),
        chunk({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'Read', arguments: '{"file_path":"a"}' } }] }, null, u(3)),
        chunk({}, 'tool_calls', u(5)),
        '[DONE]',
      ],
    });
    const { final } = await turn('qwen3-coder-plus', [{ role: 'user', content: 'x' }]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(final.usage).toMatchObject({ input_tokens: 70, output_tokens: 5 });
  });

  test("mlx-vlm: usage counted as input_tokens/output_tokens (no prompt_tokens) reaches Claude Code's context count", async () => {
    // mlx-vlm's UsageStats (earendil-works/pi#2326): the Responses API's names, plus its speed and memory.
    const usage = { input_tokens: 811, output_tokens: 5, total_tokens: 816, prompt_tps: 21.55, generation_tps: 81.56, peak_memory: 3.2 };
    script.push({
      frames: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' }), chunk({}, 'stop'), { id: 'chatcmpl-1', model: 'm', choices: [], usage }, '[DONE]'],
    });
    const { final } = await turn('mlx-community/Qwen2.5-VL-3B-Instruct-8bit', [{ role: 'user', content: 'hi' }]);
    expect(final.usage).toMatchObject({ input_tokens: 811, output_tokens: 5, cache_read_input_tokens: 0 });
    expect(proxy.logs.at(-1)).toContain('in=811 out=5');
  });

  test('a server that counts nothing (include_usage ignored): Claude Code gets estimates, not a context of 0 tokens it never compacts', async () => {
    // api7/aisix#794, Wei-Shaw/sub2api#4856: no usage chunk at all, streamed or whole.
    script.push({ frames: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello there, friend.' }), chunk({}, 'stop'), '[DONE]'] });
    const { final } = await turn('some-model', [{ role: 'user', content: 'x'.repeat(4000) }]);
    expect(final.usage.input_tokens).toBeGreaterThan(1000);
    expect(final.usage.output_tokens).toBe(5);
    expect(proxy.logs.at(-1)).toContain(`in=${final.usage.input_tokens} out=5`);

    const message = { role: 'assistant', content: 'Hello there, friend.' };
    script.push({ body: { id: 'chatcmpl-2', object: 'chat.completion', created: 1764115200, model: 'm', choices: [{ index: 0, message, finish_reason: 'stop' }] } });
    const whole = await client.messages.create({ model: 'some-model', max_tokens: 100, messages: [{ role: 'user', content: 'x'.repeat(4000) }] });
    expect(whole.usage.input_tokens).toBeGreaterThan(1000);
    expect(whole.usage.output_tokens).toBe(5);
  });

  test("Ollama Cloud's prompt_tokens 0 beside a real completion count: the prompt is estimated, the output kept", async () => {
    // diegosouzapw/OmniRoute#4615: the usage chunk counts the completion only.
    script.push({
      frames: [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hi.' }),
        chunk({}, 'stop'),
        { id: 'chatcmpl-1', model: 'm', choices: [], usage: { prompt_tokens: 0, completion_tokens: 10, total_tokens: 10 } },
        '[DONE]',
      ],
    });
    const { final } = await turn('gpt-oss:120b', [{ role: 'user', content: 'y'.repeat(4000) }]);
    expect(final.usage.input_tokens).toBeGreaterThan(1000);
    expect(final.usage.output_tokens).toBe(10);
  });

  test('a turn cut by max_tokens mid-call is max_tokens, so Claude Code does not run the cut call', async () => {
    script.push({
      frames: [
        chunk({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'Read', arguments: '{"file_pa' } }] }),
        chunk({}, 'length'),
        '[DONE]',
      ],
    });
    const { final } = await turn('deepseek-chat', [{ role: 'user', content: 'x' }]);
    expect(final.stop_reason).toBe('max_tokens');
  });

  test("llama-server's parallel calls under one id: each tool_use gets its own, and the results go back paired", async () => {
    // ggml-org/llama.cpp#27966 (DeepSeek and GLM at times too: HKUDS/nanobot#3943).
    script.push({
      frames: [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'DupId0123456789', type: 'function', function: { name: 'Read', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"file_path":"a.ts"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'DupId0123456789', type: 'function', function: { name: 'Read', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{"file_path":"b.ts"}' } }] }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ],
    });
    const { final } = await turn('qwen3.6-27b', [{ role: 'user', content: 'read a.ts and b.ts' }]);
    const uses = final.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(uses.map((u) => u.input)).toEqual([{ file_path: 'a.ts' }, { file_path: 'b.ts' }]);
    expect(uses[0]!.id).toBe('DupId0123456789');
    expect(uses[1]!.id).not.toBe(uses[0]!.id);
    await turn('qwen3.6-27b', [
      { role: 'user', content: 'read a.ts and b.ts' },
      { role: 'assistant', content: final.content },
      { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: `contents of ${(u.input as { file_path: string }).file_path}` })) },
    ]);
    const sent = received.at(-1)!.messages as Array<{ role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string; content?: unknown }>;
    const ids = sent.find((m) => m.role === 'assistant')!.tool_calls!.map((c) => c.id);
    expect(sent.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, m.content])).toEqual([
      [ids[0], 'contents of a.ts'],
      [ids[1], 'contents of b.ts'],
    ]);
    // The same in a whole answer.
    script.push({
      body: {
        id: 'c', object: 'chat.completion', created: 1, model: 'qwen3.6-27b',
        choices: [{
          index: 0,
          message: {
            role: 'assistant', content: null,
            tool_calls: [
              { id: 'DupId0123456789', type: 'function', function: { name: 'Read', arguments: '{"file_path":"a.ts"}' } },
              { id: 'DupId0123456789', type: 'function', function: { name: 'Read', arguments: '{"file_path":"b.ts"}' } },
            ],
          },
          finish_reason: 'tool_calls',
        }],
      },
    });
    const whole = await client.messages.create({ model: 'qwen3.6-27b', max_tokens: 1000, tools: [READ_TOOL], messages: [{ role: 'user', content: 'x' }] });
    const wholeIds = whole.content.filter((b) => b.type === 'tool_use').map((b) => (b as Anthropic.ToolUseBlock).id);
    expect(wholeIds[0]).toBe('DupId0123456789');
    expect(new Set(wholeIds).size).toBe(2);
  });

  test('parallel calls announced before their arguments, fragments interleaved: each tool_use whole', async () => {
    // Qwen and vLLM send every call's head first; other servers interleave the calls' fragments.
    script.push({
      frames: [
        chunk({ role: 'assistant', content: null, tool_calls: [
          { index: 0, id: 'call_A', type: 'function', function: { name: 'Read', arguments: '' } },
          { index: 1, id: 'call_B', type: 'function', function: { name: 'Read', arguments: '' } },
        ] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"file_path":' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{"file_path":"/b.txt"}' } }] }),
        chunk({ content: 'Reading both.' }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"/a.txt"}' } }] }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ],
    });
    const { events, final } = await turn('qwen3-coder-plus', [{ role: 'user', content: 'read a and b' }]);
    expectWellFormed(events);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((b) => b.type)).toEqual(['tool_use', 'tool_use', 'text']);
    expect(final.content[0]).toMatchObject({ id: 'call_A', name: 'Read', input: { file_path: '/a.txt' } });
    expect(final.content[1]).toMatchObject({ id: 'call_B', name: 'Read', input: { file_path: '/b.txt' } });
    expect(final.content[2]).toMatchObject({ text: 'Reading both.' });
  });
});

describe('Claude Code on OpenAI-compatible servers: history it sends back', () => {
  test('unsigned thinking Claude Code sends back on a tool turn reaches DeepSeek as reasoning_content', async () => {
    await turn('deepseek-reasoner', [
      { role: 'user', content: 'read a' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Need a.', signature: '' },
          { type: 'tool_use', id: 'call_00_a', name: 'Read', input: { file_path: 'a' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_00_a', content: 'A' }] },
    ]);
    const messages = received.at(-1)!.messages as Array<Record<string, unknown>>;
    expect(messages.find((m) => m.role === 'assistant')).toMatchObject({ reasoning_content: 'Need a.' });
  });

  test("Claude Code's mid-conversation system messages reach Qwen on vLLM in its one leading system message", async () => {
    // Claude Code's mid-conversation-system beta puts system entries among the messages; Qwen 3.5+'s chat
    // template refuses every run of them but the first (vllm-project/vllm#41114, ollama/ollama#17774).
    const { final } = await turn('Qwen/Qwen3.6-27B', [
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Available agent types: Explore.' } as unknown as Anthropic.MessageParam,
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'go' },
      { role: 'system', content: [{ type: 'text', text: 'The user switched to plan mode.' }] } as unknown as Anthropic.MessageParam,
    ]);
    expect(final.content).toMatchObject([{ type: 'text', text: 'ok' }]);
    const messages = received.at(-1)!.messages as Array<{ role: string; content: unknown }>;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[0]!.content).toBe('You are Claude Code.\n\nAvailable agent types: Explore.\n\nThe user switched to plan mode.');
  });

  test('a screenshot in a tool result does not reach DeepSeek, which takes text parts only', async () => {
    // DeepSeek answers 400 "unknown variant `image_url`, expected `text`" to any image part, and the
    // image stays in every later request: the session is stuck (Gitlawb/openclaude#1071, farion1231/cc-switch#3663).
    await turn('deepseek-chat', [
      { role: 'user', content: 'look' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_00_a', name: 'Read', input: { file_path: 'a.png' } }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'call_00_a',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }],
          },
        ],
      },
    ]);
    const sent = JSON.stringify(received.at(-1)!.messages);
    expect(sent).not.toContain('image_url');
    const tool = (received.at(-1)!.messages as Array<Record<string, unknown>>).find((m) => m.role === 'tool');
    expect(typeof tool?.content).toBe('string');
    expect(String(tool?.content)).not.toBe('');
  });

  test("DeepSeek's vision model still gets the image", async () => {
    const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: PNG_BASE64 } };
    await turn('deepseek-vl2', [{ role: 'user', content: [image, { type: 'text', text: 'what is this?' }] }]);
    expect(JSON.stringify(received.at(-1)!.messages)).toContain('image_url');
  });
});

describe('Claude Code on OpenAI-compatible servers: errors', () => {
  const err = async (): Promise<InstanceType<typeof Anthropic.APIError>> => {
    try {
      await client.messages.create({ model: 'deepseek-chat', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    } catch (e) {
      return e as InstanceType<typeof Anthropic.APIError>;
    }
    throw new Error('expected an error');
  };

  test('DeepSeek 402 Insufficient Balance is a billing_error Claude Code does not retry', async () => {
    script.push({
      status: 402,
      body: { error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } },
    });
    const e = await err();
    expect(e.status).toBe(402);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'billing_error', message: 'Insufficient Balance' } });
  });

  test('429 with and without retry-after stays a rate_limit_error', async () => {
    script.push({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    const a = await err();
    expect(a.status).toBe(429);
    expect(a.headers?.get('retry-after')).toBe('7');
    expect(a.error).toMatchObject({ error: { type: 'rate_limit_error' } });
    script.push({ status: 429, body: { error: { message: 'Rate limit reached', type: 'rate_limit_error' } } });
    const b = await err();
    expect(b.status).toBe(429);
    expect(b.error).toMatchObject({ error: { type: 'rate_limit_error' } });
  });

  test("Kimi K2.5's fixed temperature: a client's other value is refused once, then left out and the answer comes", async () => {
    // Cline's Anthropic mode asks for temperature 0; Moonshot takes only its own (Warma10032/VideoAdGuard#34).
    const refusal = { error: { message: 'invalid temperature: only 1 is allowed for this model', type: 'invalid_request_error' } };
    script.push({ status: 400, body: refusal }, { frames: [chunk({ role: 'assistant', content: 'Hi' }, 'stop'), '[DONE]'] });
    const ask = async () => {
      const final = await client.messages.stream({ model: 'kimi-k2.5', max_tokens: 100, temperature: 0, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
      return final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    };
    const before = received.length;
    expect(await ask()).toBe('Hi');
    expect(received.slice(before).map((b) => b.temperature)).toEqual([0, undefined]);
    // The next request of the conversation goes without it at once.
    expect(await ask()).toBe('ok');
    expect(received.slice(before + 2).map((b) => b.temperature)).toEqual([undefined]);
  });

  test("an Azure deployment of gpt-5 under a name of its own: OpenAI's 'Unsupported parameter' is read, the request goes again in the form asked", async () => {
    // The deployment name does not say it is a reasoning model, so aiproxy sends what a chat model takes;
    // Azure answers in OpenAI's words (FlowiseAI/Flowise#5060, rcourtman/Pulse#1867). Claude Code's auto-mode
    // classifier sends stop_sequences, which these models refuse too (CherryHQ/cherry-studio#17680).
    const unsupported = (param: string, extra = '') => ({
      status: 400,
      body: { error: { message: `Unsupported parameter: '${param}' is not supported with this model.${extra}`, type: 'invalid_request_error', param, code: 'unsupported_parameter' } },
    });
    script.push(
      unsupported('max_tokens', " Use 'max_completion_tokens' instead."),
      unsupported('stop'),
      { frames: [chunk({ role: 'assistant', content: '<block>no' }, 'stop'), '[DONE]'] },
    );
    const ask = async () => {
      const final = await client.messages
        .stream({ model: 'gpt5-prod', max_tokens: 64, stop_sequences: ['</block>'], messages: [{ role: 'user', content: 'x' }] })
        .finalMessage();
      return final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    };
    const before = received.length;
    expect(await ask()).toBe('<block>no');
    const sent = received.slice(before);
    expect(sent.map((b) => [b.max_tokens, b.max_completion_tokens, b.stop])).toEqual([
      [64, undefined, ['</block>']],
      [undefined, 64, ['</block>']],
      [undefined, 64, undefined],
    ]);
    // The next request for this deployment goes in that form at once.
    expect(await ask()).toBe('ok');
    expect(received.slice(before + 3).map((b) => [b.max_tokens, b.max_completion_tokens, b.stop])).toEqual([[undefined, 64, undefined]]);
  });

  test("DeepSeek's output ceiling: Claude Code's max_tokens 32000 is refused once, then sent at the ceiling the server names", async () => {
    // deepseek-chat takes at most 8192 (router-for-me/CLIProxyAPI#599, Gitlawb/openclaude#35); a
    // relay's DeepSeek V4 names its own (MoonshotAI/kimi-code#509). Claude Code asks for 32000 whatever the model.
    const refusal = { error: { message: 'Invalid max_tokens value, the valid range of max_tokens is [1, 8192]', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } };
    script.push({ status: 400, body: refusal }, { frames: [chunk({ role: 'assistant', content: 'Hi' }, 'stop'), '[DONE]'] });
    const ask = async () => {
      const final = await client.messages.stream({ model: 'deepseek-chat', max_tokens: 32000, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
      return final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    };
    const before = received.length;
    expect(await ask()).toBe('Hi');
    expect(received.slice(before).map((b) => b.max_tokens)).toEqual([32000, 8192]);
    // The next request goes at the ceiling at once; one under it is sent as asked.
    expect(await ask()).toBe('ok');
    expect(received.slice(before + 2).map((b) => b.max_tokens)).toEqual([8192]);
    await client.messages.stream({ model: 'deepseek-chat', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(received.at(-1)?.max_tokens).toBe(100);
  });

  test("OpenAI's own ceiling wording, from an Azure deployment of gpt-4o under a name of its own", async () => {
    const refusal = {
      error: {
        message: 'max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.',
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'invalid_value',
      },
    };
    script.push({ status: 400, body: refusal }, { frames: [chunk({ role: 'assistant', content: 'Hi' }, 'stop'), '[DONE]'] });
    const before = received.length;
    const final = await client.messages.stream({ model: 'prod-4o', max_tokens: 32000, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(final.content).toMatchObject([{ type: 'text', text: 'Hi' }]);
    expect(received.slice(before).map((b) => b.max_tokens)).toEqual([32000, 16384]);
  });

  test("an effort the server does not take (Claude Code's xhigh to SGLang) is sent again as the nearest one it lists", async () => {
    // SGLang (and vLLM before DeepSeek V4) take low, medium and high only (router-for-me/CLIProxyAPI#1572).
    const message =
      "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'reasoning_effort'), 'msg': \"Input should be 'low', 'medium' or 'high'\", 'input': 'xhigh', 'ctx': {'expected': \"'low', 'medium' or 'high'\"}}";
    script.push({ status: 400, body: { object: 'error', message, type: 'Bad Request', param: null, code: 400 } }, { frames: [chunk({ role: 'assistant', content: 'Hi' }, 'stop'), '[DONE]'] });
    const ask = async () => {
      const params = { model: 'glm-5', max_tokens: 1000, thinking: { type: 'adaptive' }, output_config: { effort: 'xhigh' }, messages: [{ role: 'user', content: 'x' }] };
      const final = await client.messages.stream(params as unknown as Anthropic.MessageCreateParamsStreaming).finalMessage();
      return final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    };
    const before = received.length;
    expect(await ask()).toBe('Hi');
    expect(received.slice(before).map((b) => b.reasoning_effort)).toEqual(['xhigh', 'high']);
    // The next request goes with the nearest at once.
    expect(await ask()).toBe('ok');
    expect(received.slice(before + 2).map((b) => b.reasoning_effort)).toEqual(['high']);
  });

  test('Qwen data_inspection_failed (400) is an invalid_request_error with its message', async () => {
    script.push({
      status: 400,
      body: { error: { message: 'Input data may contain inappropriate content.', type: 'data_inspection_failed', code: 'data_inspection_failed' } },
    });
    const e = await err();
    expect(e.status).toBe(400);
    expect(e.error).toMatchObject({ error: { type: 'invalid_request_error', message: 'Input data may contain inappropriate content.' } });
  });
});
