/**
 * A chat UI that sends `tools: []` when no tool is switched on (LobeChat with web search off:
 * lobehub/lobehub#9629), relayed to an OpenAI-compatible server: the empty array means no tools, and
 * goes as the convert path writes that, without it and the tool_choice beside it. DeepSeek refuses the
 * empty array; OpenAI refuses a tool_choice without tools.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { lastBody } from './openai-client-util.ts';

const stack = useOpenAICustom();
const client = () => new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Capital of France?' }];

describe('an empty tools array relayed to an OpenAI-compatible server', () => {
  test('DeepSeek answers, streamed or not: the empty array is left out', async () => {
    stack.upstream.queue({ text: 'Paris.' });
    const res = await client().chat.completions.create({ model: 'deepseek-chat', messages, tools: [] });
    expect(res.choices[0]!.message.content).toBe('Paris.');
    expect(lastBody(stack.upstream)).not.toHaveProperty('tools');

    stack.upstream.queue({ text: 'Paris.' });
    let text = '';
    const stream = await client().chat.completions.create({ model: 'deepseek-v4-flash', messages, tools: [], stream: true });
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Paris.');
    expect(lastBody(stack.upstream)).not.toHaveProperty('tools');
  });

  test('a tool_choice and parallel_tool_calls beside it go with it, which OpenAI refuses without tools', async () => {
    stack.upstream.queue({ text: 'Paris.' });
    const res = await client().chat.completions.create({ model: 'gpt-4o', messages, tools: [], tool_choice: 'auto', parallel_tool_calls: true });
    expect(res.choices[0]!.message.content).toBe('Paris.');
    const body = lastBody(stack.upstream);
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
    expect(body).not.toHaveProperty('parallel_tool_calls');
  });

  test('declared tools and their tool_choice go as they came', async () => {
    stack.upstream.queue({ text: 'Paris.' });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
    await client().chat.completions.create({ model: 'deepseek-chat', messages, tools, tool_choice: 'auto' });
    expect(lastBody(stack.upstream)).toMatchObject({ tools, tool_choice: 'auto' });
  });
});
