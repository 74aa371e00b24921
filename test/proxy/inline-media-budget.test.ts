/**
 * One request's media URLs, fetched for Gemini, must not be able to make the proxy download and hold
 * much more than Gemini would take inline: at most 16 URL parts and 20 MB together, each URL fetched
 * once (however often it appears, however many failover attempts), a few at a time, and a body read
 * no further than the budget.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalRequest, ImagePart, Part } from '../../src/core/index.ts';
import { inlineRemoteMedia } from '../../src/proxy/inline-media.ts';
import { canonicalRequest } from '../helpers/canonical.ts';
import { googleError, startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { refusal } from '../helpers/media-refusal.ts';
import { pinnedRequest } from '../helpers/pinned-url.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const MB = 1024 * 1024;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * A media server in memory: every URL answers a PNG of `size` bytes, streamed in 256 KB chunks as they
 * are pulled, so `sent` counts what a reader actually took; `inFlight` peaks at the downloads open at once.
 */
function mediaServer(size: (url: string) => number, opts: { delayMs?: number; declareLength?: boolean } = {}) {
  const stats = { asked: [] as string[], sent: 0, inFlight: 0, maxInFlight: 0 };
  const chunk = new Uint8Array(256 * 1024).fill(0x41);
  chunk.set(PNG_MAGIC);
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const { url } = pinnedRequest(input, init);
    stats.asked.push(url);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const total = size(url);
    let left = total;
    let open = true;
    const done = (): void => {
      if (open) stats.inFlight--;
      open = false;
    };
    if (opts.delayMs) await Bun.sleep(opts.delayMs);
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (left <= 0) {
            done();
            return c.close();
          }
          const piece = chunk.subarray(0, Math.min(chunk.byteLength, left));
          left -= piece.byteLength;
          stats.sent += piece.byteLength;
          c.enqueue(piece);
        },
        cancel: done,
      },
      { highWaterMark: 0 },
    );
    const headers: Record<string, string> = { 'content-type': 'image/png' };
    if (opts.declareLength) headers['content-length'] = String(total);
    return new Response(body, { headers });
  }) as typeof fetch;
  return { fetch: fetchFn, stats };
}

const image = (url: string): ImagePart => ({ type: 'image', source: { kind: 'url', url } });
const request = (content: Part[]): CanonicalRequest => canonicalRequest({ messages: [{ role: 'user', content }] });
const publicDns = async (): Promise<string[]> => ['93.184.216.34'];

describe('inlineRemoteMedia: one budget per request', () => {
  test('more than 16 URL parts is a 400 before anything is fetched', async () => {
    const media = mediaServer(() => 100);
    const req = request(Array.from({ length: 17 }, (_, i) => image(`https://media.example/${i}.png`)));
    const e = await refusal(inlineRemoteMedia(req, { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns }));
    expect(e.message).toBe('at most 16 media URLs per request (this one has 17)');
    expect(media.stats.asked).toEqual([]);
  });

  test('the same URL 17 times counts 17 parts: each is sent to the upstream', async () => {
    const media = mediaServer(() => 100);
    const req = request(Array.from({ length: 17 }, () => image('https://media.example/same.png')));
    const e = await refusal(inlineRemoteMedia(req, { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns }));
    expect(e.message).toContain('at most 16 media URLs per request');
    expect(media.stats.asked).toEqual([]);
  });

  test('16 URLs are all fetched, never more than 4 at once', async () => {
    const media = mediaServer(() => 1000, { delayMs: 5 });
    const parts = Array.from({ length: 16 }, (_, i) => image(`https://media.example/${i}.png`));
    await inlineRemoteMedia(request(parts), { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns });
    expect(media.stats.asked).toHaveLength(16);
    expect(media.stats.maxInFlight).toBe(4);
    expect(parts.every((p) => p.source.kind === 'base64' && p.source.mediaType === 'image/png')).toBe(true);
  });

  test('a URL repeated (in tool results too) is fetched once and its parts share the bytes', async () => {
    const media = mediaServer(() => 3000);
    const url = 'https://media.example/cat.png';
    const parts: Part[] = [image(url), { type: 'text', text: 'and again' }, image(url)];
    const inResult = { type: 'tool_result' as const, callId: 'call_1', name: 'look', content: [image(url)] };
    const req = request([...parts, inResult]);
    await inlineRemoteMedia(req, { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns });
    expect(media.stats.asked).toEqual([url]);
    const inlined = [parts[0], parts[2], inResult.content[0]] as ImagePart[];
    const data = inlined.map((p) => (p.source.kind === 'base64' ? p.source.data : undefined));
    expect(data[0]).toBeDefined();
    expect(Buffer.from(data[0]!, 'base64').byteLength).toBe(3000);
    expect(new Set(data).size).toBe(1);
  });

  test('over 20 MB together is a 400 naming the limit, and reading stops there', async () => {
    // Three 8 MB images: each is under the per-URL cap, together 24 MB.
    const media = mediaServer(() => 8 * MB);
    const req = request([0, 1, 2].map((i) => image(`https://media.example/${i}.png`)));
    const e = await refusal(inlineRemoteMedia(req, { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns }));
    expect(e.message).toBe("media URLs in one request may add at most 20 MB (Gemini's inline limit); this one needs more");
    // Read up to the limit, then at most one chunk per download past it: never the full 24 MB.
    expect(media.stats.sent).toBeGreaterThan(20 * MB);
    expect(media.stats.sent).toBeLessThanOrEqual(20 * MB + 3 * 256 * 1024);
    expect(media.stats.inFlight).toBe(0);
  });

  test('a URL repeated counts once per part: 4 × 6 MB stops after a quarter of the bytes', async () => {
    const media = mediaServer(() => 6 * MB);
    const req = request(Array.from({ length: 4 }, () => image('https://media.example/big.png')));
    const e = await refusal(inlineRemoteMedia(req, { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns }));
    expect(e.message).toContain('may add at most 20 MB');
    expect(media.stats.asked).toHaveLength(1);
    expect(media.stats.sent).toBeLessThanOrEqual(5 * MB + 256 * 1024);
  });

  test('a declared length over the budget is refused before the body is read', async () => {
    const media = mediaServer(() => 6 * MB, { declareLength: true });
    const req = request(Array.from({ length: 4 }, () => image('https://media.example/big.png')));
    const e = await refusal(inlineRemoteMedia(req, { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns }));
    expect(e.message).toContain('may add at most 20 MB');
    expect(media.stats.sent).toBe(0);
  });

  test('exactly 20 MB together passes', async () => {
    const media = mediaServer(() => 5 * MB);
    const parts = [0, 1, 2, 3].map((i) => image(`https://media.example/${i}.png`));
    await inlineRemoteMedia(request(parts), { fetch: media.fetch, signal: new AbortController().signal, resolve: publicDns });
    expect(media.stats.sent).toBe(20 * MB);
    expect(parts.every((p) => p.source.kind === 'base64')).toBe(true);
  });

  test('with the same request object, a second call (a failover attempt) fetches nothing again', async () => {
    const media = mediaServer(() => 2000);
    const client = new Request('http://proxy.local/v1/chat/completions', { method: 'POST' });
    const build = () => request([image('https://media.example/a.png'), image('https://media.example/b.png'), image('https://media.example/a.png')]);
    const first = build();
    const second = build();
    const opts = { fetch: media.fetch, signal: client.signal, resolve: publicDns, request: client };
    await inlineRemoteMedia(first, opts);
    await inlineRemoteMedia(second, opts);
    expect(media.stats.asked.sort()).toEqual(['https://media.example/a.png', 'https://media.example/b.png']);
    expect(second.messages[0]!.content).toEqual(first.messages[0]!.content);
  });
});

