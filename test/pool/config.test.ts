import { describe, expect, test } from 'bun:test';
import { homedir } from 'node:os';
import { parseFallbacks, parsePools, parsePoolSettings } from '../../src/pool/config.ts';

describe('provider_pools', () => {
  test('our format: credentials, weights, allowlists and model maps', () => {
    const pools = parsePools(
      {
        'openai-custom': [
          { name: 'primary', api_key: 'k1', base_url: 'http://a/v1', weight: 3, models: ['gpt-4o'], model_map: { fast: 'gpt-4o-mini' }, max_concurrency: 2 },
          { api_key: 'k2', disabled: true },
        ],
      },
      'config.yaml: provider_pools',
    );
    expect(pools['openai-custom']).toEqual([
      { name: 'primary', weight: 3, models: ['gpt-4o'], modelMap: { fast: 'gpt-4o-mini' }, maxConcurrency: 2, disabled: false, healthCheckModel: undefined, credentials: { apiKey: 'k1', baseUrl: 'http://a/v1' } },
      { name: 'openai-custom-2', weight: 1, models: undefined, modelMap: {}, maxConcurrency: undefined, disabled: true, healthCheckModel: undefined, credentials: { apiKey: 'k2' } },
    ]);
  });

  test("the original project's provider_pools.json", () => {
    const pools = parsePools(
      {
        'claude-custom': [{ uuid: 'u-1', CLAUDE_API_KEY: 'sk-ant', CLAUDE_BASE_URL: 'https://api.anthropic.com/v1', checkModelName: 'claude-haiku-4-5', isHealthy: false, usageCount: 9 }],
        'gemini-cli-oauth': [{ customName: 'work', GEMINI_OAUTH_CREDS_FILE_PATH: '/creds/a.json', PROJECT_ID: 'proj', isDisabled: true }],
        'openai-custom': [{ OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: 'http://o/v1', concurrencyLimit: 4 }],
      },
      'provider_pools.json',
    );
    expect(pools['claude-custom']![0]).toMatchObject({ name: 'u-1', healthCheckModel: 'claude-haiku-4-5', credentials: { apiKey: 'sk-ant', baseUrl: 'https://api.anthropic.com' } });
    expect(pools['gemini-cli-oauth']![0]).toMatchObject({ name: 'work', disabled: true, credentials: { oauthCredsFile: '/creds/a.json', projectId: 'proj' } });
    expect(pools['openai-custom']![0]).toMatchObject({ maxConcurrency: 4, credentials: { apiKey: 'sk', baseUrl: 'http://o/v1' } });
  });

  test('a credential the provider does not use is accepted but warned about, by key name only', () => {
    const warnings: string[] = [];
    parsePools(
      {
        'gemini-cli-oauth': [{ name: 'g', api_key: 'AIza-secret-value', oauth_creds_file: '/c.json' }],
        'openai-custom': [{ name: 'o', api_key: 'sk', project_id: 'p', oauth_creds_base64: 'e30=' }, { name: 'fine', api_key: 'sk', base_url: 'http://a/v1', proxy_url: 'http://proxy:3128' }],
      },
      'p',
      warnings,
    );
    parsePools({ 'claude-custom': [{ customName: 'c', CLAUDE_API_KEY: 'sk-ant', PROJECT_ID: 'x', GEMINI_OAUTH_CREDS_FILE_PATH: '' }] }, 'pools.json', warnings);
    expect(warnings).toEqual([
      'p.gemini-cli-oauth[0]: api_key is not used by gemini-cli-oauth (it signs in with Google: oauth_creds_file or oauth_creds_base64, and project_id)',
      'p.openai-custom[0]: project_id, oauth_creds_base64 are not used by openai-custom (it takes an api_key)',
      'pools.json.claude-custom[0]: PROJECT_ID is not used by claude-custom (it takes an api_key)',
    ]);
    expect(warnings.join('\n')).not.toContain('AIza-secret-value');
  });

  test("a member's oauth_creds_file may start with ~, as gemini.oauth_creds_file may", () => {
    const ours = parsePools({ 'gemini-cli-oauth': [{ name: 'two', oauth_creds_file: '~/.gemini/acct2.json' }] }, 'p');
    const original = parsePools({ 'gemini-cli-oauth': [{ customName: 'three', GEMINI_OAUTH_CREDS_FILE_PATH: '~/acct3.json' }] }, 'p');
    expect(ours['gemini-cli-oauth']![0]!.credentials.oauthCredsFile).toBe(`${homedir()}/.gemini/acct2.json`);
    expect(original['gemini-cli-oauth']![0]!.credentials.oauthCredsFile).toBe(`${homedir()}/acct3.json`);
  });

  test("a member's base URL is checked, and loses a trailing slash, as a section's is", () => {
    const ours = parsePools({ 'openai-custom': [{ name: 'a', base_url: 'http://a/v1/' }] }, 'p');
    expect(ours['openai-custom']![0]!.credentials.baseUrl).toBe('http://a/v1');
    const original = parsePools(
      {
        'openai-custom': [{ customName: 'or', OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: 'https://openrouter.ai/api/v1/' }],
        'claude-custom': [{ customName: 'c', CLAUDE_API_KEY: 'sk', CLAUDE_BASE_URL: 'https://api.anthropic.com/' }],
      },
      'p',
    );
    expect(original['openai-custom']![0]!.credentials.baseUrl).toBe('https://openrouter.ai/api/v1');
    expect(original['claude-custom']![0]!.credentials.baseUrl).toBe('https://api.anthropic.com');
    expect(() => parsePools({ 'openai-custom': [{ OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: 'api.openai.com/v1' }] }, 'p')).toThrow(
      'p.openai-custom[0].OPENAI_BASE_URL: "api.openai.com/v1" is not a valid URL',
    );
    // The message names the key but never a key pasted into the URL's query.
    let message = '';
    try {
      parsePools({ 'gemini-cli': [{ name: 'g', base_url: 'https://g.example/v1beta?key=AIzaSecret' }] }, 'p');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toStartWith('p.gemini-cli[0].base_url: ');
    expect(message).not.toContain('AIzaSecret');
  });

  test("the original's accounts sharing a customName stay apart by uuid, not refused", () => {
    // The original identified accounts by uuid; a copied account keeps its customName.
    const pools = parsePools(
      {
        'openai-custom': [
          { customName: 'OpenAI', OPENAI_API_KEY: 'k1', uuid: 'u-1' },
          { customName: 'OpenAI', OPENAI_API_KEY: 'k2', uuid: 'u-2' },
          { customName: 'OpenAI', OPENAI_API_KEY: 'k3' },
        ],
      },
      'provider_pools.json',
    );
    expect(pools['openai-custom']!.map((m) => m.name)).toEqual(['OpenAI', 'OpenAI (u-2)', 'OpenAI (#3)']);
    // In our format a repeated name is still a mistake.
    expect(() => parsePools({ 'openai-custom': [{ name: 'a', api_key: 'k1' }, { name: 'a', api_key: 'k2' }] }, 'p')).toThrow('two members are named "a"');
  });

  test('pool.state_file may start with ~', () => {
    expect(parsePoolSettings({ state_file: '~/pool-state.json' }, 'pool').stateFile).toBe(`${homedir()}/pool-state.json`);
  });

  test('errors name the key', () => {
    expect(() => parsePools({ kiro: [] }, 'p')).toThrow('p.kiro: unknown provider');
    expect(() => parsePools({ 'openai-custom': [{ weight: -1 }] }, 'p')).toThrow('p.openai-custom[0].weight: expected a positive number');
    expect(() => parsePools({ 'openai-custom': [{ api_kee: 'x' }] }, 'p')).toThrow('p.openai-custom[0].api_kee: unknown key');
    // YAML reads a key of digits as a number: the message says to quote it.
    expect(() => parsePools({ 'openai-custom': [{ api_key: 98765 }] }, 'p')).toThrow('p.openai-custom[0].api_key: expected a non-empty string, got a number: put the value in quotes');
    expect(() => parsePools({ 'openai-custom': [{ name: 'a' }, { name: 'a' }] }, 'p')).toThrow('two members are named "a"');
  });

  test('pool settings and fallbacks', () => {
    expect(parsePoolSettings({ strategy: 'weighted', max_attempts: 5, affinity: true }, 'pool')).toMatchObject({ strategy: 'weighted', maxAttempts: 5, affinity: true, cooldownMs: 60000 });
    expect(() => parsePoolSettings({ strategy: 'random' }, 'pool')).toThrow('pool.strategy: expected one of');
    expect(parseFallbacks({ 'claude-custom': ['openai-custom'] }, 'fallbacks')).toEqual({ 'claude-custom': ['openai-custom'] });
    expect(() => parseFallbacks({ 'claude-custom': ['nope'] }, 'fallbacks')).toThrow('unknown provider "nope"');
  });
});
