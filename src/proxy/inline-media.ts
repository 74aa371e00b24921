import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ProxyError } from '../core/errors.ts';
import type { CanonicalRequest, FilePart, ImagePart, Part } from '../core/index.ts';
import { sniffMediaType } from '../util/base64-media.ts';
import { bareHost, isPrivateAddress } from './media-address.ts';
import { MediaBudget, fetchedFor, runLimited, type Fetched } from './media-budget.ts';

const MAX_BYTES = 20 * 1024 * 1024;
/**
 * What all of one request's URLs may add together: Gemini's documented size for a request carrying
 * inline data (ai.google.dev/gemini-api/docs/image-understanding and /document-processing: inline only
 * while the whole request stays under 20 MB; larger files go through the Files API). Google announced
 * 100 MB (base64) for the Gemini API in January 2026 (blog.google, "Increased file size limits and
 * expanded inputs support in Gemini API"), but not for every backend a gemini-cli member reaches; and
 * counted per request rather than per URL, this is what bounds the proxy's memory for one request.
 */
const MAX_TOTAL_BYTES = 20 * 1024 * 1024;
/**
 * Parts, not bytes: many tiny URLs cost a DNS lookup, a connection and a timeout each, and a request
 * with more images than this is far beyond what chat clients send (a handful of screenshots or pages).
 */
const MAX_URL_PARTS = 16;
/** Enough to hide the latency of a few images, while one request cannot open many connections or buffer many bodies at once. */
const PARALLEL_FETCHES = 4;
const TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A host name's addresses, every one of them. */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveAll: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

export interface InlineOptions {
  fetch: typeof fetch;
  signal: AbortSignal;
  /** config allow_private_media_urls: loopback and private-network hosts may be fetched. */
  allowPrivate?: boolean;
  /** Tests give a host a public address without a real DNS answer. */
  resolve?: Resolve;
  /**
   * The client's request. Each failover attempt decodes the body afresh; keyed by this, the media
   * downloaded for the first attempt serves the others instead of being fetched again.
   */
  request?: object;
  maxBytes?: number;
  maxTotalBytes?: number;
  maxUrlParts?: number;
  timeoutMs?: number;
}

type UrlPart = ImagePart | FilePart;

/**
 * The Gemini API cannot fetch arbitrary URLs (fileData wants Files-API or Cloud Storage URIs), so http(s)
 * images and files are downloaded here and sent inline. Bounded per URL and per request, in size, count
 * and time; each URL once, a few at a time.
 */
export async function inlineRemoteMedia(req: CanonicalRequest, opts: InlineOptions): Promise<void> {
  const byUrl = new Map<string, UrlPart[]>();
  let count = 0;
  const visit = (parts: Part[]): void => {
    for (const p of parts) {
      if ((p.type === 'image' || p.type === 'file') && p.source.kind === 'url' && /^https?:\/\//i.test(p.source.url)) {
        count++;
        const same = byUrl.get(p.source.url);
        if (same) same.push(p);
        else byUrl.set(p.source.url, [p]);
      } else if (p.type === 'tool_result') {
        visit(p.content);
      }
    }
  };
  for (const m of req.messages) visit(m.content);
  if (count === 0) return;
  const maxParts = opts.maxUrlParts ?? MAX_URL_PARTS;
  if (count > maxParts) {
    throw new ProxyError({ kind: 'invalid_request', message: `at most ${maxParts} media URLs per request (this one has ${count})` });
  }
  const cache = cacheFor(opts.request);
  const budget = new MediaBudget(opts.maxTotalBytes ?? MAX_TOTAL_BYTES);
  // One failure ends the request: the downloads still running are stopped rather than read to the end.
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  const jobs = [...byUrl].map(([url, parts]) => async (): Promise<void> => {
    // Every part carrying the URL carries its bytes to the upstream, so each counts against the budget.
    const share = budget.share(parts.length);
    let pending = cache.get(url);
    if (pending) {
      share.take((await pending).size);
    } else {
      const fetching = fetchOne(url, parts[0]!.type, { ...opts, signal }, share);
      pending = fetching;
      cache.set(url, fetching);
      fetching.catch(() => {
        if (cache.get(url) === fetching) cache.delete(url);
      });
    }
    const got = await pending;
    for (const part of parts) inlineInto(part, url, got);
  });
  await runLimited(jobs, PARALLEL_FETCHES, () => stop.abort());
}

/** Without a request to key on (tests, one-off callers), nothing outlives the call. */
function cacheFor(request: object | undefined): Map<string, Promise<Fetched>> {
  if (!request) return new Map();
  let cache = fetchedFor.get(request);
  if (!cache) fetchedFor.set(request, (cache = new Map()));
  return cache;
}

function inlineInto(part: UrlPart, url: string, got: Fetched): void {
  // What the server says the bytes are beats what the client guessed (an Anthropic URL document is
  // assumed to be a PDF before anyone has looked); object stores often say only application/octet-stream
  // (or nothing), and then the bytes themselves say it.
  const mediaType = got.mediaType ?? (part.source.kind === 'url' ? part.source.mediaType : undefined) ?? 'application/octet-stream';
  if (part.type === 'image' && !mediaType.startsWith('image/')) {
    throw new ProxyError({ kind: 'invalid_request', message: `could not fetch ${part.type} URL ${url}: not an image (${mediaType})` });
  }
  part.source = { kind: 'base64', mediaType, data: got.data };
}

