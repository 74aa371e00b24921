import type { UpstreamRequest } from '../providers/types.ts';
import { blankOut, MIN_SECRET_LENGTH, REDACTED } from '../util/redact.ts';

/** Headers that carry an upstream credential. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'proxy-authorization'];
const BEARER = /^(?:Bearer|Basic)\s+/i;
/**
 * A key echoed with most of it starred out, as OpenAI does ("Incorrect API key provided: sk-proj-***…1234"):
 * even the visible ends narrow a key down, so the whole token goes.
 */
const MASKED_KEY = /[A-Za-z0-9_-]*\*{4,}[A-Za-z0-9_-]*/g;

/** The credentials an upstream request carries: auth header values and a `key` query parameter. */
export function credentialsOf(req: UpstreamRequest): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (!CREDENTIAL_HEADERS.includes(name.toLowerCase())) continue;
    const bare = value.replace(BEARER, '').trim();
    if (bare) out.push(bare);
  }
  const q = req.url.indexOf('?');
  if (q >= 0) {
    const key = new URLSearchParams(req.url.slice(q + 1)).get('key');
    if (key) out.push(key);
  }
  return out;
}

/**
 * Text an upstream sent back (an error body) with the credentials it may echo blanked out: every given
 * secret wherever it appears (also JSON-escaped), and any starred-out key.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  // Each secret as it is, then as it reads inside a JSON string (quotes and backslashes escaped).
  const escaped = secrets.map((s) => JSON.stringify(s).slice(1, -1)).filter((e, i) => e !== secrets[i]);
  const out = blankOut(blankOut(text, secrets), escaped);
  return out.includes('****') ? out.replace(MASKED_KEY, REDACTED) : out;
}

/**
 * A piece of what goes back to the client (a stream's chunk, a relayed answer's), blanked of `secrets`:
 * an upstream may echo a key inside a 200, as an in-band error event or a JSON error body, which is not
 * the error body callUpstream scrubs. A byte search per secret when nothing is found, the usual case. A
 * secret a relayed stream splits across two chunks is not seen; an upstream writes an error event whole.
 */
export function scrubChunk<T extends string | Uint8Array>(data: T, secrets: readonly string[]): T {
  if (typeof data === 'string') return (secrets.some((s) => s.length >= MIN_SECRET_LENGTH && data.includes(s)) ? scrubSecrets(data, secrets) : data) as T;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!secrets.some((s) => s.length >= MIN_SECRET_LENGTH && buf.includes(s))) return data;
  return Buffer.from(scrubSecrets(buf.toString('utf8'), secrets)) as Uint8Array as T;
}

/** A relayed answer's body, each chunk blanked of `secrets` (scrubChunk). */
export function scrubbedBody(body: ReadableStream<Uint8Array>, secrets: readonly string[]): ReadableStream<Uint8Array> {
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => c.enqueue(scrubChunk(chunk, secrets)) }));
}
