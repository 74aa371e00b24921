/**
 * A JSON answer aiproxy reads whole (a converted answer, a count, embeddings, a model list) is capped:
 * a broken or hostile upstream that sends without end gets a 502 and its read cancelled, instead of
 * being held, parsed and re-encoded at several times its size.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ProxyError } from '../../src/core/errors.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { ModelCatalog } from '../../src/proxy/models.ts';
import { MAX_JSON_ANSWER_BYTES, readText } from '../../src/upstream/fetch.ts';
import { Logger } from '../../src/util/log.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const MB = 1024 * 1024;
const CHUNK = new Uint8Array(MB).fill(0x41);

/** A body that opens a JSON string and then sends 1 MB chunks (one buffer, so the test holds little) until read far too long. */
function endless(head = '{"text":"'): { stream: ReadableStream<Uint8Array>; sent(): number; cancelled(): boolean } {
  let sent = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      // Far past any cap: a reader without one fails here instead of running the test out of memory.
      if (sent > 300) return c.error(new Error('read on without a cap'));
      c.enqueue(sent === 0 ? new TextEncoder().encode(head) : CHUNK);
      sent++;
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, sent: () => sent, cancelled: () => cancelled };
}

describe('readText', () => {
  test('gives up with a 502 once a body passes 128 MB, and cancels the read then', async () => {
    expect(MAX_JSON_ANSWER_BYTES).toBe(128 * MB);
    const body = endless();
    const err = await readText(new Response(body.stream), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as ProxyError).status).toBe(502);
    expect((err as ProxyError).message).toContain('sent more than 128 MB');
    expect(body.cancelled()).toBe(true);
    // Read just past the cap (and whatever the stream had queued), not on and on.
    expect(body.sent()).toBeLessThan(140);
  });

  test('a body of exactly the limit is read whole; one byte more is not', async () => {
    const exact = new Uint8Array(2 * MB).fill(0x42);
    expect((await readText(new Response(exact), 0, 2 * MB)).length).toBe(2 * MB);
    const over = new Uint8Array(2 * MB + 1).fill(0x42);
    await expect(readText(new Response(over), 0, 2 * MB)).rejects.toThrow('sent more than 2 MB');
  });
});

describe('a converted answer past the cap', () => {
  let upstream: ReturnType<typeof Bun.serve>;
  let proxy: TestProxy;
  let last: ReturnType<typeof endless> | undefined;
  beforeAll(async () => {
    upstream = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch() {
        last = endless('{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"');
        return new Response(last.stream, { headers: { 'content-type': 'application/json' } });
      },
    });
    proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `http://127.0.0.1:${upstream.port}/v1`, '--openai-api-key', 'sk-upstream-000001']);
  });
  afterAll(async () => {
    await proxy.stop();
    upstream.stop(true);
  });

  test('is a 502 naming the upstream, in the client protocol', async () => {
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': proxy.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { type: string; error: { message: string } };
    expect(body.type).toBe('error');
    expect(body.error.message).toContain(`upstream 127.0.0.1:${upstream.port} sent more than 128 MB`);
    expect(last!.sent()).toBeLessThan(200);
  }, 30_000);
});

describe('the model list', () => {
  test('past 16 MB it is given up on, and the built-in list served', async () => {
    const body = endless('{"object":"list","data":[{"id":"');
    const adapter = {
      name: 'openai-custom',
      protocol: 'openai',
      fallbackModels: ['built-in'],
      listModels: async () => ({ url: 'http://upstream.invalid/v1/models', method: 'GET', headers: {} }),
    } as unknown as ProviderAdapter;
    const lines: string[] = [];
    const fetchFn = (async () => new Response(body.stream, { headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
    const catalog = new ModelCatalog(new Map([['openai-custom', adapter]]), fetchFn, new Logger('warn', (l) => lines.push(l)), 60_000, 5_000);
    expect((await catalog.list(['openai-custom'])).map((m) => m.id)).toEqual(['built-in']);
    expect(body.cancelled()).toBe(true);
    expect(body.sent()).toBeLessThan(30);
    expect(lines.join('\n')).toContain('sent more than 16 MB');
  });
});
