import { describe, expect, test } from 'bun:test';
import { parseArgs } from '../../src/cli/args.ts';
import { changedKeys } from '../../src/config/diff.ts';
import { loadConfig } from '../../src/config/load.ts';
import { SETTINGS } from '../../src/config/settings.ts';

const load = (argv: string[]) => loadConfig({ flags: parseArgs(argv).flags, env: {}, cwd: '/nonexistent' });

describe('changedKeys', () => {
  test('names the config.yaml keys that differ, never their values', () => {
    const a = load(['--openai-api-key', 'sk-old', '--port', '3000']);
    const b = load(['--openai-api-key', 'sk-new', '--port', '3001', '--model-provider', 'openai-custom,claude-custom', '--claude-base-url', 'http://c.example']);
    const changed = changedKeys(a, b);
    expect(changed).toEqual(['claude.base_url', 'model_providers', 'openai.api_key', 'port']);
    expect(JSON.stringify(changed)).not.toContain('sk-');
  });

  test('identical configurations differ in nothing; list order matters', () => {
    expect(changedKeys(load([]), load([]))).toEqual([]);
    const ab = load(['--model-provider', 'openai-custom,claude-custom']);
    const ba = load(['--model-provider', 'claude-custom,openai-custom']);
    expect(changedKeys(ab, ba)).toEqual(['model_providers']);
  });

  test('setting the proxy key reports api_key, not the derived default flag', () => {
    expect(changedKeys(load([]), load(['--api-key', 'k']))).toEqual(['api_key']);
  });

  test('every key it can report is a real config.yaml key', () => {
    // A config where every setting with a default differs from another one reaches every leaf.
    const keys = new Set<string>([...Object.values(SETTINGS).map((s) => s.key), 'provider_pools', 'pool', 'fallbacks']);
    const base = load([]);
    const flipped = JSON.parse(JSON.stringify(base), (k, v) => (typeof v === 'string' || typeof v === 'number' ? `${v}x` : v));
    for (const k of changedKeys(base, flipped)) expect(keys.has(k)).toBe(true);
    expect(changedKeys(base, flipped).length).toBeGreaterThan(10);
  });
});
