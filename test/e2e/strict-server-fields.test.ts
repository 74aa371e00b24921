/**
 * Claude Code and a Chat Completions client on Mistral through openai-custom: Mistral's schema forbids
 * fields it does not have (422 extra_forbidden for stream_options, user…). The request is sent again
 * without what it can do without, and the next ones go without it at once.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { lastBody } from './openai-client-util.ts';

let upstream: MockServer;
let proxy: TestProxy;
beforeAll(async () => {
  upstream = await startOpenAIMock();
  proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', upstream.url, '--openai-api-key', upstream.key]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), upstream.stop()]);
});

describe('a server that forbids fields it does not know', () => {
  test('Claude Code streams from mistral-large-latest; the second request needs no retry', async () => {
    const client = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
    const ask = async (text: string) => {
      upstream.queue({ text });
      const stream = client.messages.stream({
        model: 'mistral-large-latest',
        max_tokens: 512,
        metadata: { user_id: 'user_abc_account_123_session_456' },
        messages: [{ role: 'user', content: 'hi' }],
      });
      return (await stream.finalMessage()).content;
    };
    const before = upstream.calls.length;
    expect(await ask('Bonjour.')).toMatchObject([{ type: 'text', text: 'Bonjour.' }]);
    // stream_options and user were refused, one 422 each.
    expect(upstream.calls.length - before).toBe(3);
    const sent = lastBody(upstream);
    expect(sent).not.toHaveProperty('stream_options');
    expect(sent).not.toHaveProperty('user');
    expect(sent).toMatchObject({ model: 'mistral-large-latest', stream: true, max_tokens: 512 });

    const again = upstream.calls.length;
    expect(await ask('Encore.')).toMatchObject([{ type: 'text', text: 'Encore.' }]);
    expect(upstream.calls.length - again).toBe(1);
  });

  test('a Chat Completions client relayed with stream_options', async () => {
    const client = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    upstream.queue({ text: 'Salut.' });
    let text = '';
    const stream = await client.chat.completions.create({
      model: 'devstral-medium-2507',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Salut.');
    expect(lastBody(upstream)).not.toHaveProperty('stream_options');
  });
});
