/**
 * Health checks and model lists are not client requests, but they go down the same pooled keep-alive
 * connections: one the upstream closed (or answered 408 Request Timeout, as Node's http server, nginx and
 * load balancers do on a reused idle connection) just as the check or the listing went out marked a
 * healthy member down, or lost the real model list for a minute. They are sent again once, as a client's
 * request is (stale-connection.test.ts).
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { Socket } from 'node:net';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { createPools } from '../../src/pool/build.ts';
import { checkMember } from '../../src/pool/health-check.ts';
import { DEFAULT_POOL_SETTINGS } from '../../src/pool/settings.ts';
import { ModelCatalog } from '../../src/proxy/models.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { Logger } from '../../src/util/log.ts';
import { requestTimeout, respond, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-h', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

// A new upstream (a new address) for each test: a connection one test left in the pool is not another's.
let up: RawUpstream;
beforeEach(async () => {
  up = await startRawUpstream();
});
afterEach(() => up.stop());

/** How the stale connection fails the next request that goes down it. */
const STALE: Record<string, (socket: Socket) => void> = {
  FIN: (s) => s.end(),
  RST: (s) => s.resetAndDestroy(),
  '408': requestTimeout,
};

function config(): Config {
  const c = loadConfig({ flags: parseArgs([]).flags, env: {}, cwd: '/nonexistent' });
  return {
    ...c,
    modelProviders: ['openai-custom'],
    pools: { 'openai-custom': [{ name: 'm1', weight: 1, modelMap: {}, disabled: false, healthCheckModel: 'gpt-4o-mini', credentials: { apiKey: 'sk-hc', baseUrl: `${up.url}/v1` } }] },
    pool: { ...DEFAULT_POOL_SETTINGS, cooldownMs: 10 },
  };
}

describe('a health check down a stale pooled connection', () => {
  for (const [name, stale] of Object.entries(STALE)) {
    test(`(${name}) is sent again once on a new connection: the healthy member comes back, not marked down`, async () => {
      const lines: string[] = [];
      const log = new Logger('info', (l) => lines.push(l));
      // Each connection answers its first request, then fails the next one that arrives on it.
      up.behave((nth, socket) => (nth === 1 ? respond(socket, 200, COMPLETION) : stale(socket)));
      const pool = createPools(config()).get('openai-custom')!;
      const m = pool.members[0]!;
      const cool = (): void => m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now() - 1000, { ...pool.settings, errorThreshold: 1 });
      const before = up.requests;
      // The first check opens a connection, which stays in the pool; the second finds it stale.
      cool();
      expect((await checkMember(m, pool, { fetch, log }))?.kind).toBe('success');
      cool();
      expect(m.state.health).toBe('cooling');
      expect((await checkMember(m, pool, { fetch, log }))?.kind).toBe('success');
      expect(m.state.health).toBe('healthy');
      // The first check, then the second on the stale connection and once more on a new one: no more.
      expect(up.requests - before).toBe(3);
      expect(lines.filter((l) => l.includes('health check')).every((l) => l.includes('result=success'))).toBe(true);
    });
  }

  test('an upstream that answers every check 408: the check fails (a 502 naming the 408), the member is not brought back', async () => {
    up.behave((_nth, socket) => requestTimeout(socket));
    const pool = createPools(config()).get('openai-custom')!;
    const m = pool.members[0]!;
    m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now() - 1000, { ...pool.settings, errorThreshold: 1 });
    const before = up.requests;
    const outcome = await checkMember(m, pool, { fetch, log: new Logger('error', () => {}) });
    expect(outcome).toMatchObject({ kind: 'server_error', status: 502, message: expect.stringContaining('408 Request Timeout') });
    expect(m.state.health).not.toBe('healthy');
    expect(up.requests - before).toBe(2);
  });
});

// A list is a GET, which Bun's fetch itself sends again after a closed or reset connection (bun 1.4.5);
// a 408 it hands back.
describe('a model list down a stale pooled connection', () => {
  for (const [name, stale] of Object.entries(STALE)) {
    test(`(${name}) is sent again once on a new connection: the real list, not the built-in one or the old one`, async () => {
      let round = 0;
      up.behave((nth, socket) => {
        if (nth > 1) return stale(socket);
        round++;
        respond(socket, 200, JSON.stringify({ object: 'list', data: [{ id: `model-r${round}`, object: 'model' }] }));
      });
      const adapter = {
        name: 'openai-custom',
        protocol: 'openai',
        fallbackModels: ['built-in'],
        listModels: async () => ({ url: `${up.url}/v1/models`, method: 'GET', headers: { authorization: 'Bearer sk-list' } }),
      } as unknown as ProviderAdapter;
      const warnings: string[] = [];
      // A catalog lists when first asked, and waits for the real list (up to 5 s) before the built-in one.
      const catalog = (): ModelCatalog => new ModelCatalog(new Map([['openai-custom', adapter]]), fetch, new Logger('warn', (l) => warnings.push(l)), 60_000, 5_000);
      const ids = async (c: ModelCatalog): Promise<string[]> => (await c.list(['openai-custom'])).map((m) => m.id);
      const before = up.requests;
      // The first listing leaves its connection in the pool; the next one (another catalog's, as after a restart of the cache) finds it stale.
      expect(await ids(catalog())).toEqual(['model-r1']);
      expect(await ids(catalog())).toEqual(['model-r2']);
      // No listing failed: a failed one is warned of, and serves the built-in list for a minute.
      expect(warnings).toEqual([]);
      expect(up.requests - before).toBe(3);
    });
  }
});
