/**
 * Clients asking for a whole answer (Claude Code's and Gemini CLI's side calls, any SDK without
 * streaming) from a Qwen3 model on DashScope's OpenAI-compatible endpoint, which answers such a model only
 * as a stream (400 "parameter.enable_thinking must be set to false for non-streaming calls" otherwise):
 * aiproxy streams from it and answers whole.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { lastBody } from './openai-client-util.ts';

const stack = useOpenAICustom();

const anthropic = () => new Anthropic({ apiKey: stack.proxy.key, baseURL: stack.proxy.url, maxRetries: 0 });

describe('a whole answer from a model the upstream answers only as a stream', () => {
  test('Claude Code gets one message: the thinking, the text and the call, with usage', async () => {
    stack.upstream.queue({ thinking: '先看文件。', text: 'Reading it now.', toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }], usage: { input: 21, output: 34 } });
    const message = await anthropic().messages.create({
      model: 'qwen3-32b',
      max_tokens: 1024,
      tools: [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'Read a.txt' }],
    });
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: '先看文件。' });
    expect(message.content[1]).toMatchObject({ type: 'text', text: 'Reading it now.' });
    expect(message.content[2]).toMatchObject({ type: 'tool_use', name: 'read_file', input: { path: 'a.txt' } });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 21, output_tokens: 34 });
    expect(lastBody(stack.upstream)).toMatchObject({ model: 'qwen3-32b', stream: true, stream_options: { include_usage: true } });
  });

  test('Gemini CLI’s generateContent gets the whole text; a model that answers whole is still asked whole', async () => {
    stack.upstream.queue({ text: 'Plain answer.' });
    const g = new GoogleGenAI({ apiKey: stack.proxy.key, httpOptions: { baseUrl: stack.proxy.url, apiVersion: 'v1beta' } });
    const res = await g.models.generateContent({ model: 'qwq-plus', contents: 'hi' });
    expect(res.text).toBe('Plain answer.');
    expect(lastBody(stack.upstream).stream).toBe(true);

    stack.upstream.queue({ text: 'Whole.' });
    const whole = await anthropic().messages.create({ model: 'qwen3-coder-plus', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(whole.content).toMatchObject([{ type: 'text', text: 'Whole.' }]);
    expect(lastBody(stack.upstream).stream).toBeUndefined();
  });

  test('a Chat Completions client asking whole gets a chat.completion gathered from the stream', async () => {
    stack.upstream.queue({ thinking: 'Hmm.', text: 'Forty-two.', usage: { input: 9, output: 5 } });
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'Answer?' }] });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message.content).toBe('Forty-two.');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 5 });
    expect(lastBody(stack.upstream)).toMatchObject({ model: 'qwen3-32b', stream: true });
  });

  test('a stream cut before its end is an error, not half an answer', async () => {
    stack.upstream.queue({ text: 'one two three four five', truncateAfter: 2 });
    const err = await anthropic()
      .messages.create({ model: 'qwen3-32b', max_tokens: 64, messages: [{ role: 'user', content: 'count' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBeGreaterThanOrEqual(500);
  });
});
