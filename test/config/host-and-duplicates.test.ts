/**
 * Two start-up checks that used to be missing: `host` was taken as any string (a typo died at listen,
 * blamed on the port), and a key given twice in config.yaml silently kept its last value.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { configError } from '../helpers/config-error.ts';
import { loadConfig } from '../../src/config/load.ts';
import { findDuplicateKey } from '../../src/config/yaml-duplicates.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-host-dup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ flags: parseArgs(argv).flags, env, cwd: join(dir, 'nowhere') });


describe('host', () => {
  test.each([
    ['localhost', 'localhost'],
    ['0.0.0.0', '0.0.0.0'],
    ['127.0.0.1', '127.0.0.1'],
    ['::', '::'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['proxy.internal', 'proxy.internal'],
    ['my-host', 'my-host'],
    ['compose_service', 'compose_service'],
    ['example.com.', 'example.com.'],
    ['  10.0.0.5 ', '10.0.0.5'],
  ])('%p is accepted', (raw, want) => {
    expect(load(['--host', raw]).host).toBe(want);
  });

  test.each(['256.1.1.1', '1.2.3', '10.0.0.1.5', 'not a host!', 'host:3000', 'http://localhost', '-lead', 'trail-.com', 'a..b', `${'a'.repeat(64)}.com`, '[127.0.0.1]'])(
    '%p is refused',
    (raw) => {
      expect(configError(() => load(['--host', raw]))).toBe(`--host: ${JSON.stringify(raw)} is not an IPv4 or IPv6 address or a host name`);
    },
  );

  test('the message names the source: config.yaml key, environment variable', () => {
    const cfg = file('bad-host.yaml', 'host: 256.1.1.1\n');
    expect(configError(() => load(['--config', cfg]))).toBe(`${cfg}: host: "256.1.1.1" is not an IPv4 or IPv6 address or a host name`);
    expect(configError(() => load([], { AIPROXY_HOST: 'not a host!' }))).toStartWith('AIPROXY_HOST: "not a host!" is not');
    // YAML reads `host: 127001` as a number.
    expect(configError(() => load(['--config', file('num-host.yaml', 'host: 127001\n')]))).toContain('host: expected a string, got a number: put the value in quotes');
  });
});

describe('findDuplicateKey', () => {
  test('top-level, nested, quoted, after a comment or blank line', () => {
    expect(findDuplicateKey('port: 22001\nport: 22003\n')).toEqual({ path: 'port', line: 2, firstLine: 1 });
    expect(findDuplicateKey('openai:\n  api_key: a\n  # note\n\n  base_url: b\n  api_key: c\n')).toEqual({ path: 'openai.api_key', line: 6, firstLine: 2 });
    expect(findDuplicateKey('"port": 1\nport: 2\n')).toEqual({ path: 'port', line: 2, firstLine: 1 });
    expect(findDuplicateKey("a:\n  'b c': 1\n  b c  : 2\n")).toEqual({ path: 'a.b c', line: 3, firstLine: 2 });
    expect(findDuplicateKey('a:\n  b:\n    c: 1\n  d: 2\n  b: 3\n')).toEqual({ path: 'a.b', line: 5, firstLine: 2 });
    expect(findDuplicateKey('a: 1\r\nb: 2\r\na: 3\r\n')).toEqual({ path: 'a', line: 3, firstLine: 1 });
  });

  test('the same key in different mappings is fine', () => {
    expect(findDuplicateKey('openai:\n  api_key: a\nclaude:\n  api_key: b\ngemini:\n  api_key: c\n')).toBeUndefined();
    expect(findDuplicateKey('a:\n  x:\n    k: 1\n  y:\n    k: 2\n')).toBeUndefined();
  });

  test('sequence items are separate mappings; a key repeated within one item is not', () => {
    const pools = 'openai-custom:\n  - name: a\n    api_key: k1\n  - name: b\n    api_key: k2\nclaude-custom:\n- name: c\n- name: d\n';
    expect(findDuplicateKey(pools)).toBeUndefined();
    expect(findDuplicateKey('openai-custom:\n  - name: a\n    api_key: k1\n    name: b\n')).toEqual({ path: 'openai-custom.name', line: 4, firstLine: 2 });
    expect(findDuplicateKey('-\n  a: 1\n-\n  a: 2\n')).toBeUndefined();
    expect(findDuplicateKey('- - a: 1\n  - a: 2\n')).toBeUndefined();
    // A sequence at its key's own indentation, then the next top-level key.
    expect(findDuplicateKey('a:\n- x: 1\nb: 2\na: 3\n')).toEqual({ path: 'a', line: 4, firstLine: 1 });
  });

  test('text inside block scalars and multi-line quoted or flow values is not taken for keys', () => {
    expect(findDuplicateKey('prompt: |\n  a: 1\n  a: 1\n\n  a: 1\nnext: x\n')).toBeUndefined();
    expect(findDuplicateKey('prompt: >-\n  a: 1\n  a: 1\nprompt2: &x |+\n  a: 1\n  a: 1\n')).toBeUndefined();
    expect(findDuplicateKey('list:\n  - |\n    a: 1\n    a: 1\n')).toBeUndefined();
    expect(findDuplicateKey('s: "one\n  a: 1\n  a: 1"\nt: 2\n')).toBeUndefined();
    expect(findDuplicateKey("s: 'it''s\n  a: 1\n  a: 1'\n")).toBeUndefined();
    expect(findDuplicateKey('m: {\n  a: 1,\n  a: 2\n}\nn: [x, it\'s]\nn2: 1\n')).toBeUndefined();
    // After the block scalar ends, keys count again.
    expect(findDuplicateKey('a: |\n  text\nb: 1\na: 2\n')).toEqual({ path: 'a', line: 4, firstLine: 1 });
    expect(findDuplicateKey('a: "x" # don\'t\nb: 1\na: 2\n')).toEqual({ path: 'a', line: 3, firstLine: 1 });
  });

  test('comments, plain values with colons, separate documents', () => {
    expect(findDuplicateKey('# port: 1\nport: 2\nurl: http://x:1/a\n')).toBeUndefined();
    expect(findDuplicateKey('a: 1\n---\na: 2\n')).toBeUndefined();
    expect(findDuplicateKey('base: &b\n  x: 1\nuse:\n  <<: *b\n  <<: *b\n')).toBeUndefined();
  });
});

describe('duplicate keys in the files', () => {
  test('config.yaml: the key and both lines are named', () => {
    const cfg = file('dup.yaml', 'port: 22001\nhost: localhost\nport: 22003\n');
    expect(configError(() => load(['--config', cfg]))).toBe(`${cfg}: port: duplicate key on line 3 (first given on line 1)`);
    const nested = file('dup-nested.yaml', 'limits:\n  max_body_bytes: 2048\n  max_body_bytes: 4096\n');
    expect(configError(() => load(['--config', nested]))).toBe(`${nested}: limits.max_body_bytes: duplicate key on line 3 (first given on line 2)`);
  });

  test('a YAML provider pools file, never echoing a value', () => {
    const pools = file('pools.yaml', 'openai-custom:\n  - name: a\n    api_key: sk-secret-1\n    api_key: sk-secret-2\n');
    const msg = configError(() => load(['--provider-pools-file', pools]));
    expect(msg).toBe(`${pools}: openai-custom.api_key: duplicate key on line 4 (first given on line 3)`);
    expect(msg).not.toContain('sk-secret');
  });

  test('the same keys in separate mappings still load', () => {
    const cfg = file('ok.yaml', 'port: 23001\nopenai:\n  api_key: a\nclaude:\n  api_key: b\n');
    expect(load(['--config', cfg]).port).toBe(23001);
  });
});
