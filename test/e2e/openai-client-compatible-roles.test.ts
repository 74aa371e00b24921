/**
 * A Chat Completions client that writes its instructions as `developer` messages (the OpenAI SDK's
 * agents, Codex-era tools), relayed to an OpenAI-compatible server that is not OpenAI: DeepSeek refuses
 * the role outright, so it goes as `system`; OpenAI's own models get the client's bytes as they came.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { lastBody } from './openai-client-util.ts';

const stack = useOpenAICustom();
const client = () => new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });

const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'developer', content: 'Answer in one word.' },
  { role: 'user', content: 'Capital of France?' },
];

describe('developer messages relayed to OpenAI-compatible servers', () => {
  test('DeepSeek gets them as system, streamed or not', async () => {
    stack.upstream.queue({ text: 'Paris.' });
    const res = await client().chat.completions.create({ model: 'deepseek-chat', messages });
    expect(res.choices[0]!.message.content).toBe('Paris.');
    expect(lastBody(stack.upstream).messages).toEqual([{ role: 'system', content: 'Answer in one word.' }, messages[1]]);

    stack.upstream.queue({ text: 'Paris.' });
    let text = '';
    for await (const chunk of await client().chat.completions.create({ model: 'deepseek-v4-flash', messages, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Paris.');
    expect((lastBody(stack.upstream).messages as Array<{ role: string }>)[0]!.role).toBe('system');
  });

  test("OpenAI's own model gets the role it was sent", async () => {
    stack.upstream.queue({ text: 'Paris.' });
    await client().chat.completions.create({ model: 'gpt-4o', messages });
    expect((lastBody(stack.upstream).messages as Array<{ role: string }>)[0]!.role).toBe('developer');
  });
});
