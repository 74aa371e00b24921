/**
 * Media URLs aiproxy fetches for Gemini must not reach the proxy host's own network (loopback admin
 * ports, cloud metadata, the LAN) unless the operator allows it, not even through a redirect, and a
 * failed fetch must not say why (a port scanner otherwise).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { CanonicalRequest, FilePart, ImagePart } from '../../src/core/index.ts';
import { inlineRemoteMedia, pinnedTo, resolveAll, type InlineOptions } from '../../src/proxy/inline-media.ts';
import { isPrivateAddress } from '../../src/proxy/media-address.ts';
import { canonicalRequest } from '../helpers/canonical.ts';
import { startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { MEDIA_EXAMPLE_CERT, MEDIA_EXAMPLE_KEY } from '../helpers/media-example-tls.ts';
import { refusal } from '../helpers/media-refusal.ts';
import { pinnedRequest } from '../helpers/pinned-url.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF');

describe('isPrivateAddress', () => {
  const refused = [
    '127.0.0.1', '127.255.255.254', '0.0.0.0', '0.1.2.3', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1',
    '169.254.169.254', '100.64.0.1', '100.127.255.255', '224.0.0.1', '239.255.255.250', '255.255.255.255',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '[::1]',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1', '::127.0.0.1',
    '64:ff9b::a9fe:a9fe', '2002:7f00:1::', '0:0:0:0:0:ffff:192.168.0.1',
  ];
  const allowed = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '100.63.255.255', '169.255.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2002:808:808::'];
  test.each(refused)('%s is refused', (a) => expect(isPrivateAddress(a)).toBe(true));
  test.each(allowed)('%s is allowed', (a) => expect(isPrivateAddress(a)).toBe(false));
});

describe('pinnedTo: a fetch sent to the checked address', () => {
  // What pinning relies on in Bun's fetch: the Host header is sent as given, and with tls.serverName the
  // certificate is checked against the name, not the address in the URL.
  let server: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      tls: { cert: MEDIA_EXAMPLE_CERT, key: MEDIA_EXAMPLE_KEY },
      fetch: (req) => new Response(`host ${req.headers.get('host')}`),
    });
  });
  afterAll(() => server.stop(true));
  const trusted = (init: RequestInit): RequestInit => {
    const tls = (init as { tls?: object }).tls;
    return { ...init, tls: { ...tls, ca: MEDIA_EXAMPLE_CERT } } as RequestInit;
  };

  test('reaches the server at the address, which sees the name and proves it with its certificate', async () => {
    const { href, init } = pinnedTo(new URL(`https://media.example:${server.port}/cat.png`), '127.0.0.1');
    expect(href).toBe(`https://127.0.0.1:${server.port}/cat.png`);
    const res = await fetch(href, trusted(init));
    expect(await res.text()).toBe(`host media.example:${server.port}`);
  });

  test('a certificate for another name is still refused', async () => {
    const { href, init } = pinnedTo(new URL(`https://other.example:${server.port}/cat.png`), '127.0.0.1');
    const e = await fetch(href, trusted(init)).then(
      () => undefined,
      (x: unknown) => x as { code?: string },
    );
    expect(e?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('allow_private_media_urls setting', () => {
  const load = (flags: string[], env: Record<string, string> = {}) =>
    loadConfig({ flags: parseArgs(flags).flags, env, cwd: '/nonexistent' }).allowPrivateMediaUrls;

  test('off by default; on from the flag, the environment or config.yaml', async () => {
    expect(load([])).toBe(false);
    expect(load(['--allow-private-media-urls', 'true'])).toBe(true);
    expect(load([], { AIPROXY_ALLOW_PRIVATE_MEDIA_URLS: 'yes' })).toBe(true);
    expect(load(['--allow-private-media-urls', 'false'], { AIPROXY_ALLOW_PRIVATE_MEDIA_URLS: 'true' })).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-private-media-'));
    try {
      const file = join(dir, 'config.yaml');
      await Bun.write(file, 'allow_private_media_urls: true\n');
      expect(load(['--config', file])).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a value that is not a yes or no stops start-up naming its source', () => {
    expect(() => load(['--allow-private-media-urls', 'maybe'])).toThrow('--allow-private-media-urls: "maybe" is not true or false');
  });
});

/** One request carrying `part`, through inlineRemoteMedia with the given options. */
async function inline(part: ImagePart | FilePart, opts: Partial<InlineOptions>): Promise<ImagePart | FilePart> {
  const req: CanonicalRequest = canonicalRequest({ messages: [{ role: 'user', content: [part] }] });
  await inlineRemoteMedia(req, { fetch: opts.fetch ?? fetch, signal: new AbortController().signal, ...opts });
  return part;
}