async function fetchOne(url: string, what: UrlPart['type'], opts: InlineOptions, share: ReturnType<MediaBudget['share']>): Promise<Fetched> {
  const maxBytes = opts.maxBytes ?? MAX_BYTES;
  const fail = (why: string): never => {
    throw new ProxyError({ kind: 'invalid_request', message: `could not fetch ${what} URL ${url}: ${why}` });
  };
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS)]);
  const res = await fetchChecked(url, what, opts, signal);
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    return fail(`HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    res.body?.cancel().catch(() => {});
    return fail(`larger than ${maxBytes} bytes`);
  }
  if (declared > 0 && !share.fits(declared)) {
    res.body?.cancel().catch(() => {});
    throw share.exceeded();
  }
  if (!res.body) return fail('empty response');
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      throw unreachable(what, url);
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      return fail(`larger than ${maxBytes} bytes`);
    }
    try {
      share.take(chunk.value.byteLength);
    } catch (e) {
      reader.cancel().catch(() => {});
      throw e;
    }
    chunks.push(chunk.value);
  }
  const bytes = Buffer.concat(chunks);
  chunks.length = 0;
  return { mediaType: servedType(res.headers.get('content-type')) ?? sniffMediaType(bytes), data: bytes.toString('base64'), size };
}

/**
 * One network failure message for every cause: "connection refused" against "timed out" against "no such
 * host" would tell a client which internal ports are open.
 */
function unreachable(what: string, url: string): ProxyError {
  return new ProxyError({ kind: 'invalid_request', message: `could not fetch ${what} URL ${url}` });
}

/**
 * GETs the URL, following redirects here rather than in fetch so that every hop's host is checked
 * before it is connected to: a public URL must not be able to bounce the proxy onto 127.0.0.1.
 */
async function fetchChecked(url: string, what: string, opts: InlineOptions, signal: AbortSignal): Promise<Response> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw unreachable(what, url);
  }
  for (let hop = 0; ; hop++) {
    let target: { href: string; init: RequestInit } = { href: current.href, init: {} };
    if (!opts.allowPrivate) {
      const address = await checkedAddress(current, opts.resolve ?? resolveAll, signal, () => unreachable(what, url));
      if (address === undefined) {
        const how = hop === 0 ? 'points' : 'redirects';
        throw new ProxyError({ kind: 'invalid_request', message: `refused: ${url} ${how} to a private or loopback address` });
      }
      target = pinnedTo(current, address);
    }
    let res: Response;
    try {
      res = await opts.fetch(target.href, { ...target.init, signal, redirect: 'manual' });
    } catch {
      throw unreachable(what, url);
    }
    const location = REDIRECTS.has(res.status) ? res.headers.get('location') : null;
    if (location === null) return res;
    res.body?.cancel().catch(() => {});
    const fail = (why: string): ProxyError =>
      new ProxyError({ kind: 'invalid_request', message: `could not fetch ${what} URL ${url}: ${why}` });
    if (hop === MAX_REDIRECTS) throw fail(`more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw fail('redirected to an invalid URL');
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw fail('redirected to a URL that is not http(s)');
    current = next;
  }
}

/**
 * The address to connect to for `u`, once checked; undefined when the host is, or resolves to, an
 * address the proxy must not fetch for a client. Every address counts: a name with one public and one
 * loopback answer could be connected to either.
 */
async function checkedAddress(u: URL, resolve: Resolve, signal: AbortSignal, unreachableError: () => ProxyError): Promise<string | undefined> {
  const host = bareHost(u.hostname);
  if (isIP(host.replace(/%.*$/, ''))) return isPrivateAddress(host) ? undefined : host;
  let addresses: string[];
  try {
    addresses = await abortable(resolve(host), signal);
  } catch {
    throw unreachableError();
  }
  if (addresses.length === 0) throw unreachableError();
  return addresses.some(isPrivateAddress) ? undefined : addresses[0];
}

/**
 * The request for `u` sent to the address that was checked rather than to its name, which fetch would
 * resolve again: a DNS answer that changes in between (rebinding) cannot take the fetch inside. The
 * name still goes as Host and, for https, as the TLS server name the certificate is checked against.
 */
export function pinnedTo(u: URL, address: string): { href: string; init: RequestInit } {
  if (address === bareHost(u.hostname)) return { href: u.href, init: {} };
  const pinned = new URL(u.href);
  pinned.hostname = isIP(address) === 6 ? `[${address}]` : address;
  const tls = u.protocol === 'https:' ? { tls: { serverName: u.hostname } } : {};
  return { href: pinned.href, init: { headers: { host: u.host }, ...tls } as RequestInit };
}

/** dns.lookup takes no signal; the request's deadline still bounds the wait for it. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A content-type header's media type, unless it is missing, malformed or only says "some bytes". */
function servedType(header: string | null): string | undefined {
  const t = header?.split(';')[0]?.trim().toLowerCase();
  if (!t || !/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(t)) return undefined;
  return t.endsWith('/octet-stream') ? undefined : t;
}
