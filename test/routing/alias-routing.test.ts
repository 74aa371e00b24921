/**
 * A model_map alias is a model name clients route by: the model list shows it under the provider whose
 * pool defines it, and a request for it goes there (before the first of model_providers).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { ProviderName } from '../../src/config/providers.ts';
import { Member } from '../../src/pool/member.ts';
import { Pool } from '../../src/pool/pool.ts';
import { DEFAULT_POOL_SETTINGS } from '../../src/pool/settings.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { aliasIndex } from '../../src/routing/aliases.ts';
import { selectProvider } from '../../src/routing/select-provider.ts';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

type Spec = Record<string, string> | { disabled: Record<string, string> };
const poolOf = (provider: ProviderName, ...specs: Spec[]): Pool =>
  new Pool(
    provider,
    specs.map((spec, i) => {
      const disabled = typeof spec.disabled === 'object';
      const modelMap = disabled ? (spec as { disabled: Record<string, string> }).disabled : (spec as Record<string, string>);
      return new Member({ name: `${provider}-${i}`, provider, adapter: {} as ProviderAdapter, weight: 1, modelMap, disabled, fingerprint: `${i}` });
    }),
    DEFAULT_POOL_SETTINGS,
  );

describe('the alias index and selectProvider', () => {
  const configured = ['claude-custom', 'openai-custom', 'gemini-cli'] as const;

  test('an alias goes to the provider whose pool defines it, not to the first of model_providers', () => {
    const aliases = aliasIndex(new Map<ProviderName, Pool>([['openai-custom', poolOf('openai-custom', { fast: 'gpt-4o-mini' })]]), configured);
    expect(selectProvider({ model: 'fast', configured, aliases })).toBe('openai-custom');
    // Not an alias: the default as before.
    expect(selectProvider({ model: 'my-local-llama', configured, aliases })).toBe('claude-custom');
  });

  test('header and prefix still come first; so does a model family whose provider is configured', () => {
    const pools = new Map<ProviderName, Pool>([['openai-custom', poolOf('openai-custom', { fast: 'gpt-4o-mini', 'claude-sonnet-4-5': 'gpt-4o' })]]);
    const aliases = aliasIndex(pools, configured);
    expect(selectProvider({ header: 'gemini-cli', model: 'fast', configured, aliases })).toBe('gemini-cli');
    expect(selectProvider({ prefix: 'claude-custom', model: 'fast', configured, aliases })).toBe('claude-custom');
    // openai-custom's mapping of a Claude model is a fallback's stand-in: claude-custom keeps its own model.
    expect(selectProvider({ model: 'claude-sonnet-4-5', configured, aliases })).toBe('claude-custom');
    // Without claude-custom the alias is the only thing that serves it.
    expect(selectProvider({ model: 'claude-sonnet-4-5', configured: ['gemini-cli', 'openai-custom'], aliases })).toBe('openai-custom');
  });

  test('several providers define it: the first of model_providers, as the model list shows it', () => {
    const pools = new Map<ProviderName, Pool>([
      ['openai-custom', poolOf('openai-custom', { fast: 'gpt-4o-mini' })],
      ['gemini-cli', poolOf('gemini-cli', { fast: 'gemini-2.5-flash' })],
    ]);
    expect(aliasIndex(pools, ['gemini-cli', 'openai-custom']).get('fast')).toBe('gemini-cli');
    expect(aliasIndex(pools, ['openai-custom', 'gemini-cli']).get('fast')).toBe('openai-custom');
  });

  test("a disabled member's aliases and a fallback-only pool's aliases are not routed by", () => {
    const pools = new Map<ProviderName, Pool>([
      ['openai-custom', poolOf('openai-custom', { disabled: { fast: 'gpt-4o-mini' } }, {})],
      ['gemini-cli', poolOf('gemini-cli', { cheap: 'gemini-2.5-flash' })],
    ]);
    const aliases = aliasIndex(pools, ['claude-custom', 'openai-custom']);
    expect(aliases.size).toBe(0);
    expect(selectProvider({ model: 'fast', configured: ['claude-custom', 'openai-custom'], aliases })).toBe('claude-custom');
  });

  test('aliases named like Object.prototype members are plain names', () => {
    const aliases = aliasIndex(new Map<ProviderName, Pool>([['openai-custom', poolOf('openai-custom', JSON.parse('{"__proto__": "gpt-4o", "constructor": "gpt-4o"}'))]]), configured);
    expect(selectProvider({ model: '__proto__', configured, aliases })).toBe('openai-custom');
    expect(selectProvider({ model: 'constructor', configured, aliases })).toBe('openai-custom');
    expect(selectProvider({ model: 'toString', configured, aliases })).toBe('claude-custom');
  });
});

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-alias-'));
const OAI_ONLY = 'oai-only-key-0123456789';
const CLAUDE_ONLY = 'claude-only-key-0123456789';
let openai: MockServer;
let claude: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [openai, claude] = await Promise.all([startOpenAIMock({ key: 'sk-alias-openai-0000' }), startAnthropicMock({ key: 'sk-ant-alias-1111' })]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  openai.reset();
  claude.reset();
});
afterAll(async () => {
  await Promise.all([openai.stop(), claude.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** claude-custom first; openai-custom's one member maps `fast`; claudeMap adds a claude-custom pool mapping too. */
