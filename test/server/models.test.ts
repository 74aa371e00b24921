import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import { startProxy } from '../helpers/proxy.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack('openai-custom,claude-custom,gemini-cli');
});
afterAll(() => s.stop());

describe('model lists', () => {
  test('OpenAI shape with every configured upstream’s models, via the SDK', async () => {
    const ids: string[] = [];
    for await (const m of s.openaiClient.models.list()) ids.push(m.id);
    const upstreamOpenAI = s.openai.calls.find((c) => c.url.endsWith('/models'));
    expect(upstreamOpenAI).toBeDefined();
    expect(ids.some((id) => id.startsWith('gpt-'))).toBe(true);
    expect(ids.some((id) => id.startsWith('claude-'))).toBe(true);
    expect(ids.some((id) => id.startsWith('gemini-'))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('the OpenAI shape gives a context window an upstream told as context_length', async () => {
    const res = await fetch(`${s.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
    const body = (await res.json()) as { data: Array<{ id: string; context_length?: number }> };
    // The Gemini mock lists gemini-2.5-flash with inputTokenLimit 1048576.
    expect(body.data.find((m) => m.id === 'gemini-2.5-flash')?.context_length).toBe(1048576);
    // Unknown stays out rather than guessed.
    expect(body.data.find((m) => m.id === 'gpt-4o')).not.toHaveProperty('context_length');
  });

  test('Anthropic shape when the request carries anthropic-version, via the SDK', async () => {
    const page = await s.anthropicClient.models.list();
    expect(page.data.length).toBeGreaterThan(0);
    expect(page.data[0]).toMatchObject({ type: 'model' });
    expect(typeof page.data[0]!.created_at).toBe('string');
  });

  test("models.retrieve of an Anthropic alias (claude-sonnet-4-5) answers with its dated id, as Anthropic's API does", async () => {
    // The upstream lists only claude-sonnet-4-5-20250929; Anthropic resolves "model identifier or alias".
    expect(await s.anthropicClient.models.retrieve('claude-sonnet-4-5')).toMatchObject({ type: 'model', id: 'claude-sonnet-4-5-20250929' });
    expect((await s.anthropicClient.models.retrieve('claude-3-5-haiku-latest')).id).toBe('claude-3-5-haiku-20241022');
    // The other shapes find it too; a name that is no alias of a listed id stays a 404.
    expect((await s.openaiClient.models.retrieve('claude-opus-4-1')).id).toBe('claude-opus-4-1-20250805');
    expect(await s.anthropicClient.models.retrieve('claude-sonnet-4').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.NotFoundError);
    expect(await s.anthropicClient.models.retrieve('claude-sonnet-4-5-2025').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.NotFoundError);
    // Claude 4's first release is named with -0: claude-sonnet-4-0 is claude-sonnet-4-20250514, and -4-1 is not -4.
    const claude = await startAnthropicMock({
      models: [
        { id: 'claude-opus-4-1-20250805', displayName: 'Claude Opus 4.1', createdAt: '2025-08-05T00:00:00Z' },
        { id: 'claude-sonnet-4-20250514', displayName: 'Claude Sonnet 4', createdAt: '2025-05-22T00:00:00Z' },
      ],
    });
    const p = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', claude.url, '--claude-api-key', claude.key]);
    try {
      const client = new Anthropic({ apiKey: p.key, baseURL: p.url, maxRetries: 0 });
      expect((await client.models.retrieve('claude-sonnet-4-0')).id).toBe('claude-sonnet-4-20250514');
      expect(await client.models.retrieve('claude-opus-4-0').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.NotFoundError);
    } finally {
      await p.stop();
      await claude.stop();
    }
  });

  test('Gemini shape with models/ names, via the SDK', async () => {
    const names: string[] = [];
    for await (const m of await s.geminiClient.models.list()) names.push(m.name ?? '');
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('models/'))).toBe(true);
  });

  test('Gemini embedding models are listed, as embedding models, for the pickers of knowledge bases', async () => {
    const ids: string[] = [];
    for await (const m of s.openaiClient.models.list()) ids.push(m.id);
    expect(ids).toContain('gemini-embedding-001');
    const listed: Array<{ name?: string; supportedActions?: string[] }> = [];
    for await (const m of await s.geminiClient.models.list()) listed.push(m);
    expect(listed.find((m) => m.name === 'models/gemini-embedding-001')?.supportedActions).toEqual(['embedContent', 'batchEmbedContents']);
    expect(listed.find((m) => m.name === 'models/gemini-2.5-flash')?.supportedActions).toContain('generateContent');
    expect((await s.geminiClient.models.get({ model: 'gemini-embedding-001' })).supportedActions).toContain('embedContent');
    // The Messages API has no use for one.
    const page = await s.anthropicClient.models.list();
    expect(page.data.map((m) => m.id)).not.toContain('gemini-embedding-001');
  });

  test("an OpenAI-compatible upstream's embedding models are listed as such: embedContent in Gemini's shape, none in Anthropic's", async () => {
    // OpenAI's own list marks nothing; Ollama names its embedders nomic-embed-text:latest.
    const openai = await startOpenAIMock({ models: ['gpt-4o', 'text-embedding-3-small', 'nomic-embed-text:latest'] });
    const p = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', openai.url, '--openai-api-key', openai.key]);
    try {
      const g = new GoogleGenAI({ apiKey: p.key, httpOptions: { baseUrl: p.url, apiVersion: 'v1beta' } });
      const listed: Array<{ name?: string; supportedActions?: string[] }> = [];
      for await (const m of await g.models.list()) listed.push(m);
      const actions = (name: string) => listed.find((m) => m.name === `models/${name}`)?.supportedActions;
      expect(actions('text-embedding-3-small')).toEqual(['embedContent', 'batchEmbedContents']);
      expect(actions('nomic-embed-text:latest')).toEqual(['embedContent', 'batchEmbedContents']);
      expect(actions('gpt-4o')).toContain('generateContent');
      // What the list offers for embeddings is served: converted to the upstream's /embeddings.
      expect((await g.models.embedContent({ model: 'text-embedding-3-small', contents: 'a' })).embeddings).toHaveLength(1);
      const anthropic = new Anthropic({ apiKey: p.key, baseURL: p.url, maxRetries: 0 });
      expect((await anthropic.models.list()).data.map((m) => m.id)).toEqual(['gpt-4o']);
      const ids: string[] = [];
      for await (const m of new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0 }).models.list()) ids.push(m.id);
      expect(ids).toEqual(['gpt-4o', 'text-embedding-3-small', 'nomic-embed-text:latest']);
    } finally {
      await p.stop();
      await openai.stop();
    }
  });

  test('Gemini shape on /v1/models too, for the SDK with apiVersion v1: list, get, and an unknown model', async () => {
    const g = new GoogleGenAI({ apiKey: s.proxy.key, httpOptions: { baseUrl: `${s.proxy.url}/openai-custom`, apiVersion: 'v1' } });
    const names: string[] = [];
    for await (const m of await g.models.list()) names.push(m.name ?? '');
    expect(names).toContain('models/gpt-4o');
    expect(names.every((n) => n.startsWith('models/'))).toBe(true);
    expect(await g.models.get({ model: 'gpt-4o' })).toMatchObject({ name: 'models/gpt-4o' });
    const err = await g.models.get({ model: 'nope' }).then(
      () => undefined,
      (e: Error & { status?: number }) => e,
    );
    expect(err?.status).toBe(404);
    expect(JSON.parse(err!.message)).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
  });

  test('Gemini shape on /v1/models for a key in the query; a bearer token keeps it OpenAI', async () => {
    const url = `${s.proxy.url}/openai-custom/v1/models`;
    expect(await (await fetch(`${url}?key=${s.proxy.key}`)).json()).toHaveProperty('models');
    const missing = await fetch(`${url}/nope?key=${s.proxy.key}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { status: 'NOT_FOUND' } });
    const wrongKey = await fetch(`${url}?key=not-the-key`);
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    const both = await fetch(url, { headers: { authorization: `Bearer ${s.proxy.key}`, 'x-goog-api-key': s.proxy.key } });
    expect(await both.json()).toMatchObject({ object: 'list' });
  });

  test("Codex's manifest request (?client_version=) also gets an empty models array, so Codex uses its own catalog", async () => {
    const get = (query: string) => fetch(`${s.proxy.url}/v1/models${query}`, { headers: { authorization: `Bearer ${s.proxy.key}`, originator: 'codex_cli_rs' } });
    const codex = (await (await get('?client_version=0.144.0')).json()) as { object: string; data: unknown[]; models: unknown[] };
    expect(codex.models).toEqual([]);
    // Still a complete OpenAI list for any OpenAI client.
    expect(codex.object).toBe('list');
    expect(codex.data.length).toBeGreaterThan(0);
    const plain = (await (await get('')).json()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty('models');
    expect(await (await get('?x=client_version=1')).json()).not.toHaveProperty('models');
  });

  test('a provider prefix lists only that provider', async () => {
    const res = await fetch(`${s.proxy.url}/claude-custom/v1/models`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
    const body = (await res.json()) as { object: string; data: Array<{ id: string; owned_by: string }> };
    expect(body.object).toBe('list');
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.data.every((m) => m.id.startsWith('claude-'))).toBe(true);
  });

  test('an upstream answering a bare array (Together AI) has its own models listed, not the built-in ones', async () => {
    const together = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (req) =>
        new URL(req.url).pathname === '/v1/models'
          ? Response.json([
              { id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', object: 'model', created: 1733443200, type: 'chat', display_name: 'Llama 3.3 70B', context_length: 131072 },
            ])
          : new Response('not found', { status: 404 }),
    });
    const p = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `http://127.0.0.1:${together.port}/v1`, '--openai-api-key', 'x']);
    try {
      const client = new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0, timeout: 5_000 });
      const listed: Array<{ id: string; created: number }> = [];
      for await (const m of client.models.list()) listed.push({ id: m.id, created: m.created });
      expect(listed).toEqual([{ id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', created: 1733443200 }]);
      const anthropic = (await (await fetch(`${p.url}/v1/models`, { headers: { 'x-api-key': p.key, 'anthropic-version': '2023-06-01' } })).json()) as {
        data: Array<{ display_name: string }>;
      };
      expect(anthropic.data[0]!.display_name).toBe('Llama 3.3 70B');
    } finally {
      await p.stop();
      await together.stop(true);
    }
  });

  test("a pool's models allowlists shape its list: a model no member takes is not offered, an alias is", async () => {
    const up = await startOpenAIMock(); // lists gpt-4o, gpt-4o-mini, gpt-4.1, o3-mini
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-models-allow-'));
    const member = (name: string, extra: string) => `    - {name: ${name}, api_key: ${up.key}, base_url: "${up.url}"${extra}}\n`;
    const config = (members: string) => {
      const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, `model_providers: [openai-custom]\nprovider_pools:\n  openai-custom:\n${members}`);
      return file;
    };
    const limited = await startProxy([
      '--config',
      config(member('a', ', models: [gpt-4o]') + member('b', ', models: [fast], model_map: {fast: gpt-4o-mini}') + member('off', ', disabled: true')),
    ]);
    const open = await startProxy(['--config', config(member('a', ', models: [gpt-4o]') + member('any', ''))]);
    try {
      const client = new OpenAI({ apiKey: limited.key, baseURL: `${limited.url}/v1`, maxRetries: 0, timeout: 5_000 });
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      // gpt-4.1 and o3-mini would be a 404 "not offered by provider openai-custom" when picked.
      expect(ids.sort()).toEqual(['fast', 'gpt-4o']);
      expect(await client.models.retrieve('gpt-4.1').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
      expect(await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)).toBeInstanceOf(
        OpenAI.NotFoundError,
      );
      // A member without an allowlist takes every model: all are listed.
      const all = (await (await fetch(`${open.url}/v1/models`, { headers: { authorization: `Bearer ${open.key}` } })).json()) as { data: Array<{ id: string }> };
      expect(all.data.map((m) => m.id).sort()).toEqual(['gpt-4.1', 'gpt-4o', 'gpt-4o-mini', 'o3-mini']);
    } finally {
      await Promise.all([limited.stop(), open.stop(), up.stop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an upstream that cannot list falls back to the built-in list', async () => {
    const p = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', 'http://127.0.0.1:9', '--claude-api-key', 'x']);
    try {
      const res = await fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${p.key}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: Array<{ id: string }> };
      expect(body.data.map((m) => m.id)).toContain('claude-sonnet-4-6');
    } finally {
      await p.stop();
    }
  });
});
