/**
 * A provider's own outbound proxy (`<section>.proxy_url`, a pool member's `proxy_url`): its requests go
 * through it with the proxy's credentials, other providers' requests go direct, and a SOCKS proxy, which
 * Bun's fetch cannot speak, is refused at start-up with a message that says so.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import { startCodeAssistStack } from '../helpers/code-assist-stack.ts';
import { startRecordingProxy, type RecordingProxy } from '../helpers/http-proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('openai.proxy_url', () => {
  let s: Stack;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    proxy = startRecordingProxy();
    s = await startStack('openai-custom,claude-custom', ['--openai-proxy-url', proxy.url]);
  });
  afterAll(async () => {
    await s.stop();
    await proxy.stop();
  });

  test("the section's requests go through its proxy, with the proxy's credentials; other providers' go direct", async () => {
    const res = await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'via proxy' }] });
    expect(res.choices[0]!.message.content).toBe('mock(openai) heard: via proxy');
    expect(proxy.seen).toEqual([`POST ${s.openai.url}/chat/completions`]);
    expect(proxy.auth).toEqual([basic('proxyuser', 'proxypass')]);
    // The upstream got the request with its own key, not the proxy's.
    expect(s.openai.calls.at(-1)!.headers.authorization).toBe(`Bearer ${s.openai.key}`);
    expect(s.openai.calls.at(-1)!.headers['proxy-authorization']).toBeUndefined();

    await s.anthropicClient.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'direct' }] });
    expect(s.claude.calls.length).toBe(1);
    expect(proxy.seen.length).toBe(1);
  });

  test('streams and model lists take the same way', async () => {
    const before = proxy.seen.length;
    const stream = await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a b c' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('mock(openai) heard: a b c');
    const models = await fetch(`${s.proxy.url}/openai-custom/v1/models`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
    expect(models.status).toBe(200);
    expect(proxy.seen.slice(before)).toEqual([`POST ${s.openai.url}/chat/completions`, `GET ${s.openai.url}/models`]);
  });
});

describe('an outbound proxy that fails', () => {
  test('407 (wrong proxy credentials): a 502 that names the proxy, never its answer or credentials', async () => {
    const proxy = startRecordingProxy('proxyuser', 'right-pass');
    const wrong = proxy.url.replace('right-pass', 'wrong-pass');
    const s = await startStack('openai-custom', ['--openai-proxy-url', wrong]);
    try {
      const res = await fetch(`${s.proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.message).toContain('407 Proxy Authentication Required');
      expect(text).toContain(new URL(proxy.url).host);
      expect(text).not.toContain('wrong-pass');
      expect(text).not.toContain(Buffer.from('proxyuser:wrong-pass').toString('base64'));
      expect(s.proxy.logs.join('\n')).not.toContain(Buffer.from('proxyuser:wrong-pass').toString('base64'));
      expect(s.openai.calls.length).toBe(0);
    } finally {
      await s.stop();
      await proxy.stop();
    }
  });

  test('a proxy that cannot be reached: the message says the proxy was the way', async () => {
    const s = await startStack('openai-custom', ['--openai-proxy-url', 'http://127.0.0.1:9']);
    try {
      const res = await fetch(`${s.proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('through the outbound proxy 127.0.0.1:9');
    } finally {
      await s.stop();
    }
  });
});

test("a pool member's proxy_url: that member's requests go through it", async () => {
  const proxy = startRecordingProxy('member', 'secret');
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-member-proxy-'));
  const stack = await startStack('openai-custom', []);
  const file = join(dir, 'pools.yaml');
  writeFileSync(file, `openai-custom:\n  - name: behind-proxy\n    api_key: ${stack.openai.key}\n    base_url: ${stack.openai.url}\n    proxy_url: ${proxy.url}\n`);
  const { startProxy } = await import('../helpers/proxy.ts');
  const p = await startProxy(['--provider-pools-file', file]);
  try {
    const res = await fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(proxy.seen).toEqual([`POST ${stack.openai.url}/chat/completions`]);
    expect(proxy.auth).toEqual([basic('member', 'secret')]);
  } finally {
    await Promise.all([p.stop(), stack.stop(), proxy.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gemini.proxy_url carries Code Assist calls and the Google token refresh of gemini-cli-oauth', async () => {
  const proxy = startRecordingProxy();
  // An expired token: the first request refreshes it at the token endpoint.
  const ca = await startCodeAssistStack({
    creds: { access_token: 'ya29.old', refresh_token: '1//stack-refresh', expiry_date: Date.now() - 60_000, token_type: 'Bearer' },
    flags: ['--gemini-proxy-url', proxy.url],
  });
  try {
    const res = await ca.openaiClient.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]!.message.content).toContain('hi');
    const hosts = proxy.seen.map((line) => line.split(' ')[1]!);
    // The refresh, the project's discovery and the request itself.
    expect(hosts.some((u) => u.startsWith(ca.token.url))).toBe(true);
    expect(hosts.some((u) => u.startsWith(`${ca.api.url}/v1internal:loadCodeAssist`))).toBe(true);
    expect(hosts.some((u) => u.startsWith(`${ca.api.url}/v1internal:generateContent`))).toBe(true);
  } finally {
    await ca.stop();
    await proxy.stop();
  }
});

describe('proxy_url values', () => {
  const load = (flags: string[]) => () => loadConfig({ flags: parseArgs(flags).flags, env: {}, cwd: '/nonexistent' });
  test('SOCKS is refused with the reason, and the URL (which may hold a password) is not echoed', () => {
    const err = (() => {
      try {
        load(['--openai-proxy-url', 'socks5://user:hunter2@10.0.0.1:1080'])();
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(err.message).toContain('--openai-proxy-url');
    expect(err.message).toContain("Bun's fetch speaks only HTTP proxies");
    expect(err.message).not.toContain('hunter2');
  });

  test('http and https proxies are taken, anything else is not', () => {
    expect(load(['--claude-proxy-url', 'https://proxy.corp:8443'])().claude.proxyUrl).toBe('https://proxy.corp:8443');
    expect(load(['--gemini-proxy-url', 'ftp://x'])).toThrow('must be an http:// or https:// proxy URL');
  });

  test('config.yaml takes proxy_url in the openai, claude and gemini sections', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-section-proxy-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      'openai:\n  proxy_url: http://127.0.0.1:3128\nclaude:\n  proxy_url: https://proxy.corp:8443\ngemini:\n  proxy_url: http://gw.internal:8080\n',
    );
    try {
      const config = load(['--config', file])();
      expect([config.openai.proxyUrl, config.claude.proxyUrl, config.gemini.proxyUrl]).toEqual([
        'http://127.0.0.1:3128',
        'https://proxy.corp:8443',
        'http://gw.internal:8080',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a pool member's SOCKS proxy is refused too, naming the member", () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-member-socks-'));
    const file = join(dir, 'pools.yaml');
    writeFileSync(file, 'claude-custom:\n  - name: a\n    api_key: k\n    proxy_url: socks5h://127.0.0.1:1080\n');
    try {
      expect(load(['--provider-pools-file', file])).toThrow('claude-custom[0].proxy_url: socks5h:// proxies are not supported');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a SOCKS proxy Bun is handed (as from the environment): the upstream error says what is wrong instead of a bare code', async () => {
  const { callUpstream } = await import('../../src/upstream/fetch.ts');
  // Bun's own fetch, given the proxy the way HTTPS_PROXY=socks5://… would give it.
  const err = await callUpstream({ url: 'http://127.0.0.1:9/v1/x', method: 'GET', headers: {}, proxy: 'socks5://127.0.0.1:9' }, { signal: new AbortController().signal, headersTimeoutMs: 0 }).catch(
    (e: unknown) => e,
  );
  expect((err as Error).message).toBe("could not reach upstream 127.0.0.1:9 through the outbound proxy 127.0.0.1:9: the outbound proxy in the environment is not an http:// or https:// one, the only kind Bun's fetch speaks");
});

test("proxy URLs, which may hold a password, are among the secrets the logger blanks", async () => {
  const { configSecrets } = await import('../../src/config/secrets.ts');
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-proxy-secrets-'));
  const file = join(dir, 'pools.yaml');
  writeFileSync(file, 'claude-custom:\n  - name: a\n    api_key: k\n    proxy_url: http://m:member-pass@127.0.0.1:3128\n');
  try {
    const config = loadConfig({ flags: parseArgs(['--openai-proxy-url', 'http://u:section-pass@127.0.0.1:3128', '--provider-pools-file', file]).flags, env: {}, cwd: '/nonexistent' });
    const secrets = configSecrets(config);
    expect(secrets).toContain('http://u:section-pass@127.0.0.1:3128');
    expect(secrets).toContain('http://m:member-pass@127.0.0.1:3128');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
