/**
 * A relayed (same-protocol) whole answer whose body breaks off. The request's log line, the metrics and
 * the member's health were told "200, success" before the body was read, so an upstream that cut its
 * answers looked healthy, and one that went quiet halfway held the client for good. A small answer of a
 * stated length is now read whole first (the client gets a 502 or 504); any other is passed on as it
 * comes, and once its 200 head is out they hear how it ended, as for a cut stream.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { Socket } from 'node:net';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { respond, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { eventually } from '../helpers/stack.ts';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-c', object: 'chat.completion', created: 1, model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'a whole answer, long enough to be cut in two' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 9, total_tokens: 10 },
});
const HALF = COMPLETION.slice(0, 60);

let up: RawUpstream;
let proxy: TestProxy;
beforeEach(async () => {
  up = await startRawUpstream();
  proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${up.url}/v1`, '--openai-api-key', 'sk-up', '--idle-timeout-ms', '400']);
});
afterEach(async () => {
  await proxy.stop();
  await up.stop();
});

const openai = (): OpenAI => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: proxy.key, maxRetries: 0 });
const ask = () => openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
const requestLines = (): string[] => proxy.logs.filter((l) => / request rid=/.test(l));
async function member(): Promise<{ errors: number; requests_served: number; last_error: { status: number; message: string } | null }> {
  const res = await fetch(`${proxy.url}/pools`, { headers: { authorization: `Bearer ${proxy.key}` } });
  const body = (await res.json()) as { providers: Record<string, { members: Array<{ errors: number; requests_served: number; last_error: { status: number; message: string } | null }> }> };
  return body.providers['openai-custom']!.members[0]!;
}
async function errorsCounted(): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${proxy.key}` } })).text();
  // Any model label: a model first seen failing is counted under a shared one (the label set stays bounded).
  return Number(/^aiproxy_request_errors_total\{protocol="openai",provider="openai-custom",model="[^"]*",status="200"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** The head and the first half of the body, and then nothing yet; `chunked`: no length stated. */
function halfAnswer(socket: Socket, chunked: boolean, then?: () => void): void {
  const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${Buffer.byteLength(COMPLETION)}`;
  const body = chunked ? `${Buffer.byteLength(HALF).toString(16)}\r\n${HALF}\r\n` : HALF;
  // `then` after the bytes are out and a moment more, so the proxy has relayed the head before it.
  socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${framing}\r\n\r\n${body}`, () => then && setTimeout(then, 50));
}
const cut = (socket: Socket, reset: boolean) => () => (reset ? socket.resetAndDestroy() : socket.end());

describe('a relayed whole answer that breaks off', () => {
  for (const reset of [false, true]) {
    test(`(small, of a stated length, ${reset ? 'reset' : 'closed'}): read whole before its head goes out, so the client gets a 502 that says so`, async () => {
      up.behave((_nth, socket) => halfAnswer(socket, false, cut(socket, reset)));
      const err = (await ask().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(502);
      expect(err.message).toMatch(/upstream 127\.0\.0\.1:\d+ broke off its answer: /);
      await eventually(() => requestLines().length === 1);
      expect(requestLines()[0]).toMatch(/status=502 .*error="upstream 127\.0\.0\.1:\d+ broke off its answer: /);
      expect((await member()).errors).toBe(1);
    });

    test(`(sent in chunks, ${reset ? 'reset' : 'closed'}): the client gets no answer; the log line, the metrics and the member see a cut answer, not a success`, async () => {
      up.behave((_nth, socket) => halfAnswer(socket, true, cut(socket, reset)));
      const err = await ask().catch((e: unknown) => e);
      // No completion: the head was out, so the SDK sees the connection fail, or a body that is not whole JSON.
      expect(err).toBeInstanceOf(Error);
      await eventually(() => requestLines().length === 1);
      const line = requestLines()[0]!;
      expect(line).toContain(' WARN ');
      expect(line).toMatch(/status=200 .*error="upstream 127\.0\.0\.1:\d+ broke off its answer after 60 bytes: /);
      expect(await errorsCounted()).toBe(1);
      const m = await member();
      expect(m.errors).toBe(1);
      expect(m.requests_served).toBe(0);
      expect(m.last_error?.message).toContain('broke off its answer');
    });
  }

  for (const chunked of [false, true]) {
    test(`an answer (${chunked ? 'sent in chunks' : 'of a stated length'}) that goes quiet halfway is given up after timeouts.idle_ms, and said so`, async () => {
      up.behave((_nth, socket) => halfAnswer(socket, chunked));
      const err = (await ask().catch((e: unknown) => e)) as { status?: number };
      expect(err).toBeInstanceOf(Error);
      // Read whole, the client still gets the status: a 504.
      if (!chunked) expect(err.status).toBe(504);
      await eventually(() => requestLines().length === 1, 5000);
      expect(requestLines()[0]).toMatch(new RegExp(`status=${chunked ? 200 : 504} .*error="upstream stopped sending its response for 0.4 s \\(timeouts.idle_ms\\)"`));
      expect((await member()).errors).toBe(1);
    });
  }

  test('a client that leaves mid-answer: logged as gone, the member not charged', async () => {
    up.behave((_nth, socket) => halfAnswer(socket, true));
    const leave = new AbortController();
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      signal: leave.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toStartWith('{"id":"chatcmpl-c"');
    leave.abort();
    await eventually(() => requestLines().length === 1);
    expect(requestLines()[0]).toMatch(/status=200 .*error="client disconnected"/);
    expect((await member()).errors).toBe(0);
  });

  for (const chunked of [false, true]) {
    test(`a whole answer (${chunked ? 'sent in chunks' : 'of a stated length'}): the client gets it, logged and counted as the success it is`, async () => {
      up.behave((_nth, socket) => {
        if (!chunked) return respond(socket, 200, COMPLETION);
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${Buffer.byteLength(HALF).toString(16)}\r\n${HALF}\r\n`);
        const rest = COMPLETION.slice(HALF.length);
        socket.write(`${Buffer.byteLength(rest).toString(16)}\r\n${rest}\r\n0\r\n\r\n`);
      });
      expect((await ask()).choices[0]!.message.content).toBe('a whole answer, long enough to be cut in two');
      await eventually(() => requestLines().length === 1);
      expect(requestLines()[0]).toContain(' INFO ');
      expect(requestLines()[0]).not.toContain('error=');
      expect(await errorsCounted()).toBe(0);
      expect((await member()).requests_served).toBe(1);
    });
  }
});
