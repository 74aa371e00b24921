/**
 * The model catalog answers fast even when an upstream lists slowly: clients such as Claude Code's
 * model discovery give up after 3 s. A first listing waits at most `firstAnswerMs` (then the built-in
 * list, and the real one fills the cache); an expired list is served while a fresh one is fetched.
 */
import { describe, expect, test } from 'bun:test';
import { ModelCatalog } from '../../src/proxy/models.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { Logger } from '../../src/util/log.ts';

/** An OpenAI-shaped upstream that answers the ids of the current `round`, once `gate` opens. */
function upstream() {
  const state = { gate: Promise.resolve(), round: 1, calls: 0 };
  const adapter = {
    name: 'openai-custom',
    protocol: 'openai',
    fallbackModels: ['built-in'],
    listModels: async () => ({ url: 'http://upstream.invalid/v1/models', method: 'GET', headers: {} }),
  } as unknown as ProviderAdapter;
  const fetchFn = (async () => {
    state.calls++;
    const round = state.round;
    await state.gate;
    return Response.json({ object: 'list', data: [{ id: `model-r${round}`, object: 'model' }] });
  }) as unknown as typeof fetch;
  return { state, adapter, fetchFn };
}

/** Shuts the upstream's gate; returns what opens it. */
function gate(state: { gate: Promise<void> }): () => void {
  const { promise, resolve } = Promise.withResolvers<void>();
  state.gate = promise;
  return () => resolve();
}

/** Polls `check` for up to 2 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await Bun.sleep(20);
  }
  throw new Error('condition not met within 2 s');
}

const ids = (list: Array<{ id: string }>) => list.map((m) => m.id);
const quiet = new Logger('error', () => {});

describe('model catalog', () => {
  test('a slow first listing answers with the built-in list; the real list comes from the cache after', async () => {
    const u = upstream();
    const open = gate(u.state);
    const catalog = new ModelCatalog(new Map([['openai-custom', u.adapter]]), u.fetchFn, quiet, 60_000, 50);
    // The upstream has not answered (its gate is shut): only the early answer can resolve this.
    expect(ids(await catalog.list(['openai-custom']))).toEqual(['built-in']);
    open();
    await until(async () => ids(await catalog.list(['openai-custom']))[0] === 'model-r1');
    expect(u.state.calls).toBe(1);
  });

  test('an expired list is served at once while a fresh one is fetched', async () => {
    const u = upstream();
    const catalog = new ModelCatalog(new Map([['openai-custom', u.adapter]]), u.fetchFn, quiet, 100, 1_000);
    expect(ids(await catalog.list(['openai-custom']))).toEqual(['model-r1']);
    await Bun.sleep(150); // past the 100 ms TTL
    u.state.round = 2;
    const open = gate(u.state);
    // The refresh cannot finish (gate shut) and the early answer is 1 s away: the stale list answers.
    expect(ids(await catalog.list(['openai-custom']))).toEqual(['model-r1']);
    // One refresh in flight, not one per request.
    await catalog.list(['openai-custom']);
    expect(u.state.calls).toBe(2);
    open();
    await until(async () => ids(await catalog.list(['openai-custom']))[0] === 'model-r2');
  });
});

test('a refresh that fails keeps the last real list', async () => {
  const u = upstream();
  const fetchFn = (async (...args: Parameters<typeof fetch>) => {
    if (u.state.round === 2) return new Response('down', { status: 503 });
    return (u.fetchFn as (...a: Parameters<typeof fetch>) => Promise<Response>)(...args);
  }) as unknown as typeof fetch;
  const catalog = new ModelCatalog(new Map([['openai-custom', u.adapter]]), fetchFn, quiet, 100, 1_000);
  expect(ids(await catalog.list(['openai-custom']))).toEqual(['model-r1']);
  await Bun.sleep(150); // past the TTL: the next listing refreshes, and the refresh fails
  u.state.round = 2;
  await catalog.list(['openai-custom']); // serves the stale list, starts the refresh
  await Bun.sleep(20); // the refresh's 503 has come back
  expect(ids(await catalog.list(['openai-custom']))).toEqual(['model-r1']);
});
