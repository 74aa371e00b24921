/**
 * Cursor with "Override OpenAI Base URL" sends its OpenAI models' requests as Responses API bodies
 * (`input`, `instructions`, flat tools) to `<base>/chat/completions`, and reads the answer as Chat
 * Completions (gabrii/Cursor-Azure-GPT-5#69). aiproxy takes such a body for what it says and answers
 * in the protocol of the path; a body with `messages` stays a Chat Completions body.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startStack, type Stack } from '../helpers/stack.ts';
import { UPSTREAMS, clientFor, collect, dig, lastBody } from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

/** A Cursor agent turn: a read_file call already made and answered, and the tool to call again. */
const cursorBody = (model: string, stream: boolean): Record<string, unknown> => ({
  model,
  stream,
  instructions: 'You are a coding agent.',
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'What is in a.txt?' }] },
    { type: 'function_call', call_id: 'call_read1', name: 'read_file', arguments: '{"path":"a.txt"}' },
    { type: 'function_call_output', call_id: 'call_read1', output: 'hello' },
  ],
  tools: [{ type: 'function', name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }],
  tool_choice: 'auto',
  reasoning: { effort: 'low', summary: 'auto' },
  store: false,
});

for (const u of UPSTREAMS) {
  describe(`Responses body on /v1/chat/completions → ${u.name}`, () => {
    test('streamed: a Chat Completions stream, and the upstream got the conversation and the tool', async () => {
      u.mock(s).queue({ text: 'It says hello.' });
      const client = clientFor(s, u.name);
      const stream = await client.post<AsyncIterable<OpenAI.ChatCompletionChunk>>('/chat/completions', {
        body: cursorBody(u.model, true),
        stream: true,
      });
      const got = await collect(stream);
      expect(got.content).toBe('It says hello.');
      expect(got.finishReason).toBe('stop');
      expect(got.chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);

      const sent = lastBody(u.mock(s));
      if (u.name === 'claude-custom') {
        expect(dig(sent, 'system', 0, 'text')).toBe('You are a coding agent.');
        expect(dig(sent, 'messages', 1, 'content', 0)).toMatchObject({ type: 'tool_use', id: 'call_read1', name: 'read_file', input: { path: 'a.txt' } });
        expect(dig(sent, 'messages', 2, 'content', 0)).toMatchObject({ type: 'tool_result', tool_use_id: 'call_read1' });
        expect(dig(sent, 'tools', 0, 'name')).toBe('read_file');
      } else {
        expect(dig(sent, 'systemInstruction', 'parts', 0, 'text')).toBe('You are a coding agent.');
        expect(dig(sent, 'contents', 1, 'parts', 0, 'functionCall')).toMatchObject({ name: 'read_file', args: { path: 'a.txt' } });
        expect(dig(sent, 'contents', 2, 'parts', 0, 'functionResponse', 'name')).toBe('read_file');
        expect(dig(sent, 'tools', 0, 'functionDeclarations', 0, 'name')).toBe('read_file');
      }
    });

    test("Cursor's own extras (include, text.verbosity, stream_options.include_usage): the stream ends with the usage chunk it asked for", async () => {
      u.mock(s).queue({ text: 'ok' });
      const client = clientFor(s, u.name);
      const body = { ...cursorBody(u.model, true), include: ['reasoning.encrypted_content'], text: { verbosity: 'low' }, stream_options: { include_usage: true } };
      const stream = await client.post<AsyncIterable<OpenAI.ChatCompletionChunk>>('/chat/completions', { body, stream: true });
      const got = await collect(stream);
      expect(got.content).toBe('ok');
      const last = got.chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage?.prompt_tokens).toBeGreaterThan(0);
    });

    test('a string input and the Responses reasoning effort reach the model', async () => {
      const client = clientFor(s, u.name);
      const res = await client.post<OpenAI.ChatCompletion>('/chat/completions', {
        body: { model: u.model, input: 'Hello', reasoning: { effort: 'low' } },
      });
      expect(res.choices[0]!.message.content).toEndWith('heard: Hello');
      const sent = lastBody(u.mock(s));
      if (u.name === 'claude-custom') expect(dig(sent, 'thinking', 'type')).toBe('enabled');
      else expect(dig(sent, 'generationConfig', 'thinkingConfig', 'thinkingBudget')).toBeGreaterThan(0);
    });

    test('not streamed: a chat.completion with the tool call the model made', async () => {
      u.mock(s).queue({ toolCalls: [{ name: 'read_file', args: { path: 'b.txt' } }] });
      const client = clientFor(s, u.name);
      const res = await client.post<OpenAI.ChatCompletion>('/chat/completions', { body: cursorBody(u.model, false) });
      expect(res.object).toBe('chat.completion');
      expect(res.choices[0]!.finish_reason).toBe('tool_calls');
      const call = res.choices[0]!.message.tool_calls![0]!;
      expect(call.type === 'function' && call.function.name).toBe('read_file');
      expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ path: 'b.txt' });
    });
  });
}

describe('what stays as it was', () => {
  test('a bad Responses body gets a 400 naming the Responses field, in the OpenAI error shape', async () => {
    const res = await fetch(`${s.proxy.url}/claude-custom/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', input: [] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'input' } });
  });

  test('a body without messages or input is still refused for its missing messages', async () => {
    const res = await fetch(`${s.proxy.url}/claude-custom/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { param: 'messages', message: 'messages: Field required' } });
  });
});
