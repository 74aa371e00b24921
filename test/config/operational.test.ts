import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { changedKeys } from '../../src/config/diff.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { clientKeysFor, identifyClient } from '../../src/server/client-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-ops-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ flags: parseArgs(argv).flags, env, cwd: join(dir, 'nowhere') });

describe('limits, timeouts, keep-alive, admission and logging settings', () => {
  test('documented defaults', () => {
    const c = load([]);
    expect(c.limits).toEqual({ maxBodyBytes: 33_554_432, maxJsonDepth: 64, softMemoryMb: 96 });
    expect(c.timeouts).toEqual({ connectMs: 10_000, headersMs: 300_000, idleMs: 300_000 });
    expect(c.keepaliveMs).toBe(15_000);
    expect(c.maxInflight).toBe(0);
    expect(c.logFormat).toBe('text');
    expect(c.apiKeys).toEqual([]);
    expect(c.systemPromptFile).toBeUndefined();
    expect(c.systemPromptMode).toBe('overwrite');
    expect(c.logPrompts).toBe('off');
  });

  test('config.yaml keys as the issue spells them', () => {
    const cfg = file(
      'ops.yaml',
      [
        'limits:',
        '  max_body_bytes: 1048576',
        '  max_json_depth: 20',
        '  soft_memory_mb: 256',
        'timeouts:',
        '  connect_ms: 2000',
        '  headers_ms: 60000',
        '  idle_ms: 90000',
        'keepalive_ms: 5000',
        'max_inflight: 100',
        'log_format: json',
        'system_prompt_mode: append',
        'log_prompts: file',
        'prompt_log_file: /tmp/p.log',
      ].join('\n'),
    );
    const c = load(['--config', cfg]);
    expect(c.limits).toEqual({ maxBodyBytes: 1_048_576, maxJsonDepth: 20, softMemoryMb: 256 });
    expect(c.timeouts).toEqual({ connectMs: 2000, headersMs: 60_000, idleMs: 90_000 });
    expect(c.keepaliveMs).toBe(5000);
    expect(c.maxInflight).toBe(100);
    expect(c.logFormat).toBe('json');
    expect(c.systemPromptMode).toBe('append');
    expect(c.logPrompts).toBe('file');
    expect(c.promptLogFile).toBe('/tmp/p.log');
  });

  test('flags and environment variables, flags first', () => {
    const c = load(
      ['--max-body-bytes', '2048', '--max-json-depth', '8', '--soft-memory-mb', '0', '--connect-timeout-ms', '1', '--headers-timeout-ms', '2', '--idle-timeout-ms', '3',
        '--keepalive-ms', '0', '--max-inflight', '7', '--log-format', 'json', '--system-prompt-file', '/etc/sp.txt', '--system-prompt-mode', 'append',
        '--log-prompts', 'console'],
      { AIPROXY_MAX_BODY_BYTES: '4096', AIPROXY_IDLE_TIMEOUT_MS: '99', AIPROXY_MAX_INFLIGHT: '3', AIPROXY_SOFT_MEMORY_MB: '500' },
    );
    expect(c.limits).toEqual({ maxBodyBytes: 2048, maxJsonDepth: 8, softMemoryMb: 0 });
    expect(c.timeouts).toEqual({ connectMs: 1, headersMs: 2, idleMs: 3 });
    expect(c.keepaliveMs).toBe(0);
    expect(c.maxInflight).toBe(7);
    expect(c.logFormat).toBe('json');
    expect(c.systemPromptFile).toBe('/etc/sp.txt');
    expect(c.logPrompts).toBe('console');
    const e = load([], { AIPROXY_MAX_BODY_BYTES: '4096', AIPROXY_LOG_FORMAT: 'JSON', AIPROXY_LOG_PROMPTS: 'none', AIPROXY_SOFT_MEMORY_MB: '500' });
    expect(e.limits.maxBodyBytes).toBe(4096);
    expect(e.limits.softMemoryMb).toBe(500);
    expect(e.logFormat).toBe('json');
    expect(e.logPrompts).toBe('off');
  });

  test('bad values name the key and the source', () => {
    expect(() => load(['--max-body-bytes', '-1'])).toThrow('--max-body-bytes: "-1" is not a size in bytes');
    expect(() => load([], { AIPROXY_MAX_JSON_DEPTH: 'deep' })).toThrow('AIPROXY_MAX_JSON_DEPTH');
    expect(() => load(['--soft-memory-mb', '96MB'])).toThrow('--soft-memory-mb: "96MB" is not a size in MB');
    expect(() => load(['--log-format', 'xml'])).toThrow('--log-format: "xml" is not one of text, json');
    expect(() => load(['--system-prompt-mode', 'prepend'])).toThrow('overwrite, append');
    expect(() => load(['--config', file('bad-timeouts.yaml', 'timeouts:\n  idle: 5\n')])).toThrow('timeouts.idle: unknown key');
    expect(() => load(['--config', file('bad-ms.yaml', 'timeouts:\n  idle_ms: soon\n')])).toThrow('timeouts.idle_ms');
  });

  test('a change of these keys is reported under its config.yaml name', () => {
    const a = load([]);
    const b = load(['--max-body-bytes', '2048', '--idle-timeout-ms', '5', '--keepalive-ms', '1', '--log-format', 'json']);
    expect(changedKeys(a, b)).toEqual(['keepalive_ms', 'limits.max_body_bytes', 'log_format', 'timeouts.idle_ms']);
  });
});