const imageAt = (url: string): ImagePart => ({ type: 'image', source: { kind: 'url', url } });

describe('inlineRemoteMedia: the address check', () => {
  /** A fetch that records what it was asked for and answers from `routes`, never touching the network. */
  function fakeFetch(routes: Record<string, () => Response>): { fetch: typeof fetch; asked: string[]; connected: string[] } {
    const asked: string[] = [];
    const connected: string[] = [];
    const f = (async (input: string | URL | Request, init?: RequestInit) => {
      const { url, address, serverName } = pinnedRequest(input, init);
      asked.push(url);
      connected.push(address);
      expect(init?.redirect).toBe('manual');
      // A pinned https request still checks the certificate against the name.
      if (url.startsWith('https:')) expect(serverName ?? address).toBe(new URL(url).hostname);
      const route = routes[url];
      if (!route) throw new Error(`connect ECONNREFUSED ${url}`);
      return route();
    }) as typeof fetch;
    return { fetch: f, asked, connected };
  }
  const publicDns = async (host: string): Promise<string[]> => {
    if (host === 'media.example' || host === 'cdn.example') return ['93.184.216.34'];
    if (host === 'sneaky.example') return ['93.184.216.34', '127.0.0.1'];
    if (host === 'localhost') return resolveAll(host);
    throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  };

  test.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[::ffff:169.254.169.254]/',
    'http://2852039166/', // 169.254.169.254 as one number; the URL parser writes it out
    'http://0x7f.1:8080/admin',
    'http://[::1]:8080/',
    'http://0.0.0.0:8080/',
    'http://10.0.0.5/cat.png',
  ])('%s is refused without a connection attempt', async (url) => {
    const f = fakeFetch({});
    const e = await refusal(inline(imageAt(url), { fetch: f.fetch, resolve: publicDns }));
    expect(e.message).toBe(`refused: ${url} points to a private or loopback address`);
    expect(f.asked).toEqual([]);
  });

  test('a host name is refused when any of its addresses is private', async () => {
    const f = fakeFetch({});
    const e = await refusal(inline(imageAt('http://sneaky.example/cat.png'), { fetch: f.fetch, resolve: publicDns }));
    expect(e.message).toContain('points to a private or loopback address');
    expect(f.asked).toEqual([]);
  });

  test('localhost is refused through the real resolver', async () => {
    const f = fakeFetch({});
    const e = await refusal(inline(imageAt('http://localhost:1/cat.png'), { fetch: f.fetch }));
    expect(e.message).toBe('refused: http://localhost:1/cat.png points to a private or loopback address');
    expect(f.asked).toEqual([]);
  });

  test('a public host is fetched and inlined', async () => {
    const f = fakeFetch({ 'https://media.example/cat.png': () => new Response(PNG, { headers: { 'content-type': 'image/png' } }) });
    const part = await inline(imageAt('https://media.example/cat.png'), { fetch: f.fetch, resolve: publicDns });
    expect(part.source).toEqual({ kind: 'base64', mediaType: 'image/png', data: PNG.toString('base64') });
  });

  test('the fetch goes to the address that was checked, not to the name resolved again (DNS rebinding)', async () => {
    // The attacker's DNS answers the check with a public address and the connection with loopback.
    let lookups = 0;
    const rebinding = async (host: string): Promise<string[]> => (host === 'media.example' && lookups++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
    const f = fakeFetch({ 'https://media.example:8443/cat.png': () => new Response(PNG, { headers: { 'content-type': 'image/png' } }) });
    const part = await inline(imageAt('https://media.example:8443/cat.png'), { fetch: f.fetch, resolve: rebinding });
    expect(part.source).toMatchObject({ kind: 'base64', mediaType: 'image/png' });
    expect(f.connected).toEqual(['93.184.216.34']);
    expect(lookups).toBe(1);
  });

  test('an IPv6 answer is connected to as a bracketed address, the name kept as Host', () => {
    const { href, init } = pinnedTo(new URL('http://media.example/a.png?x=1'), '2606:4700::1111');
    expect(href).toBe('http://[2606:4700::1111]/a.png?x=1');
    expect(init).toEqual({ headers: { host: 'media.example' } });
  });

  test('a redirect from a public host to a loopback one is refused before it is followed', async () => {
    const f = fakeFetch({
      'https://media.example/cat.png': () => new Response(null, { status: 302, headers: { location: 'http://127.0.0.1:9/admin' } }),
    });
    const e = await refusal(inline(imageAt('https://media.example/cat.png'), { fetch: f.fetch, resolve: publicDns }));
    expect(e.message).toBe('refused: https://media.example/cat.png redirects to a private or loopback address');
    expect(f.asked).toEqual(['https://media.example/cat.png']);
  });

  test('a redirect to a name that resolves to loopback is refused too', async () => {
    const f = fakeFetch({
      'https://media.example/a': () => new Response(null, { status: 301, headers: { location: 'https://cdn.example/b' } }),
      'https://cdn.example/b': () => new Response(null, { status: 307, headers: { location: 'http://localhost:9/c' } }),
    });
    const e = await refusal(inline(imageAt('https://media.example/a'), { fetch: f.fetch, resolve: publicDns }));
    expect(e.message).toContain('redirects to a private or loopback address');
    expect(f.asked).toEqual(['https://media.example/a', 'https://cdn.example/b']);
  });

  test('redirects between public hosts are followed, relative ones included', async () => {
    const f = fakeFetch({
      'https://media.example/a': () => new Response(null, { status: 302, headers: { location: 'https://cdn.example/x/b' } }),
      'https://cdn.example/x/b': () => new Response(null, { status: 308, headers: { location: '../c.png' } }),
      'https://cdn.example/c.png': () => new Response(PNG, { headers: { 'content-type': 'image/png' } }),
    });
    const part = await inline(imageAt('https://media.example/a'), { fetch: f.fetch, resolve: publicDns });
    expect(part.source).toMatchObject({ kind: 'base64', mediaType: 'image/png' });
  });

  test('a redirect loop ends with a 400, not a hang', async () => {
    const f = fakeFetch({ 'https://media.example/loop': () => new Response(null, { status: 302, headers: { location: '/loop' } }) });
    const e = await refusal(inline(imageAt('https://media.example/loop'), { fetch: f.fetch, resolve: publicDns }));
    expect(e.message).toContain('redirects');
    expect(f.asked.length).toBe(6);
  });

  test('a redirect to another scheme is not followed', async () => {
    const f = fakeFetch({ 'https://media.example/a': () => new Response(null, { status: 302, headers: { location: 'file:///etc/passwd' } }) });
    const e = await refusal(inline(imageAt('https://media.example/a'), { fetch: f.fetch, resolve: publicDns }));
    expect(e.message).toContain('not http(s)');
  });

  test('network failures all read the same: no ECONNREFUSED, no ENOTFOUND', async () => {
    const f = fakeFetch({});
    const refusedConn = await refusal(inline(imageAt('https://media.example/x'), { fetch: f.fetch, resolve: publicDns }));
    expect(refusedConn.message).toBe('could not fetch image URL https://media.example/x');
    const unknownHost = await refusal(inline(imageAt('https://nowhere.example/x'), { fetch: f.fetch, resolve: publicDns }));
    expect(unknownHost.message).toBe('could not fetch image URL https://nowhere.example/x');
  });

  test('with allowPrivate, loopback and private hosts are fetched', async () => {
    const f = fakeFetch({ 'http://10.0.0.5/cat.png': () => new Response(PNG, { headers: { 'content-type': 'image/png' } }) });
    const part = await inline(imageAt('http://10.0.0.5/cat.png'), { fetch: f.fetch, allowPrivate: true });
    expect(part.source).toMatchObject({ kind: 'base64', mediaType: 'image/png' });
  });

  describe('a fetched document is labelled with the type it was served as', () => {
    // As the Anthropic decoder gives a URL document: assumed a PDF until fetched.
    const doc = (): FilePart => ({ type: 'file', source: { kind: 'url', url: 'https://media.example/doc', mediaType: 'application/pdf' } });
    const served = (body: Buffer | string, type?: string) =>
      fakeFetch({ 'https://media.example/doc': () => new Response(body, { headers: type ? { 'content-type': type } : {} }) }).fetch;

    test.each([
      ['text/plain; charset=utf-8', 'hello', 'text/plain'],
      ['text/html', '<p>x</p>', 'text/html'],
      ['application/pdf', PDF, 'application/pdf'],
      ['application/octet-stream', PNG, 'image/png'], // the bytes say what a generic type does not
      ['application/octet-stream', 'no magic here', 'application/pdf'], // nothing better than the declared type
      [undefined, 'no magic here', 'application/pdf'],
      ['not a type', 'no magic here', 'application/pdf'],
    ])('served as %p', async (type, body, want) => {
      const part = await inline(doc(), { fetch: served(typeof body === 'string' ? Buffer.from(body) : body, type), resolve: publicDns });
      expect(part.source).toMatchObject({ kind: 'base64', mediaType: want });
    });
  });
});

