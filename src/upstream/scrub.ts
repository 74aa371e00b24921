import type { UpstreamRequest } from '../providers/types.ts';
import { blankOut, REDACTED } from '../util/redact.ts';

/** Headers that carry an upstream credential. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'proxy-authorization']);
const BEARER = /^(?:Bearer|Basic)\s+/i;
/**
 * A key echoed with most of it starred out, as OpenAI does ("Incorrect API key provided: sk-proj-***…1234"):
 * even the visible ends narrow a key down, so the whole token goes.
 */
const MASKED_KEY = /[A-Za-z0-9_-]*\*{4,}[A-Za-z0-9_-]*/g;

/** The credentials an upstream request carries: auth header values and a `key` query parameter. */
export function credentialsOf(req: UpstreamRequest): string[] {
  const out: string[] = [];
  // Every upstream call's path: no entry arrays.
  for (const name in req.headers) {
    if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) continue;
    const bare = req.headers[name]!.replace(BEARER, '').trim();
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
  const out = blankSecrets(text, secrets);
  return out.includes('****') ? out.replace(MASKED_KEY, REDACTED) : out;
}

/** `text` with each secret blanked out as it is, and as it reads inside a JSON string (quotes and backslashes escaped). */
function blankSecrets(text: string, secrets: readonly string[]): string {
  const escaped = secrets.map((s) => JSON.stringify(s).slice(1, -1)).filter((e, i) => e !== secrets[i]);
  return blankOut(blankOut(text, secrets), escaped);
}

/**
 * What an error says it is, as JSON keys and event names are written (inside a JSON string their quotes
 * would be escaped: a model's text about errors never matches): `"error":{…}` or `"error":"…"` (OpenAI,
 * Gemini and compatible relays), `"type":"error"` (Anthropic), `event: error`. `"error":null`, in every
 * Responses event, is none. The first search for "rror" lets nearly every chunk through on its own.
 */
const SHAPES = ['"error":{', '"error": {', '"error":"', '"error": "', '"type":"error"', '"type": "error"', 'event: error', 'event:error'];
const SHAPE_BYTES = SHAPES.map((shape) => Buffer.from(shape));
const MARK = 'rror';
const MARK_BYTES = Buffer.from(MARK);
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: Uint8Array) => number;

function holdsError(data: string | Uint8Array): boolean {
  if (typeof data === 'string') return data.includes(MARK) && SHAPES.some((shape) => data.includes(shape));
  return indexOf.call(data, MARK_BYTES) >= 0 && SHAPE_BYTES.some((shape) => indexOf.call(data, shape) >= 0);
}

/**
 * A stream's chunk on its way to the client, blanked of `secrets` when it holds an error: an upstream may
 * echo a key inside a 200, as an in-band error event, which is not the error body callUpstream scrubs.
 * Only errors: an answer may rightly hold a configured key's text (a local server's placeholder key,
 * "lm-studio" or "sk-no-key-required", in an answer on setting it up). A secret a relayed stream splits
 * across two chunks is not seen; an upstream writes an error event whole.
 */
export function scrubChunk<T extends string | Uint8Array>(data: T, secrets: readonly string[]): T {
  if (!holdsError(data)) return data;
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  // The secrets themselves only, not starred-out text: a chunk that holds an error may hold answer text
  // too (a Responses event echoes the request's tools, a Gemini call's arguments are raw JSON), and an
  // in-band error never carries OpenAI's masked key (that comes with a 401).
  const clean = blankSecrets(text, secrets);
  if (clean === text) return data;
  return (typeof data === 'string' ? clean : Buffer.from(clean)) as T;
}