describe('api_keys', () => {
  const keysFile = (body: string): string => file(`keys-${Math.random().toString(36).slice(2)}.yaml`, body);

  test('entries with names and limits; only they are accepted when api_key is not set', () => {
    const cfg = keysFile(
      'api_keys:\n  - name: team-a\n    key: key-of-team-a-123\n    allowed_providers: [claude-custom]\n    allowed_models: [claude-*]\n  - {name: ci, key: key-of-ci-4567}\n',
    );
    const c = load(['--config', cfg]);
    expect(c.apiKeys).toEqual([
      { name: 'team-a', key: 'key-of-team-a-123', allowedProviders: ['claude-custom'], allowedModels: ['claude-*'] },
      { name: 'ci', key: 'key-of-ci-4567' },
    ]);
    // api_key itself was not set, yet the public default opens nothing (and start-up does not warn).
    expect(c.apiKeyIsDefault).toBe(true);
    const table = clientKeysFor(c);
    expect(identifyClient(table, '123456')).toBeUndefined();
    expect(identifyClient(table, 'key-of-ci-4567')?.name).toBe('ci');
    expect(identifyClient(table, 'key-of-team-a-123')?.name).toBe('team-a');
    expect(identifyClient(table, 'key-of-team-a-12')).toBeUndefined();
  });

  test('with api_key set too, it stays valid under the name "default"', () => {
    const c = load(['--config', keysFile('api_key: main-key-000\napi_keys:\n  - {name: ci, key: key-of-ci-4567}\n')]);
    expect(identifyClient(clientKeysFor(c), 'main-key-000')?.name).toBe('default');
  });

  test('mistakes are named by entry, never by key', () => {
    const cases: Array<[string, string]> = [
      ['api_keys: nope\n', 'api_keys: expected a list'],
      ['api_keys:\n  - {key: secret-value-1}\n', 'api_keys[0].name: must be a non-empty string'],
      ['api_keys:\n  - {name: a}\n', 'api_keys[0].key: must be a non-empty string (a)'],
      ['api_keys:\n  - {name: a, key: 98765}\n', 'api_keys[0].key: must be a non-empty string (a), got a number: put the value in quotes'],
      ['api_keys:\n  - {name: a, key: secret-value-1}\n  - {name: a, key: secret-value-2}\n', 'two keys are named "a"'],
      ['api_keys:\n  - {name: a, key: secret-value-1}\n  - {name: b, key: secret-value-1}\n', 'the key of "b" is also used by another entry'],
      ['api_keys:\n  - {name: a, key: secret-value-1, allowed_providers: [nope]}\n', 'unknown provider "nope"'],
      ['api_keys:\n  - {name: a, key: secret-value-1, role: admin}\n', 'api_keys[0].role: unknown key'],
    ];
    for (const [yaml, message] of cases) {
      let err: unknown;
      try {
        load(['--config', keysFile(yaml)]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(message);
      expect((err as Error).message).not.toContain('secret-value');
    }
  });
});
