import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { openaiChunk, SSE_HEAD, startFaultServer, type FaultConnection, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

/**
 * An OpenAI-compatible server that streams whatever `stream` says (kaito-project/kaito#1880,
 * unslothai/unsloth#6570), or whenever the field is left out, as a converted request leaves it
 * (decolua/9router#3492): a client that asked for a whole answer gets one, read from the stream,
 * relayed or converted alike.
 */
let up: FaultServer;
let proxy: TestProxy;
const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };
const STREAM =
  openaiChunk('Hello, ') +
  openaiChunk('世界') +
  openaiChunk('', 'stop') +
  `data: ${JSON.stringify({ id: 'chatcmpl-f', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage })}\n\n` +
  'data: [DONE]\n\n';

beforeAll(async () => {
  up = await startFaultServer((c: FaultConnection) => {
    c.head(200, { ...SSE_HEAD, 'content-length': String(Buffer.byteLength(STREAM)) });
    c.write(STREAM);
    c.socket.end();
  });
  proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${up.url}/v1`, '--openai-api-key', 'sk-up', '--keepalive-ms', '0']);
});
afterAll(async () => {
  await proxy.stop();
  await up.stop();
});

describe('a stream answering a request for a whole answer', () => {
  test('Chat Completions client (relayed): a chat.completion with the text and usage', async () => {
    const client = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(res.response.headers.get('content-type')).toStartWith('application/json');
    expect(res.data.object).toBe('chat.completion');
    expect(res.data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello, 世界' }, finish_reason: 'stop' });
    expect(res.data.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
    expect(JSON.parse(up.requests.at(-1)!.body).stream).toBeUndefined();
  });

  test('Anthropic and Gemini clients (converted): the whole message', async () => {
    const anthropic = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
    const msg = await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content).toMatchObject([{ type: 'text', text: 'Hello, 世界' }]);
    expect([msg.stop_reason, msg.usage.input_tokens, msg.usage.output_tokens]).toEqual(['end_turn', 7, 3]);
    const gemini = new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: proxy.url, apiVersion: 'v1beta' } });
    const res = await gemini.models.generateContent({ model: 'gpt-4o', contents: 'hi' });
    expect(res.text).toBe('Hello, 世界');
    expect(String(res.candidates?.[0]?.finishReason)).toBe('STOP');
  });
});
