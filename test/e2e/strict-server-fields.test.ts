/**
 * Claude Code and a Chat Completions client on Mistral through openai-custom: Mistral's schema forbids
 * fields it does not have (422 extra_forbidden for stream_options, user…). The request is sent again
 * without what it can do without, and the next ones go without it at once.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { lastBody } from './openai-client-util.ts';

const stack = useOpenAICustom();

describe('a server that forbids fields it does not know', () => {
  test('Claude Code streams from mistral-large-latest; the second request needs no retry', async () => {
    const client = new Anthropic({ apiKey: stack.proxy.key, baseURL: stack.proxy.url, maxRetries: 0 });
    const ask = async (text: string) => {
      stack.upstream.queue({ text });
      const stream = client.messages.stream({
        model: 'mistral-large-latest',
        max_tokens: 512,
        metadata: { user_id: 'user_abc_account_123_session_456' },
        messages: [{ role: 'user', content: 'hi' }],
      });
      return (await stream.finalMessage()).content;
    };
    const before = stack.upstream.calls.length;
    expect(await ask('Bonjour.')).toMatchObject([{ type: 'text', text: 'Bonjour.' }]);
    // stream_options and user were refused, one 422 each.
    expect(stack.upstream.calls.length - before).toBe(3);
    const sent = lastBody(stack.upstream);
    expect(sent).not.toHaveProperty('stream_options');
    expect(sent).not.toHaveProperty('user');
    expect(sent).toMatchObject({ model: 'mistral-large-latest', stream: true, max_tokens: 512 });

    const again = stack.upstream.calls.length;
    expect(await ask('Encore.')).toMatchObject([{ type: 'text', text: 'Encore.' }]);
    expect(stack.upstream.calls.length - again).toBe(1);
  });

  test('a Chat Completions client relayed with stream_options', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    stack.upstream.queue({ text: 'Salut.' });
    let text = '';
    const stream = await client.chat.completions.create({
      model: 'devstral-medium-2507',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Salut.');
    expect(lastBody(stack.upstream)).not.toHaveProperty('stream_options');
  });
});

describe("NVIDIA NIM, which refuses OpenAI's prompt-cache key", () => {
  // 400 {"message":"Validation: Unsupported parameter(s): prompt_cache_key",…} (liliMozi/openhanako#2512,
  // farion1231/cc-switch#2089). Codex sends a prompt_cache_key on every request.
  const model = 'nvidia/llama-3.3-nemotron-super-49b-v1.5';

  test('Codex (Responses) converted: sent again without it, and the next request goes without it at once', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    const ask = async (text: string) => {
      stack.upstream.queue({ text });
      const res = await client.responses.create({ model, input: 'hi', prompt_cache_key: '019a6f1e-codex-session', store: false });
      return res.output_text;
    };
    const before = stack.upstream.calls.length;
    expect(await ask('Hello.')).toBe('Hello.');
    expect(stack.upstream.calls.length - before).toBe(2);
    expect(lastBody(stack.upstream)).not.toHaveProperty('prompt_cache_key');
    const again = stack.upstream.calls.length;
    expect(await ask('Again.')).toBe('Again.');
    expect(stack.upstream.calls.length - again).toBe(1);
  });

  test('a Chat Completions client relayed with it', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    stack.upstream.queue({ text: 'Hi.' });
    const res = await client.chat.completions.create({ model: 'nvidia/nemotron-nano-9b-v2', prompt_cache_key: 'k', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content).toBe('Hi.');
    expect(lastBody(stack.upstream)).not.toHaveProperty('prompt_cache_key');
  });
});

describe('Volcengine Ark, whose coding model thinks only when told', () => {
  // 400 "Invalid combination of reasoning_effort and thinking type: medium + disabled" to a graded effort
  // alone (RooCodeInc/Roo-Code#11001, #11395); Ark takes it beside thinking enabled (anomalyco/models.dev#5645).
  test('Roo Code relayed with reasoning_effort: sent again with thinking on, and the next request so at once', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    const ask = async (text: string) => {
      stack.upstream.queue({ text });
      const res = await client.chat.completions.create({ model: 'ark-code-latest', reasoning_effort: 'medium', messages: [{ role: 'user', content: 'hi' }] });
      return res.choices[0]?.message.content;
    };
    const before = stack.upstream.calls.length;
    expect(await ask('Done.')).toBe('Done.');
    expect(stack.upstream.calls.length - before).toBe(2);
    expect(lastBody(stack.upstream)).toMatchObject({ reasoning_effort: 'medium', thinking: { type: 'enabled' } });
    const again = stack.upstream.calls.length;
    expect(await ask('Again.')).toBe('Again.');
    expect(stack.upstream.calls.length - again).toBe(1);
  });

  test('Claude Code thinking, converted to an effort: answered', async () => {
    const client = new Anthropic({ apiKey: stack.proxy.key, baseURL: stack.proxy.url, maxRetries: 0 });
    stack.upstream.queue({ text: 'Thought it through.' });
    const res = await client.messages.create({
      model: 'doubao-seed-character-260628',
      max_tokens: 16000,
      thinking: { type: 'enabled', budget_tokens: 8000 },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.content.at(-1)).toMatchObject({ type: 'text', text: 'Thought it through.' });
    expect(lastBody(stack.upstream)).toMatchObject({ thinking: { type: 'enabled' } });
  });

  test('a client that switched thinking off itself gets the refusal', async () => {
    const res = await fetch(`${stack.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'ark-code-latest', reasoning_effort: 'high', thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('high + disabled');
  });
});
