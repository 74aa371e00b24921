import { ProxyError } from '../core/errors.ts';
import type { CanonicalRequest, FilePart, ImagePart, Part } from '../core/index.ts';

const MAX_BYTES = 20 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

export interface InlineOptions {
  fetch: typeof fetch;
  signal: AbortSignal;
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
  let res: Response;
  try {
    res = await opts.fetch(url, { signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS)]) });
  } catch (e) {
    return fail((e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message);
  }
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
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      return fail(`larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = Buffer.concat(chunks);
  const declaredType = res.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  // Object stores often serve images as application/octet-stream (or nothing); the bytes say what they are.
  const generic = !declaredType || declaredType.endsWith('/octet-stream');
  const mediaType = part.source.mediaType ?? (generic ? sniff(bytes) : declaredType) ?? 'application/octet-stream';
  if (part.type === 'image' && !mediaType.startsWith('image/')) return fail(`not an image (${mediaType})`);
  part.source = { kind: 'base64', mediaType, data: bytes.toString('base64') };
}

/** The media type named by a file's magic number, for the formats models take. */
function sniff(b: Buffer): string | undefined {
  const ascii = (at: number, s: string): boolean => b.toString('latin1', at, at + s.length) === s;
  if (ascii(0, '\x89PNG')) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 'GIF8')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(0, '%PDF-')) return 'application/pdf';
  return undefined;
}
