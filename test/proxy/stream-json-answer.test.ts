import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { openaiStream, SSE_HEAD, startFaultServer, type FaultConnection, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { eventually } from '../helpers/stack.ts';

/**
 * An upstream that answers a stream request with 200 and a JSON body (compatible servers that report
 * errors so, or ignore `stream`): before any byte went out, the client gets the upstream's error with
 * its status, in its own protocol, rather than a 200 stream that says it was truncated.
 */
let up: FaultServer;
let proxy: TestProxy;
let answer: { type: string; body: string } = { type: 'application/json', body: '{}' };

beforeAll(async () => {
  up = await startFaultServer((c: FaultConnection) => {
    c.head(200, { 'content-type': answer.type, 'content-length': String(Buffer.byteLength(answer.body)) });
    c.write(answer.body);
    c.socket.end();
  });
  proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${up.url}/v1`, '--openai-api-key', 'sk-up', '--keepalive-ms', '0']);
});
afterAll(async () => {
  await proxy.stop();
  await up.stop();
});

function ask(client: 'openai' | 'anthropic', rid: string): Promise<Response> {
  const body = { model: 'gpt-4o', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] };
  return fetch(`${proxy.url}${client === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json', 'x-request-id': rid },
    body: JSON.stringify(body),
  });
}

describe('a 200 JSON body answering a stream request', () => {
  test('an error body: its status and message, relayed and converted alike, logged as failed', async () => {
    answer = {
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o', type: 'requests', code: 'rate_limit_exceeded' } }),
    };
    for (const client of ['openai', 'anthropic'] as const) {
      const res = await ask(client, `json-${client}`);
      expect(res.status).toBe(429);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toContain('Rate limit reached for gpt-4o');
      await eventually(() => proxy.logs.some((l) => l.includes(`rid=json-${client} `)));
      expect(proxy.logs.find((l) => l.includes(`rid=json-${client} `))).toContain('status=429');
    }
  });

  test('a whole completion instead of a stream: a 502 that says so', async () => {
    answer = {
      type: 'application/json',
      body: JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }] }),
    };
    const res = await ask('openai', 'json-whole');
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('JSON body instead of a stream');
  });

  test('a real stream is untouched', async () => {
    answer = { type: SSE_HEAD['content-type'], body: openaiStream('streamed') };
    const res = await ask('openai', 'json-none');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(openaiStream('streamed'));
  });
});