function yaml(claudeMap?: string): string {
  return [
    'model_providers: [claude-custom, openai-custom]',
    `claude: {api_key: ${claude.key}, base_url: "${claude.url}"}`,
    'provider_pools:',
    '  openai-custom:',
    `    - {name: team-a, api_key: ${openai.key}, base_url: "${openai.url}", model_map: {fast: gpt-4o-mini}}`,
    ...(claudeMap ? ['  claude-custom:', `    - {name: c1, api_key: ${claude.key}, base_url: "${claude.url}", model_map: ${claudeMap}}`] : []),
    'api_keys:',
    `  - {name: oai-only, key: ${OAI_ONLY}, allowed_providers: [openai-custom]}`,
    `  - {name: claude-only, key: ${CLAUDE_ONLY}, allowed_providers: [claude-custom]}`,
  ].join('\n');
}

function configFile(text: string): string {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

async function start(text: string): Promise<TestProxy> {
  proxy = await startProxy(['--config', configFile(text)]);
  return proxy;
}

const oai = (p: TestProxy, key = p.key) => new OpenAI({ apiKey: key, baseURL: `${p.url}/v1`, maxRetries: 0 });
const chat = (p: TestProxy, key?: string) => oai(p, key).chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
const listed = async (p: TestProxy, key?: string) => (await oai(p, key).models.list()).data.map((m) => [m.id, m.owned_by]);

describe('a request for an alias', () => {
  test('goes to the provider the model list shows it under, as its mapped model', async () => {
    const p = await start(yaml());
    expect(await listed(p)).toContainEqual(['fast', 'openai-custom']);
    const res = await chat(p);
    expect(res.choices[0]!.message.content).toBe('mock(openai) heard: hi');
    expect(openai.calls.filter((c) => c.method === 'POST').map((c) => (c.body as { model: string }).model)).toEqual(['gpt-4o-mini']);
    expect(claude.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(p.logs.find((l) => l.includes('model=fast'))).toContain('provider=openai-custom');
  });

  test('from an Anthropic client too (converted), and its token count asks about the mapped model', async () => {
    const p = await start(yaml());
    const client = new Anthropic({ apiKey: p.key, baseURL: p.url, maxRetries: 0 });
    const msg = await client.messages.create({ model: 'fast', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(openai) heard: hi' });
    const count = await client.messages.countTokens({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(claude.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  test("a key limited to the alias's provider may use what its list shows; one limited elsewhere sees and gets neither", async () => {
    const p = await start(yaml());
    expect(await listed(p, OAI_ONLY)).toContainEqual(['fast', 'openai-custom']);
    expect((await chat(p, OAI_ONLY)).choices[0]!.message.content).toBe('mock(openai) heard: hi');

    expect((await listed(p, CLAUDE_ONLY)).map(([id]) => id)).not.toContain('fast');
    const refused = await chat(p, CLAUDE_ONLY).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((refused as InstanceType<typeof OpenAI.PermissionDeniedError>).message).toContain('may not use provider openai-custom');
    expect(claude.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  test('defined by two providers: the first of model_providers, the one the list names, for every key', async () => {
    const p = await start(yaml('{fast: claude-3-5-haiku-20241022}'));
    expect(await listed(p)).toContainEqual(['fast', 'claude-custom']);
    await chat(p);
    expect(claude.calls.filter((c) => c.method === 'POST').map((c) => (c.body as { model: string }).model)).toEqual(['claude-3-5-haiku-20241022']);
    expect(openai.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    // The openai-only key's list leaves `fast` out (it is claude-custom's), and a request for it agrees.
    expect((await listed(p, OAI_ONLY)).map(([id]) => id)).not.toContain('fast');
    expect(await chat(p, OAI_ONLY).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  test('a reload that moves the alias moves its requests', async () => {
    const p = await start(yaml('{fast: claude-3-5-haiku-20241022}'));
    await chat(p);
    expect(claude.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    p.app.reload(loadConfig({ flags: parseArgs(['--host', '127.0.0.1', '--port', '0', '--api-key', p.key, '--config', configFile(yaml())]).flags, env: {}, cwd: '/nonexistent' }));
    await chat(p);
    expect(openai.calls.filter((c) => c.method === 'POST').map((c) => (c.body as { model: string }).model)).toEqual(['gpt-4o-mini']);
    expect(claude.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });
});
