import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ProxyError } from '../core/errors.ts';
import type { CanonicalRequest, FilePart, ImagePart, Part } from '../core/index.ts';
import { sniffMediaType } from '../util/base64-media.ts';
import { bareHost, isPrivateAddress } from './media-address.ts';

const MAX_BYTES = 20 * 1024 * 1024;
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
  maxBytes?: number;
  timeoutMs?: number;
}

/**
 * The Gemini API cannot fetch arbitrary URLs (fileData wants Files-API or Cloud Storage URIs), so http(s)
 * images and files are downloaded here and sent inline. Bounded in size and time; all in parallel.
 */
export async function inlineRemoteMedia(req: CanonicalRequest, opts: InlineOptions): Promise<void> {
  const jobs: Promise<void>[] = [];
  const visit = (parts: Part[]): void => {
    for (const p of parts) {
      if ((p.type === 'image' || p.type === 'file') && p.source.kind === 'url' && /^https?:\/\//i.test(p.source.url)) {
        jobs.push(inlineOne(p, opts));
      } else if (p.type === 'tool_result') {
        visit(p.content);
      }
    }
  };
  for (const m of req.messages) visit(m.content);
  if (jobs.length) await Promise.all(jobs);
}

async function inlineOne(part: ImagePart | FilePart, opts: InlineOptions): Promise<void> {
  if (part.source.kind !== 'url') return;
  const url = part.source.url;
  const maxBytes = opts.maxBytes ?? MAX_BYTES;
  const fail = (why: string): never => {
    throw new ProxyError({ kind: 'invalid_request', message: `could not fetch ${part.type} URL ${url}: ${why}` });
  };
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS)]);
  const res = await fetchChecked(url, part.type, opts, signal);
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    return fail(`HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    res.body?.cancel().catch(() => {});
    return fail(`larger than ${maxBytes} bytes`);
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
      throw unreachable(part.type, url);
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      return fail(`larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  const bytes = Buffer.concat(chunks);
  // What the server says the bytes are beats what the client guessed (an Anthropic URL document is
  // assumed to be a PDF before anyone has looked); object stores often say only application/octet-stream
  // (or nothing), and then the bytes themselves say it.
  const mediaType = servedType(res.headers.get('content-type')) ?? sniffMediaType(bytes) ?? part.source.mediaType ?? 'application/octet-stream';
  if (part.type === 'image' && !mediaType.startsWith('image/')) return fail(`not an image (${mediaType})`);
  part.source = { kind: 'base64', mediaType, data: bytes.toString('base64') };
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
    if (!opts.allowPrivate && (await pointsInside(current, opts.resolve ?? resolveAll, signal, () => unreachable(what, url)))) {
      const how = hop === 0 ? 'points' : 'redirects';
      throw new ProxyError({ kind: 'invalid_request', message: `refused: ${url} ${how} to a private or loopback address` });
    }
    let res: Response;
    try {
      res = await opts.fetch(current.href, { signal, redirect: 'manual' });
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
 * True when the URL's host is, or resolves to, an address the proxy must not fetch for a client. Every
 * address counts: a name with one public and one loopback answer could be connected to either.
 */
async function pointsInside(u: URL, resolve: Resolve, signal: AbortSignal, unreachableError: () => ProxyError): Promise<boolean> {
  const host = bareHost(u.hostname);
  if (isIP(host.replace(/%.*$/, ''))) return isPrivateAddress(host);
  let addresses: string[];
  try {
    addresses = await abortable(resolve(host), signal);
  } catch {
    throw unreachableError();
  }
  if (addresses.length === 0) throw unreachableError();
  return addresses.some(isPrivateAddress);
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
