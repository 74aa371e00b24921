/**
 * Gemini 3 behind an OpenAI-compatible endpoint (Google's own, configured as openai-custom) after other
 * upstreams served some turns: every tool call of the current turn must come back with a thought signature
 * Google issued, or the documented bypass value, in `extra_content.google.thought_signature`; and servers
 * that are not Google must not get that field (Mistral refuses unknown fields). Relayed (a Chat
 * Completions client) and converted (Claude Code) alike.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { dig, lastBody } from './openai-client-util.ts';

const SKIP = 'skip_thought_signature_validator';
/** What an OpenAI client gets on a call Code Assist signed (aiproxy's marker, then the value). */
const CODE_ASSIST_SIGNED = `${Buffer.from('aiproxy:cloudcode-pa:').toString('base64')}Q0EtY2FsbA==`;

let openai: MockServer;
let claude: MockServer;
let proxy: TestProxy;
beforeAll(async () => {
  [openai, claude] = await Promise.all([startOpenAIMock(), startAnthropicMock()]);
  proxy = await startProxy([
    '--model-provider', 'claude-custom,openai-custom',
    '--claude-base-url', claude.url, '--claude-api-key', claude.key,
    '--openai-base-url', openai.url, '--openai-api-key', openai.key,
  ]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), openai.stop(), claude.stop()]);
});

const chat = (provider: string) => new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/${provider}/v1`, maxRetries: 0 });
const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
];

/** The tool calls of the upstream's last request, per assistant message. */
const sentCalls = (): unknown[][] =>
  (lastBody(openai).messages as Array<Record<string, unknown>>).filter((m) => m.role === 'assistant').map((m) => m.tool_calls as unknown[]);

describe('a Chat Completions client relayed to a Gemini 3 model on an OpenAI-compatible endpoint', () => {
  test('a tool turn Claude served continues there: its first call gets the bypass value', async () => {
    claude.queue({ toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }] });
    const first = await chat('claude-custom').chat.completions.create({ model: 'claude-sonnet-4-5', tools, messages: [{ role: 'user', content: 'Read a.txt' }] });
    const message = first.choices[0]!.message;
    expect(message.tool_calls).toHaveLength(1);
    openai.queue({ text: 'It says hello.' });
    const second = await chat('openai-custom').chat.completions.create({
      model: 'gemini-3-flash-preview',
      tools,
      messages: [
        { role: 'user', content: 'Read a.txt' },
        message as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: message.tool_calls![0]!.id, content: 'hello' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('It says hello.');
    expect(dig(sentCalls(), 0, 0, 'extra_content')).toEqual({ google: { thought_signature: SKIP } });
  });

  test("Code Assist's signature (refused as corrupted) is replaced; the Gemini API's own goes back as it came", async () => {
    const call = (id: string, signature: string) => ({
      id,
      type: 'function' as const,
      function: { name: 'read_file', arguments: '{"path":"a.txt"}' },
      extra_content: { google: { thought_signature: signature } },
    });
    openai.queue({ text: 'Done.' }, { text: 'Done again.' });
    const messages = (signature: string) =>
      [
        { role: 'user', content: 'Read a.txt' },
        { role: 'assistant', content: null, tool_calls: [call('call_1', signature)] },
        { role: 'tool', tool_call_id: 'call_1', content: 'hello' },
      ] as OpenAI.ChatCompletionMessageParam[];
    const fromCodeAssist = await chat('openai-custom').chat.completions.create({ model: 'gemini-3-pro-preview', tools, messages: messages(CODE_ASSIST_SIGNED) });
    expect(fromCodeAssist.choices[0]!.message.content).toBe('Done.');
    expect(dig(sentCalls(), 0, 0, 'extra_content')).toEqual({ google: { thought_signature: SKIP } });

    const body = { model: 'gemini-3-pro-preview', tools, messages: messages('CiQBVKhc7ownSignature') };
    const res = await fetch(`${proxy.url}/openai-custom/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    // Nothing to repair: the client's bytes went as they came.
    expect(openai.calls.at(-1)!.text).toBe(JSON.stringify(body));
  });

  test('to a server that is not Google, the calls go without extra_content (Mistral refuses unknown fields)', async () => {
    openai.queue({ text: 'Read.' });
    const res = await chat('openai-custom').chat.completions.create({
      model: 'mistral-large-latest',
      tools,
      messages: [
        { role: 'user', content: 'Read a.txt' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'read_file', arguments: '{}' }, extra_content: { google: { thought_signature: 'CiQBVKhc' } } }],
        } as unknown as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'D681PevKs', content: 'hello' },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('Read.');
    expect(sentCalls()).toEqual([[{ id: 'D681PevKs', type: 'function', function: { name: 'read_file', arguments: '{}' } }]]);
  });
});

describe('Claude Code converted to a Gemini 3 model on an OpenAI-compatible endpoint', () => {
  test('a tool turn another upstream served (no signature) gets the bypass value on its first call', async () => {
    openai.queue({ text: 'Both read.' });
    const client = new Anthropic({ apiKey: proxy.key, baseURL: `${proxy.url}/openai-custom`, maxRetries: 0 });
    const answer = await client.messages.create({
      model: 'gemini-3-flash-preview',
      max_tokens: 1024,
      tools: [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'Read a.txt and b.txt' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_01A', name: 'read_file', input: { path: 'a.txt' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'read_file', input: { path: 'b.txt' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A', content: 'hello' },
            { type: 'tool_result', tool_use_id: 'toolu_01B', content: 'world' },
          ],
        },
      ],
    });
    expect(answer.content.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual(['Both read.']);
    const [calls] = sentCalls() as Array<Array<Record<string, unknown>>>;
    expect(calls!.map((c) => c.extra_content)).toEqual([{ google: { thought_signature: SKIP } }, undefined]);
  });
});
