/**
 * provider_pools_file as users bring it: the original AIClient-2-API provider_pools.json, whose own
 * example lists providers aiproxy does not have (Kiro, Qwen) and empty lists for unused providers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePools } from '../../src/pool/config.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-pools-file-'));
let a: MockServer;
beforeAll(async () => {
  a = await startOpenAIMock({ key: 'sk-pools-file-a' });
});
afterAll(async () => {
  await a.stop();
  rmSync(dir, { recursive: true, force: true });
});

const chat = (url: string, key: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe("the original project's provider_pools.json", () => {
  test('its own example loads: the providers aiproxy does not have are left out', () => {
    const pools = parsePools(
      {
        'openai-custom': [{ OPENAI_API_KEY: 'sk-openai-key1', OPENAI_BASE_URL: 'https://api.openai.com/v1', checkModelName: null, uuid: 'u-1', isHealthy: true }],
        'claude-kiro-oauth': [{ KIRO_OAUTH_CREDS_FILE_PATH: './kiro_creds1.json', uuid: 'u-2', checkModelName: null, isHealthy: true }],
        'openai-qwen-oauth': [{ QWEN_OAUTH_CREDS_FILE_PATH: './qwen_creds.json', uuid: 'u-3', usageCount: 3 }],
        'gemini-antigravity': [],
        'openaiResponses-custom': [{ OPENAI_API_KEY: 'sk-resp-key', OPENAI_BASE_URL: 'https://proxy.example/v1', uuid: 'u-4', isHealthy: true }],
      },
      'provider_pools.json',
    );
    expect(Object.keys(pools)).toEqual(['openai-custom', 'openaiResponses-custom']);
    expect(pools['openai-custom']![0]).toMatchObject({ name: 'u-1', credentials: { apiKey: 'sk-openai-key1' } });
    expect(pools['openaiResponses-custom']![0]).toMatchObject({ name: 'u-4', credentials: { apiKey: 'sk-resp-key', baseUrl: 'https://proxy.example/v1' } });
  });

  test('its current example loads too: Novita (openai-novita, NOVITA_API_KEY) is left out', () => {
    // configs/provider_pools.json.example at the original's 2026 HEAD lists an openai-novita account.
    const pools = parsePools(
      {
        'openai-custom': [{ customName: 'OpenAI节点1', OPENAI_API_KEY: 'sk-openai-key1', OPENAI_BASE_URL: 'https://api.openai.com/v1', checkModelName: null, uuid: 'u-1' }],
        'openai-novita': [
          { customName: 'Novita AI节点1', NOVITA_API_KEY: 'your-novita-api-key', NOVITA_BASE_URL: 'https://api.novita.ai/openai', checkModelName: null, uuid: 'u-5', isHealthy: true },
        ],
      },
      'provider_pools.json',
    );
    expect(Object.keys(pools)).toEqual(['openai-custom']);
  });

  test('what is left out is warned about, by name and never by value', async () => {
    const warnings: string[] = [];
    parsePools(
      {
        'openai-custom': [{ customName: 'typo', OPENAI_APIKEY: 'sk-typo-secret', OPENAI_BASE_URL: 'https://api.openai.com/v1', uuid: 'u-1', isHealthy: true, checkHealth: false }],
        'claude-kiro-oauth': [{ KIRO_OAUTH_CREDS_FILE_PATH: './kiro1.json' }, { KIRO_OAUTH_CREDS_FILE_PATH: './kiro2.json' }],
        'openai-qwen-oauth': [],
      },
      'provider_pools.json',
      warnings,
    );
    expect(warnings).toEqual([
      'provider_pools.json.openai-custom[0]: ignored OPENAI_APIKEY (not read by aiproxy)',
      'provider_pools.json.claude-kiro-oauth: skipped, aiproxy does not serve this provider of the original project (2 accounts not used)',
    ]);
    // And they reach the log at start-up.
    const file = join(dir, 'provider_pools.warn.json');
    writeFileSync(file, JSON.stringify({ 'openai-custom': [{ customName: 'typo', OPENAI_API_KEY: a.key, OPENAI_BASE_URL: a.url, OPENAI_ORG: 'org-secret-value' }] }));
    const p = await startProxy(['--provider-pools-file', file]);
    try {
      expect(p.logs.some((l) => l.includes('openai-custom[0]: ignored OPENAI_ORG (not read by aiproxy)'))).toBe(true);
      expect(p.logs.some((l) => l.includes('org-secret-value'))).toBe(false);
    } finally {
      await p.stop();
    }
  });

  test("the warnings are logged in the configured log format, as every other line", async () => {
    const file = join(dir, 'provider_pools.warn-json.json');
    writeFileSync(file, JSON.stringify({ 'openai-custom': [{ customName: 'typo', OPENAI_API_KEY: a.key, OPENAI_BASE_URL: a.url, OPENAI_ORG: 'x' }] }));
    const p = await startProxy(['--provider-pools-file', file, '--log-format', 'json']);
    try {
      const line = p.logs.find((l) => l.includes('ignored OPENAI_ORG'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 'warn' });
    } finally {
      await p.stop();
    }
  });

  test('a file saved with a byte-order mark (Windows, PowerShell) loads; the state its later versions keep draws no warning', async () => {
    const c = await startOpenAIMock({ key: 'sk-pools-file-bom' });
    const file = join(dir, 'provider_pools.bom.json');
    const pools = {
      'openai-custom': [
        { customName: 'bom', OPENAI_API_KEY: c.key, OPENAI_BASE_URL: c.url, supportedModels: [], notSupportedModels: [], uuid: 'u-9', isHealthy: true, lastRefreshTime: 1789394540129, cooldownUntil: null },
      ],
      'gemini-cli-oauth': [
        { GEMINI_OAUTH_CREDS_FILE_PATH: './configs/gemini/1_oauth_creds.json', uuid: 'u-10', PROJECT_ID: '', customName: null, lastHealthCheckTime: '2026-09-14T14:02:20.128Z', _lastSelectionSeq: 30 },
      ],
      'openai-codex-oauth': [],
    };
    writeFileSync(file, `\uFEFF${JSON.stringify(pools, null, 2)}`);
    const p = await startProxy(['--provider-pools-file', file, '--model-provider', 'openai-custom']);
    try {
      expect(p.config.pools['gemini-cli-oauth']![0]).toMatchObject({ name: 'u-10', credentials: { oauthCredsFile: './configs/gemini/1_oauth_creds.json' } });
      expect(p.config.pools['gemini-cli-oauth']![0]!.credentials.projectId).toBeUndefined();
      expect(p.config.warnings).toEqual([]);
      expect((await chat(p.url, p.key)).status).toBe(200);
    } finally {
      await p.stop();
      await c.stop();
    }
  });

  test('a name that is neither ours nor the original project’s is still an error', () => {
    expect(() => parsePools({ 'claude-kiro-oath': [{ KIRO_OAUTH_CREDS_FILE_PATH: 'x' }] }, 'p')).toThrow('p.claude-kiro-oath: unknown provider');
    // In our own format, naming a provider aiproxy does not have is a mistake worth stopping for.
    expect(() => parsePools({ 'claude-kiro-oauth': [{ name: 'k', api_key: 'x' }] }, 'p')).toThrow('p.claude-kiro-oauth: unknown provider');
  });

  test('notSupportedModels keeps those models away from the account; supportedModels is all it gets', async () => {
    // The original's example file sets notSupportedModels; its pool manager skips an account for them.
    const c = await startOpenAIMock({ key: 'sk-pools-file-c' });
    const d = await startOpenAIMock({ key: 'sk-pools-file-d' });
    const file = join(dir, 'provider_pools.models.json');
    writeFileSync(
      file,
      JSON.stringify({
        'openai-custom': [
          { customName: 'no-4o', OPENAI_API_KEY: c.key, OPENAI_BASE_URL: c.url, notSupportedModels: ['gpt-4o'], checkModelName: null, isHealthy: true },
          { customName: 'only-4o', OPENAI_API_KEY: d.key, OPENAI_BASE_URL: d.url, supportedModels: ['gpt-4o'], notSupportedModels: ['gpt-4o'] },
        ],
      }),
    );
    const p = await startProxy(['--provider-pools-file', file]);
    try {
      for (let i = 0; i < 4; i++) expect((await chat(p.url, p.key)).status).toBe(200);
      expect(d.calls.length).toBe(4);
      expect(c.calls.length).toBe(0);
      const other = await fetch(`${p.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(other.status).toBe(200);
      expect(c.calls.length).toBe(1);
      expect(d.calls.length).toBe(4);
    } finally {
      await p.stop();
      await c.stop();
      await d.stop();
    }
  });

  test('an OPENAI_BASE_URL written with a trailing slash reaches /v1/chat/completions, not /v1//chat/completions', async () => {
    // The original's axios joined base URL and path without doubling the slash; OpenAI answers the
    // doubled one 404 "Invalid URL (POST /v1//chat/completions)".
    const c = await startOpenAIMock({ key: 'sk-pools-file-e' });
    const file = join(dir, 'provider_pools.slash.json');
    writeFileSync(file, JSON.stringify({ 'openai-custom': [{ customName: 'slash', OPENAI_API_KEY: c.key, OPENAI_BASE_URL: `${c.url}/` }] }));
    const p = await startProxy(['--provider-pools-file', file]);
    try {
      expect((await chat(p.url, p.key)).status).toBe(200);
      expect(c.calls.length).toBe(1);
    } finally {
      await p.stop();
      await c.stop();
    }
  });

  test('an empty list is no pool: the provider’s own key serves', async () => {
    const file = join(dir, 'provider_pools.json');
    writeFileSync(file, JSON.stringify({ 'openai-custom': [], 'claude-custom': [] }));
    const p = await startProxy(['--provider-pools-file', file, '--openai-api-key', a.key, '--openai-base-url', a.url]);
    try {
      expect(p.config.modelProviders).toEqual(['openai-custom']);
      expect((await chat(p.url, p.key)).status).toBe(200);
      expect(a.calls.length).toBe(1);
      expect(await (await fetch(`${p.url}/health`)).json()).toMatchObject({ status: 'ok' });
    } finally {
      await p.stop();
    }
  });
});
