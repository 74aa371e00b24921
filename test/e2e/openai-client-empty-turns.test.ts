/**
 * An assistant turn that says nothing, in a Chat Completions client's history relayed to an
 * OpenAI-compatible server: a stopped or empty answer saved as `content: null` (vercel/ai#13744) and an
 * answer kept with `tool_calls: []` (openai/openai-node#1341) are refused by OpenAI, and the client sends
 * them again every turn. They go as the convert path writes them: the empty turn not at all, the empty
 * array left out.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { lastBody } from './openai-client-util.ts';

const stack = useOpenAICustom();
const client = () => new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });

describe('assistant turns that say nothing, relayed to an OpenAI-compatible server', () => {
  test('a stopped answer saved as content null goes not at all, streamed or not', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Write a long story.' },
      { role: 'assistant', content: null },
      { role: 'user', content: 'Just say hi instead.' },
    ];
    stack.upstream.queue({ text: 'Hi!' });
    const res = await client().chat.completions.create({ model: 'gpt-4o', messages });
    expect(res.choices[0]!.message.content).toBe('Hi!');
    expect(lastBody(stack.upstream).messages).toEqual([messages[0], messages[2]]);

    stack.upstream.queue({ text: 'Hi!' });
    let text = '';
    for await (const chunk of await client().chat.completions.create({ model: 'gpt-4o', messages, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hi!');
  });

  test('an answer kept with an empty tool_calls array goes without the array', async () => {
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!', tool_calls: [] },
      { role: 'assistant', content: null, tool_calls: [] },
      { role: 'user', content: 'how are you?' },
    ] as OpenAI.ChatCompletionMessageParam[];
    stack.upstream.queue({ text: 'Fine.' });
    const res = await client().chat.completions.create({ model: 'gpt-4o', messages });
    expect(res.choices[0]!.message.content).toBe('Fine.');
    expect(lastBody(stack.upstream).messages).toEqual([messages[0], { role: 'assistant', content: 'Hello!' }, messages[3]]);
  });

  test('a history with nothing empty goes as it came', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'again' },
    ];
    stack.upstream.queue({ text: 'ok' });
    await client().chat.completions.create({ model: 'gpt-4o', messages });
    expect(lastBody(stack.upstream).messages).toEqual(messages);
  });
});