describe('through the proxy: a failover attempt reuses what the first one fetched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-media-budget-'));
  let a: GeminiMock;
  let b: GeminiMock;
  let proxy: TestProxy;
  const mediaAsked: string[] = [];
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

  beforeAll(async () => {
    [a, b] = await Promise.all([startGeminiMock(), startGeminiMock()]);
    const member = (name: string, m: GeminiMock) => `    - {name: ${name}, api_key: ${m.key}, base_url: "${m.url}"}\n`;
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `model_providers: [gemini-cli]\npool: {strategy: fill_first}\nprovider_pools:\n  gemini-cli:\n${member('a', a)}${member('b', b)}`);
    // 203.0.113.7 is a public literal (no DNS); its answers come from here, the mocks' from the network.
    const net = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.startsWith('http://203.0.113.7/')) {
        mediaAsked.push(url);
        return new Response(PNG, { headers: { 'content-type': 'image/png' } });
      }
      return fetch(input, init);
    }) as typeof fetch;
    proxy = await startProxy(['--config', file], { fetch: net });
  });
  afterAll(async () => {
    await Promise.all([proxy.stop(), a.stop(), b.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const client = () => new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const withImages = (urls: string[]) =>
    client().chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'compare' }, ...urls.map((url) => ({ type: 'image_url' as const, image_url: { url } }))] }],
    });
  const inlineParts = (m: GeminiMock) =>
    (m.calls.at(-1)!.body as { contents: Array<{ parts: Array<Record<string, unknown>> }> }).contents.at(-1)!.parts.filter((p) => 'inlineData' in p);

  test('first member 500, second answers: each URL fetched once, both members sent the same bytes', async () => {
    a.queue({ error: { status: 500, body: googleError(500, 'Internal error encountered.') } });
    const one = 'http://203.0.113.7/one.png';
    const two = 'http://203.0.113.7/two.png';
    const res = await withImages([one, two, one]);
    expect(res.choices[0]!.message.content).toContain('heard');
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    expect(mediaAsked.sort()).toEqual([one, two]);
    const want = { inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } };
    expect(inlineParts(a)).toEqual([want, want, want]);
    expect(inlineParts(b)).toEqual([want, want, want]);
  });

  test("too many URLs is a 400 in the client's protocol and reaches no upstream", async () => {
    const before = [a.calls.length, b.calls.length, mediaAsked.length];
    const err = await withImages(Array.from({ length: 17 }, (_, i) => `http://203.0.113.7/${i}.png`)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('at most 16 media URLs per request (this one has 17)');
    expect([a.calls.length, b.calls.length, mediaAsked.length]).toEqual(before);
  });
});
