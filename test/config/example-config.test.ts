import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import { SETTINGS } from '../../src/config/settings.ts';
import type { Config } from '../../src/config/types.ts';

const EXAMPLE = join(import.meta.dir, '../../scripts/config.example.yaml');

/** The lines of a top-level section (indented lines after `name:`), or the whole text for top-level keys. */
function sectionText(text: string, name: string | undefined): string {
  if (!name) return text;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${name}:`));
  if (start < 0) return '';
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l !== '' && !l.startsWith(' ')) break;
    out.push(l);
  }
  return out.join('\n');
}

describe('scripts/config.example.yaml', () => {
  test('loads as it ships (install.sh copies it to /etc/aiproxy/config.yaml), with the defaults it claims', () => {
    const c = loadConfig({ flags: parseArgs(['--config', EXAMPLE]).flags, env: {}, cwd: '/nonexistent' });
    const defaults = loadConfig({ flags: new Map(), env: {}, cwd: '/nonexistent' });
    expect(c.host).toBe('127.0.0.1');
    const asDefaults: Config = { ...c, host: defaults.host, configFile: undefined };
    expect(asDefaults).toEqual(defaults);
  });

  test('documents every config.yaml key, in its section', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const missing: string[] = [];
    for (const s of Object.values(SETTINGS)) {
      if (!s.key) continue;
      const parts = s.key.split('.');
      const leaf = parts.at(-1)!;
      const section = parts.length > 1 ? parts[0] : undefined;
      const indent = section ? '  ' : '';
      const line = new RegExp(`^${indent}(# )?${leaf}:`, 'm');
      if (!line.test(sectionText(text, section))) missing.push(s.key);
    }
    for (const key of ['provider_pools', 'pool', 'fallbacks', 'strategy', 'max_attempts', 'cooldown_ms', 'error_window_ms', 'error_threshold', 'health_check_interval_ms', 'affinity', 'state_file']) {
      if (!new RegExp(`^\\s*(# )?${key}:`, 'm').test(text)) missing.push(key);
    }
    expect(missing).toEqual([]);
  });
});
