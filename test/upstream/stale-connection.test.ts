/**
 * A keep-alive connection to the upstream that the upstream (or the nginx or load balancer in front of
 * it) closes just as aiproxy sends the next request down it: no answer comes, only a closed socket. Bun's
 * fetch does not send the request again, so without a retry of aiproxy's own the client got a 502
 * (manaflow-ai/subrouter#90, cnighswonger/claude-code-cache-fix#371).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Socket } from 'node:net';
import { openaiStream } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-s', object: 'chat.completion', created: 1, model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

/** A keep-alive answer: the JSON completion, or the whole stream when the request asked for one. */
function answer(socket: Socket, body: string): void {
  const stream = (JSON.parse(body) as { stream?: boolean }).stream === true;
  const text = stream ? openaiStream('fine') : COMPLETION;
  const type = stream ? 'text/event-stream' : 'application/json';
  socket.write(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: keep-alive\r\n\r\n${text}`);
}

let up: RawUpstream;
let proxy: TestProxy;
beforeAll(async () => {
  up = await startRawUpstream();
  proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${up.url}/v1`, '--openai-api-key', 'sk-up', '--headers-timeout-ms', '5000']);
});
afterAll(async () => {
  await proxy.stop();
  await up.stop();
});

// The SDKs' own retries off: what is seen is what aiproxy answered the first time.
const openai = (): OpenAI => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.key, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ baseURL: proxy.url, apiKey: proxy.key, maxRetries: 0 });

describe('a pooled upstream connection closed as the request goes out', () => {
  for (const close of ['FIN', 'RST'] as const) {
    test(`(${close}) is sent again once, on a new connection: the client gets its answer, relayed or converted`, async () => {
      // Each connection answers its first request, then closes as the next one arrives on it.
      up.behave((nth, socket, body) => {
        if (nth === 1) return answer(socket, body);
        if (close === 'FIN') socket.end();
        else socket.resetAndDestroy();
      });
      // A request on a new connection leaves it in Bun's pool; the next one finds it closed under it.
      const prime = async (): Promise<void> => {
        const r = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
        expect(r.choices[0]!.message.content).toBe('fine');
      };
      const before = up.requests;
      await prime();
      const relayed = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }] });
      expect(relayed.choices[0]!.message.content).toBe('fine');

      await prime();
      const stream = anthropic().messages.stream({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'and again' }] });
      expect((await stream.finalMessage()).content).toEqual([expect.objectContaining({ type: 'text', text: 'fine' })]);
      // Each primed request, then a try on the closed connection and one on a new one: no more.
      expect(up.requests - before).toBe(6);
    });
  }

  test('an upstream that closes every connection unanswered: a 502 after the one retry, not a loop', async () => {
    up.behave((_nth, socket) => socket.resetAndDestroy());
    const before = up.requests;
    const err = (await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as { status?: number; message?: string };
    expect(err.status).toBe(502);
    expect(err.message).toContain('could not reach upstream');
    expect(up.requests - before).toBe(2);
  });

  test('a reset after the upstream had the request a while (working on it) is not sent again: it would run, and be billed, twice', async () => {
    up.behave((_nth, socket) => void setTimeout(() => socket.resetAndDestroy(), 1500));
    const before = up.requests;
    const err = (await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as { status?: number };
    expect(err.status).toBe(502);
    expect(up.requests - before).toBe(1);
  }, 15_000);
});
