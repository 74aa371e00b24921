/**
 * A URL-valued setting that is refused is shown without what it may carry: a `user:password@` and a
 * query (`?key=…`). Base URLs, proxy URLs (flags, env, the file, pool members) and CORS origins alike.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import { showUrl } from '../../src/config/parsers.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-url-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'S3CRET-PASS';
/** The message loading fails with; the test fails if it loads. */
function refusal(argv: string[], env: Record<string, string> = {}): string {
  try {
    loadConfig({ flags: parseArgs(argv).flags, env, cwd: join(dir, 'nowhere') });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`loaded: ${argv.join(' ')}`);
}
function file(text: string): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe('refused URL settings hide their credentials', () => {
  test('a base URL that does not parse: user:password@ left out, the rest shown', () => {
    const m = refusal(['--openai-base-url', `http://user:${SECRET}@host:99999/v1`]);
    expect(m).not.toContain(SECRET);
    expect(m).not.toContain('user:');
    expect(m).toBe('--openai-base-url: "http://…@host:99999/v1" is not a valid URL');
  });

  test('a base URL of another scheme, from env and from the file', () => {
    expect(refusal([], { CLAUDE_BASE_URL: `ftp://user:${SECRET}@host/x` })).toBe('CLAUDE_BASE_URL: "ftp://…@host/x" must be an http(s) URL');
    const m = refusal(['--config', file(`gemini:\n  code_assist_base_url: "gopher://user:${SECRET}@host?key=${SECRET}"\n`)]);
    expect(m).not.toContain(SECRET);
    expect(m).toContain('"gopher://…@host" must be an http(s) URL');
  });

  test('a password with characters a URL cannot hold unescaped is hidden whole', () => {
    for (const pass of [`pa/${SECRET}`, `pa?${SECRET}`, `pa#${SECRET}`, `pa ${SECRET}`]) {
      expect(refusal(['--openai-base-url', `https://user:${pass}@host:70000/v1`])).not.toContain(SECRET);
    }
    expect(refusal(['--openai-base-url', `user:${SECRET}@host`])).not.toContain(SECRET);
  });

  test('a query is still left out', () => {
    expect(refusal(['--openai-base-url', `http://host/v1?key=${SECRET}`])).toBe('--openai-base-url: "http://host/v1" must not contain a query or fragment');
  });

  test('proxy URLs, the section\'s and a pool member\'s, are never echoed', () => {
    for (const m of [
      refusal(['--openai-proxy-url', `http://user:${SECRET}@host:99999`]),
      refusal([], { GEMINI_PROXY_URL: `ftp://user:${SECRET}@host` }),
      refusal(['--config', file(`provider_pools:\n  openai-custom:\n    - {api_key: sk-aaaaaaaaaaaa, proxy_url: "socks5://user:${SECRET}@host:1"}\n`)]),
      refusal(['--config', file(`provider_pools:\n  openai-custom:\n    - {api_key: sk-aaaaaaaaaaaa, proxy_url: "http://user:${SECRET}@host:99999"}\n`)]),
    ]) {
      expect(m).not.toContain(SECRET);
    }
  });

  test('a CORS origin or a listen address given as a URL with credentials', () => {
    expect(refusal(['--cors-origin', `https://user:${SECRET}@app.example.com`])).not.toContain(SECRET);
    expect(refusal(['--host', `http://user:${SECRET}@host`])).not.toContain(SECRET);
  });

  test('showUrl leaves a URL without credentials or query as it was', () => {
    expect(showUrl('http://host h/v1')).toBe('"http://host h/v1"');
    expect(showUrl(8080)).toBe('8080');
  });
});
