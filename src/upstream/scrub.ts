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
 * What an echoed key comes inside: an error of some shape ("error", "Error", an `event: error`). Chunks
 * without it (nearly all: a stream's deltas) are let through on this one short search.
 */
const ERROR_MARK = 'rror';
const ERROR_MARK_BYTES = Buffer.from(ERROR_MARK);
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: Uint8Array) => number;

/**
 * A piece of what goes back to the client (a stream's chunk, a relayed answer), blanked of `secrets`:
 * an upstream may echo a key inside a 200, as an in-band error event or a JSON error body, which is not
 * the error body callUpstream scrubs. A secret a relayed stream splits across two chunks is not seen;
 * an upstream writes an error event whole.
 */
export function scrubChunk<T extends string | Uint8Array>(data: T, secrets: readonly string[]): T {
  if (typeof data === 'string') {
    if (!data.includes(ERROR_MARK) || !secrets.some((s) => s.length >= MIN_SECRET_LENGTH && data.includes(s))) return data;
    return scrubSecrets(data, secrets) as T;
  }
  // Buffer's search on the chunk as it is: a Buffer view of it first cost more than the search.
  if (indexOf.call(data, ERROR_MARK_BYTES) < 0) return data;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!secrets.some((s) => s.length >= MIN_SECRET_LENGTH && buf.includes(s))) return data;
  return Buffer.from(scrubSecrets(buf.toString('utf8'), secrets)) as Uint8Array as T;
}
