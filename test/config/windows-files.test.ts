/**
 * Files and paths as Windows and macOS users give them: config.yaml saved by Notepad (CRLF line ends, a
 * UTF-8 byte-order mark), `~\` paths, and the Gemini CLI's credentials file on each system.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { configError } from '../helpers/config-error.ts';
import { loadConfig } from '../../src/config/load.ts';
import { expandHome, geminiCredsFile } from '../../src/config/parsers.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-windows-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const load = (path: string) => loadConfig({ flags: parseArgs(['--config', path]).flags, env: { OPENAI_KEY: 'sk-env' }, cwd: join(dir, 'nowhere') });


const CONFIG = [
  'port: 8123',
  'host: 127.0.0.1',
  'model_providers: [openai-custom]',
  'system_prompt_mode: append',
  'openai:',
  '  api_key: ${OPENAI_KEY}',
  "  base_url: 'http://127.0.0.1:9/v1'",
  'api_keys:',
  '  - key: "client-key"',
  '    name: laptop',
  '',
];

describe('config.yaml saved on Windows', () => {
  const lf = load(file('lf.yaml', CONFIG.join('\n')));

  test.each([
    ['CRLF line ends', CONFIG.join('\r\n')],
    ['a byte-order mark', `\uFEFF${CONFIG.join('\n')}`],
    ['both (Notepad, PowerShell Set-Content -Encoding UTF8)', `\uFEFF${CONFIG.join('\r\n')}`],
  ])('%s: loads as the same file with LF does (no \\r in any value)', (name, text) => {
    const c = load(file(`${name.replace(/\W+/g, '-')}.yaml`, text));
    expect({ ...c, configFile: undefined }).toEqual({ ...lf, configFile: undefined });
    expect(c.openai.baseUrl).toBe('http://127.0.0.1:9/v1');
    expect(c.openai.apiKey).toBe('sk-env');
    expect(c.apiKeys).toEqual([{ name: 'laptop', key: 'client-key' }]);
  });

  test('a key given twice is refused with a byte-order mark and CRLF too, the first key included', () => {
    const bom = file('bom-dup.yaml', '\uFEFFport: 8123\r\nhost: 127.0.0.1\r\nport: 8124\r\n');
    expect(configError(() => load(bom))).toBe(`${bom}: port: duplicate key on line 3 (first given on line 1)`);
  });

  test('a YAML error names its line with CRLF line ends', () => {
    const bad = file('crlf-bad.yaml', '\uFEFFport: 8123\r\ncors_origin: *\r\n');
    expect(configError(() => load(bad))).toContain("(near line 2); a value beginning with *, @, ` or : must be quoted ('*', '::')");
  });
});

describe('paths on each system', () => {
  test('~ and ~/ are the home directory everywhere; ~\\ on Windows only, where \\ separates', () => {
    expect(expandHome('~', '/home/ann', 'linux')).toBe('/home/ann');
    expect(expandHome('~/.gemini/oauth_creds.json', '/Users/ann', 'darwin')).toBe('/Users/ann/.gemini/oauth_creds.json');
    expect(expandHome('~\\.gemini\\oauth_creds.json', 'C:\\Users\\ann', 'win32')).toBe('C:\\Users\\ann\\.gemini\\oauth_creds.json');
    expect(expandHome('~/.gemini/oauth_creds.json', 'C:\\Users\\ann', 'win32')).toBe('C:\\Users\\ann/.gemini/oauth_creds.json');
    // On Linux and macOS a backslash is part of a file name: `~\x` is a file in the working directory.
    expect(expandHome('~\\x', '/home/ann', 'linux')).toBe('~\\x');
    expect(expandHome('~ann/x', '/home/ann', 'linux')).toBe('~ann/x');
    expect(expandHome('C:\\creds\\~\\x.json', 'C:\\Users\\ann', 'win32')).toBe('C:\\creds\\~\\x.json');
  });

  test("the Gemini CLI's credentials file: .gemini/oauth_creds.json under the home directory, in the system's separators", () => {
    expect(geminiCredsFile('/home/ann', 'linux')).toBe('/home/ann/.gemini/oauth_creds.json');
    expect(geminiCredsFile('/Users/ann', 'darwin')).toBe('/Users/ann/.gemini/oauth_creds.json');
    expect(geminiCredsFile('C:\\Users\\ann', 'win32')).toBe('C:\\Users\\ann\\.gemini\\oauth_creds.json');
  });
});
