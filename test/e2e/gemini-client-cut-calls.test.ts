/**
 * The @google/genai SDK on claude-custom and openai-custom when the token limit cuts a tool call short.
 * Gemini sends a functionCall whole or not at all, so a client runs whatever call it gets: one whose
 * arguments the upstream never finished must not reach it, as `{}` or as a fragment. The upstream
 * here replays scripted answers, since the strict mocks only ever send whole arguments.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { collect } from './gemini-client-helpers.ts';

/** What the upstream answers next: SSE data payloads for a stream, else a JSON body. */
let next: { frames?: Array<Record<string, unknown>>; body?: Record<string, unknown> } = {};
let upstream: ReturnType<typeof Bun.serve>;
let proxy: TestProxy;

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch() {
      const { frames, body } = next;
      if (!frames) return Response.json(body);
      const sse = frames.map((f) => `${typeof f.type === 'string' ? `event: ${f.type}\n` : ''}data: ${JSON.stringify(f)}\n\n`).join('');
      return new Response(frames[0]?.object ? `${sse}data: [DONE]\n\n` : sse, { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  const base = `http://127.0.0.1:${upstream.port}`;
  proxy = await startProxy([
    '--model-provider', 'openai-custom,claude-custom',
    '--openai-base-url', `${base}/v1`, '--openai-api-key', 'sk-up',
    '--claude-base-url', base, '--claude-api-key', 'sk-ant-up',
  ]);
});
afterAll(async () => {
  await proxy.stop();
  upstream.stop(true);
});

const WRITE = { name: 'write_file', parametersJsonSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } } };
const READ = { name: 'read_file', parametersJsonSchema: { type: 'object', properties: { path: { type: 'string' } } } };
const config = { tools: [{ functionDeclarations: [WRITE, READ] }] };

function anthropicStream(calls: Array<[string, string]>): Array<Record<string, unknown>> {
  const start = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } };
  const blocks = calls.flatMap(([name, json], index) => [
    { type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name, input: {} } },
    { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } },
    { type: 'content_block_stop', index },
  ]);
  return [start, ...blocks, { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 20 } }, { type: 'message_stop' }];
}

function openaiStream(calls: Array<[string, string]>): Array<Record<string, unknown>> {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] });
  return [
    ...calls.map(([name, args], index) => chunk({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name, arguments: args } }] })),
    chunk({}, 'length'),
  ];
}

const UPSTREAMS = [
  { provider: 'claude-custom', model: 'claude-sonnet-4-5', stream: anthropicStream },
  { provider: 'openai-custom', model: 'gpt-4o', stream: openaiStream },
] as const;

const client = (provider: string): GoogleGenAI =>
  new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: `${proxy.url}/${provider}`, apiVersion: 'v1beta' } });
const finishOf = (chunks: GenerateContentResponse[]): unknown => chunks.at(-1)?.candidates?.[0]?.finishReason;

describe.each(UPSTREAMS)('Gemini SDK → $provider: a call cut by max tokens', (up) => {
  test('streaming: the cut call is not delivered, the whole one before it is, and the finish says MAX_TOKENS', async () => {
    next = { frames: up.stream([['read_file', '{"path":"/a"}'], ['write_file', '{"path":"/tmp/a.txt","content":"hello wor']]) };
    const g = client(up.provider);
    const { chunks } = await collect(await g.models.generateContentStream({ model: up.model, contents: 'write it', config }));
    expect(chunks.flatMap((c) => c.functionCalls ?? [])).toEqual([{ id: expect.any(String), name: 'read_file', args: { path: '/a' } }]);
    expect(finishOf(chunks)).toBe('MAX_TOKENS');
  });

  test('non-streaming: the call the limit cut (the last part) is not delivered', async () => {
    next = {
      body:
        up.provider === 'claude-custom'
          ? {
              id: 'msg', type: 'message', role: 'assistant', model: up.model, stop_sequence: null, stop_reason: 'max_tokens',
              content: [{ type: 'text', text: 'Writing it.' }, { type: 'tool_use', id: 'toolu_1', name: 'write_file', input: { path: '/tmp/a.txt' } }],
              usage: { input_tokens: 1, output_tokens: 1 },
            }
          : {
              id: 'c', object: 'chat.completion', created: 1, model: up.model,
              choices: [{ index: 0, finish_reason: 'length', message: { role: 'assistant', content: 'Writing it.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'write_file', arguments: '{"path":"/tmp/a.txt","content":"hel' } }] } }],
              usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
            },
    };
    const g = client(up.provider);
    const res = await g.models.generateContent({ model: up.model, contents: 'write it', config });
    expect(res.functionCalls).toBeUndefined();
    expect(res.text).toBe('Writing it.');
    expect(res.candidates?.[0]?.finishReason).toBe('MAX_TOKENS' as never);
  });
});
