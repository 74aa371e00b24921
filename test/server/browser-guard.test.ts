/**
 * With the public default key (123456) a web page the user visits must not be able to use the proxy:
 * a "simple" cross-origin POST needs no preflight, and a page that rebinds its host name to 127.0.0.1
 * could read the answers. SDKs, which send neither Origin nor Sec-Fetch-Site, are unaffected.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createApp } from '../../src/server/app.ts';
import { Logger } from '../../src/util/log.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';

let upstream: MockServer;
beforeAll(async () => {
  upstream = await startOpenAIMock();
});
afterAll(() => upstream.stop());

async function proxyWith(flags: string[]): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const config = loadConfig({
    flags: parseArgs(['--host', '127.0.0.1', '--port', '0', '--openai-api-key', upstream.key, '--openai-base-url', upstream.url, ...flags]).flags,
    env: {},
    cwd: '/nonexistent',
  });
  const app = createApp(config, { log: new Logger('error', () => {}) });
  app.listen({ hostname: '127.0.0.1', port: 0 });
  const port = app.server!.port!;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await app.stop(true);
    },
  };
}

const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'spend the quota' }] });
const post = (url: string, headers: Record<string, string>) => fetch(`${url}/v1/chat/completions?key=123456`, { method: 'POST', headers, body });

describe('the public default key', () => {
  test('a simple cross-origin POST from a page (text/plain, key in the query) is refused, and nothing reaches the upstream', async () => {
    const p = await proxyWith([]);
    try {
      const before = upstream.calls.length;
      const fromPages: Array<Record<string, string>> = [
        { 'content-type': 'text/plain', origin: 'https://evil.example.net' },
        { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of fromPages) {
        const res = await post(p.url, headers);
        expect(res.status).toBe(403);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain('default key');
      }
      expect(upstream.calls.length).toBe(before);
    } finally {
      await p.stop();
    }
  });

  test('a rebound host name is refused; loopback names and SDK requests are served', async () => {
    const p = await proxyWith([]);
    try {
      const rebound = await post(p.url, { 'content-type': 'application/json', host: `rebind.evil.example:${p.port}` });
      expect(rebound.status).toBe(403);
      for (const host of [`127.0.0.1:${p.port}`, `localhost:${p.port}`, `LocalHost.:${p.port}`, `[0:0:0:0:0:0:0:1]:${p.port}`]) {
        const res = await post(p.url, { 'content-type': 'application/json', host });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    } finally {
      await p.stop();
    }
  });

  test('an allowed cors_origin still works with the default key', async () => {
    const p = await proxyWith(['--cors-origin', 'http://localhost:5173']);
    try {
      const res = await post(p.url, { 'content-type': 'application/json', origin: 'http://localhost:5173' });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      await res.arrayBuffer();
    } finally {
      await p.stop();
    }
  });
});

describe('a key of the operator own', () => {
  test('pages are not refused by this guard: they need the key, and CORS decides what they read', async () => {
    const p = await proxyWith(['--api-key', 'operator-key-0123']);
    try {
      const res = await fetch(`${p.url}/v1/chat/completions?key=operator-key-0123`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://somewhere.example', host: `elsewhere.example:${p.port}` },
        body,
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      await p.stop();
    }
  });
});