describe('through the proxy to gemini-cli', () => {
  let gemini: GeminiMock;
  let strict: TestProxy;
  let open: TestProxy;
  let internal: ReturnType<typeof Bun.serve>;
  let internalHits: string[];
  let closedPort: number;

  beforeAll(async () => {
    gemini = await startGeminiMock();
    const flags = ['--model-provider', 'gemini-cli', '--gemini-base-url', gemini.url, '--gemini-api-key', gemini.key];
    [strict, open] = await Promise.all([startProxy(flags), startProxy([...flags, '--allow-private-media-urls', 'true'])]);
    internalHits = [];
    internal = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(req) {
        const path = new URL(req.url).pathname;
        internalHits.push(path);
        if (path === '/hop') return new Response(null, { status: 302, headers: { location: '/cat.png' } });
        if (path === '/cat.png') return new Response(PNG, { headers: { 'content-type': 'image/png' } });
        if (path === '/notes.txt') return new Response('plain notes', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
        return new Response('INTERNAL-SECRET admin_token=abc123', { headers: { 'content-type': 'text/plain' } });
      },
    });
    // A port nothing listens on: bound, read, released.
    const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    closedPort = probe.port!;
    await probe.stop(true);
  });
  afterAll(async () => {
    await Promise.all([strict.stop(), open.stop(), gemini.stop(), internal.stop(true)]);
  });

  const send = (p: TestProxy, content: unknown[], path = '/gemini-cli/v1/messages') =>
    fetch(`${p.url}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': p.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', max_tokens: 32, messages: [{ role: 'user', content }] }),
    });
  const lastParts = (): Array<Record<string, unknown>> =>
    (gemini.calls.at(-1)!.body as { contents: Array<{ parts: Array<Record<string, unknown>> }> }).contents.at(-1)!.parts;

  test('by default a loopback URL is a 400 and neither the internal server nor the upstream hears anything', async () => {
    const before = gemini.calls.length;
    internalHits.length = 0;
    const url = `http://127.0.0.1:${internal.port}/admin/secret`;
    const res = await send(strict, [{ type: 'document', source: { type: 'url', url } }, { type: 'text', text: 'summarize' }]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe(`refused: ${url} points to a private or loopback address`);
    expect(gemini.calls.length).toBe(before);
    expect(internalHits).toEqual([]);
  });

  test('counting tokens is refused the same way', async () => {
    const before = gemini.calls.length;
    const url = `http://localhost:${internal.port}/admin`;
    const res = await send(strict, [{ type: 'image', source: { type: 'url', url } }], '/gemini-cli/v1/messages/count_tokens');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('points to a private or loopback address');
    expect(gemini.calls.length).toBe(before);
  });

  test('169.254.169.254 (cloud metadata) is refused', async () => {
    const res = await send(strict, [{ type: 'image', source: { type: 'url', url: 'http://169.254.169.254/latest/meta-data/' } }]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('refused: http://169.254.169.254/latest/meta-data/ points to a private or loopback address');
  });

  test('with --allow-private-media-urls the loopback image is fetched, redirects included', async () => {
    internalHits.length = 0;
    const res = await send(open, [{ type: 'image', source: { type: 'url', url: `http://127.0.0.1:${internal.port}/hop` } }, { type: 'text', text: 'what?' }]);
    expect(res.status).toBe(200);
    expect(internalHits).toEqual(['/hop', '/cat.png']);
    expect(lastParts()[0]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } });
  });

  test('an Anthropic URL document keeps the type it was served as, not an assumed PDF', async () => {
    const res = await send(open, [{ type: 'document', source: { type: 'url', url: `http://127.0.0.1:${internal.port}/notes.txt` } }, { type: 'text', text: 'sum' }]);
    expect(res.status).toBe(200);
    expect(lastParts()[0]).toEqual({ inlineData: { mimeType: 'text/plain', data: Buffer.from('plain notes').toString('base64') } });
  });

  test('a closed port says only that the URL could not be fetched', async () => {
    const url = `http://127.0.0.1:${closedPort}/`;
    const res = await send(open, [{ type: 'image', source: { type: 'url', url } }]);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect((JSON.parse(text) as { error: { message: string } }).error.message).toBe(`could not fetch image URL ${url}`);
    expect(text).not.toMatch(/ECONNREFUSED|refused|connect/i);
  });
});
