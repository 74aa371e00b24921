/**
 * An upstream that redirects: Bun's fetch would follow to any host with x-api-key / x-goog-api-key still
 * on the request (it drops only authorization). aiproxy follows only within the same origin, keeping
 * the method, and otherwise answers a 502 that says where the upstream pointed.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { ModelCatalog } from '../../src/proxy/models.ts';
import { Logger } from '../../src/util/log.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const KEY = 'sk-ant-upstream-0000000000000001';
const ANSWER = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-6',
  content: [{ type: 'text', text: 'followed' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 1 },
};

interface Seen {
  path: string;
  method: string;
  key: string | null;
  body: string;
}

/** Another host (another port is another origin): whatever reaches it is recorded. */
let elsewhere: ReturnType<typeof Bun.serve>;
const reachedElsewhere: Seen[] = [];
/** The configured upstream: redirects as each path says, answers Anthropic's JSON at /v1/messages. */
let upstream: ReturnType<typeof Bun.serve>;
const seen: Seen[] = [];
let proxies: TestProxy[] = [];

async function record(req: Request, into: Seen[]): Promise<void> {
  into.push({ path: new URL(req.url).pathname, method: req.method, key: req.headers.get('x-api-key'), body: await req.text() });
}

beforeAll(() => {
  elsewhere = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      await record(req, reachedElsewhere);
      return Response.json(ANSWER);
    },
  });
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      await record(req, seen);
      const path = new URL(req.url).pathname;
      const to = (status: number, location: string) => new Response(null, { status, headers: { location } });
      if (path === '/v1/messages') return Response.json(ANSWER);
      if (path === '/same/v1/messages') return to(307, '/v1/messages');
      if (path === '/moved/v1/messages') return to(301, '/v1/messages');
      if (path === '/away/v1/messages') return to(307, `http://127.0.0.1:${elsewhere.port}/v1/messages?token=secret-in-query`);
      if (path === '/loop/v1/messages') return to(308, '/loop/v1/messages');
      if (path === '/v1/models') return Response.json({ data: [{ id: 'claude-listed', type: 'model', display_name: 'Listed', created_at: '2025-01-01T00:00:00Z' }], has_more: false, first_id: 'claude-listed', last_id: 'claude-listed' });
      if (path === '/list/v1/models') return to(302, '/v1/models');
      if (path === '/away-list/v1/models') return to(302, `http://127.0.0.1:${elsewhere.port}/v1/models`);
      return new Response('not found', { status: 404 });
    },
  });
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  upstream.stop(true);
  elsewhere.stop(true);
});

async function ask(prefix: string): Promise<{ text?: string; status?: number; message?: string }> {
  const proxy = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', `http://127.0.0.1:${upstream.port}${prefix}`, '--claude-api-key', KEY]);
  proxies.push(proxy);
  const client = new Anthropic({ baseURL: proxy.url, apiKey: proxy.key, maxRetries: 0 });
  try {
    const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    return { text: (msg.content[0] as { text: string }).text };
  } catch (e) {
    const err = e as { status?: number; error?: { error?: { message?: string } } };
    return { status: err.status, message: err.error?.error?.message };
  }
}

describe('an upstream redirect', () => {
  test('within the same origin, keeping the method (307), is followed with the key and the body', async () => {
    seen.length = 0;
    expect(await ask('/same')).toEqual({ text: 'followed' });
    expect(seen.map((s) => [s.method, s.path, s.key])).toEqual([
      ['POST', '/same/v1/messages', KEY],
      ['POST', '/v1/messages', KEY],
    ]);
    expect(JSON.parse(seen[1]!.body).messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  test('to another host is not followed: the key stays here, and the client is told where it pointed', async () => {
    reachedElsewhere.length = 0;
    const out = await ask('/away');
    expect(reachedElsewhere).toEqual([]);
    expect(out.status).toBe(502);
    expect(out.message).toContain(`redirected (307) to http://127.0.0.1:${elsewhere.port}/v1/messages;`);
    expect(out.message).toContain('set the base URL');
    // The target's query may carry a token of its own.
    expect(out.message).not.toContain('secret-in-query');
  });

  test('that would turn the POST into a GET (301) is not followed', async () => {
    seen.length = 0;
    const out = await ask('/moved');
    expect(out.status).toBe(502);
    expect(out.message).toContain(`redirected (301) to http://127.0.0.1:${upstream.port}/v1/messages`);
    expect(seen.map((s) => s.path)).toEqual(['/moved/v1/messages']);
  });

  test('that loops ends after five hops with a 502', async () => {
    seen.length = 0;
    const out = await ask('/loop');
    expect(out.status).toBe(502);
    expect(out.message).toContain('redirected more than 5 times');
    expect(seen.length).toBe(6);
  });
});

describe("the model list's redirects", () => {
  function catalog(prefix: string, lines: string[]): ModelCatalog {
    const adapter = {
      name: 'claude-custom',
      protocol: 'anthropic',
      fallbackModels: ['built-in'],
      listModels: async () => ({ url: `http://127.0.0.1:${upstream.port}${prefix}/v1/models`, method: 'GET', headers: { 'x-api-key': KEY } }),
    } as unknown as ProviderAdapter;
    return new ModelCatalog(new Map([['claude-custom', adapter]]), fetch, new Logger('warn', (l) => lines.push(l)), 60_000, 5_000);
  }

  test('a GET is followed within the same origin, whatever the redirect status', async () => {
    const lines: string[] = [];
    expect((await catalog('/list', lines).list(['claude-custom'])).map((m) => m.id)).toEqual(['claude-listed']);
    expect(lines).toEqual([]);
  });

  test('to another host, the key is not sent there and the built-in list is served', async () => {
    reachedElsewhere.length = 0;
    const lines: string[] = [];
    expect((await catalog('/away-list', lines).list(['claude-custom'])).map((m) => m.id)).toEqual(['built-in']);
    expect(reachedElsewhere).toEqual([]);
    expect(lines.join('\n')).toContain('redirected (302)');
  });
});
