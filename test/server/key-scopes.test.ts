import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../helpers/stack.ts';

/** api_keys limits apply to every route a key can reach, model lists included, not only to chat. */
const dir = mkdtempSync(join(tmpdir(), 'aiproxy-scopes-'));
const TEAM = 'team-claude-key-0123456789';
let s: Stack;
beforeAll(async () => {
  const cfg = join(dir, 'keys.yaml');
  writeFileSync(
    cfg,
    ['api_keys:', '  - name: team', `    key: ${TEAM}`, '    allowed_providers: [claude-custom]', '    allowed_models: [claude-sonnet-*]'].join('\n'),
  );
  s = await startStack('openai-custom,claude-custom,gemini-cli', ['--config', cfg]);
});
afterAll(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string>): Promise<Response> => fetch(`${s.proxy.url}${path}`, { headers });
const ids = (json: unknown): string[] => {
  const list = json as { data?: Array<{ id: string }>; models?: Array<{ name: string }> };
  return (list.data?.map((m) => m.id) ?? list.models?.map((m) => m.name.replace(/^models\//, '')) ?? []).sort();
};

describe('a limited key', () => {
  test('model lists show only the models it may use, in every shape', async () => {
    const openai = ids(await (await get('/v1/models', { authorization: `Bearer ${TEAM}` })).json());
    const anthropic = ids(await (await get('/v1/models', { 'x-api-key': TEAM, 'anthropic-version': '2023-06-01' })).json());
    const gemini = ids(await (await get('/v1beta/models', { 'x-goog-api-key': TEAM })).json());
    for (const list of [openai, anthropic, gemini]) {
      expect(list.length).toBeGreaterThan(0);
      for (const id of list) expect(id).toStartWith('claude-sonnet-');
    }
    // The same lists for the unlimited key still show every provider's models.
    const all = ids(await (await get('/v1/models', { authorization: `Bearer ${s.proxy.key}` })).json());
    expect(all).toContain('gpt-4o');
    expect(all.length).toBeGreaterThan(openai.length);
    // Naming another provider by prefix or header lists nothing the key may use.
    expect(ids(await (await get('/openai-custom/v1/models', { authorization: `Bearer ${TEAM}` })).json())).toEqual([]);
  });

  test('a model it may not use is a 403 when looked up by id, as when chatting with it', async () => {
    const gpt = await get('/v1/models/gpt-4o', { authorization: `Bearer ${TEAM}` });
    expect(gpt.status).toBe(403);
    expect(((await gpt.json()) as { error: { message: string } }).error.message).toBe('the key "team" may not use provider openai-custom; it may use claude-custom');
    const gem = await get('/v1beta/models/gemini-2.5-flash', { 'x-goog-api-key': TEAM });
    expect(gem.status).toBe(403);
    expect(((await gem.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');
    const [sonnetId] = ids(await (await get('/v1/models', { authorization: `Bearer ${TEAM}` })).json());
    const sonnet = await get(`/v1/models/${sonnetId}`, { authorization: `Bearer ${TEAM}` });
    expect(sonnet.status).toBe(200);
  });

  test('the Responses API, embeddings and token counts are held to the same limits', async () => {
    const before = s.openai.calls.length + s.gemini.calls.length;
    const post = (path: string, body: unknown, headers: Record<string, string>): Promise<Response> =>
      fetch(`${s.proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const responses = await post('/v1/responses', { model: 'gpt-4o', input: 'hi' }, { authorization: `Bearer ${TEAM}` });
    expect(responses.status).toBe(403);
    expect(((await responses.json()) as { error: { type: string } }).error.type).toBeString();
    const prefixed = await post('/openai-custom/v1/responses', { model: 'claude-sonnet-4-6', input: 'hi' }, { authorization: `Bearer ${TEAM}` });
    expect(prefixed.status).toBe(403);
    const ok = await post('/v1/responses', { model: 'claude-sonnet-4-6', input: 'hi' }, { authorization: `Bearer ${TEAM}` });
    expect(ok.status).toBe(200);
    await ok.text();
    const embed = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'x' }, { authorization: `Bearer ${TEAM}` });
    expect(embed.status).toBe(403);
    const gemEmbed = await post('/v1beta/models/gemini-embedding-001:embedContent', { content: { parts: [{ text: 'x' }] } }, { 'x-goog-api-key': TEAM });
    expect(gemEmbed.status).toBe(403);
    const count = await post('/v1/messages/count_tokens', { model: 'claude-opus-4-1', messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': TEAM });
    expect(count.status).toBe(403);
    expect(((await count.json()) as { error: { type: string } }).error.type).toBe('permission_error');
    const gemCount = await post('/v1/models/gemini-2.5-flash:countTokens', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, { 'x-goog-api-key': TEAM });
    expect(gemCount.status).toBe(403);
    expect(s.openai.calls.length + s.gemini.calls.length).toBe(before);
  });

  test('/metrics and /pools, which show every team and account, are 403 to it and 200 to an unlimited key', async () => {
    for (const path of ['/metrics', '/pools']) {
      const refused = await get(path, { authorization: `Bearer ${TEAM}` });
      expect(refused.status).toBe(403);
      const body = (await refused.json()) as { error: { type: string; message: string } };
      expect(body.error.message).toContain(`may not read ${path}`);
      expect(body.error.message).not.toContain(TEAM);
      const allowed = await get(path, { authorization: `Bearer ${s.proxy.key}` });
      expect(allowed.status).toBe(200);
      await allowed.arrayBuffer();
    }
  });
});
