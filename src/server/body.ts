import { badRequest, ProxyError } from '../core/errors.ts';
import { ClientGoneError } from '../upstream/fetch.ts';
import { isRecord } from '../util/json.ts';
import { jsonDepthExceeds } from '../util/json-depth.ts';
import { bytesOf } from '../util/raw-body.ts';

export interface JsonBody {
  /** The body's UTF-8 bytes (decompressed, without a byte order mark): what a relay forwards. */
  bytes: Uint8Array;
  text: string;
  json: Record<string, unknown>;
}

export interface BodyLimits {
  /** Largest body, counted after decompression. */
  maxBodyBytes: number;
  /** Deepest nesting of objects and arrays. */
  maxJsonDepth: number;
}

const DEFAULT_LIMITS: BodyLimits = { maxBodyBytes: 32 * 1024 * 1024, maxJsonDepth: 64 };

/** Form encodings are what `curl -d` and HTML forms send; every SDK sends application/json. */
const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'];
/**
 * Content encodings read, by their HTTP name → Bun's DecompressionStream format. Codex compresses its
 * requests with zstd when signed in with ChatGPT and pointed at an OpenAI base URL (codex-rs
 * responses_request_compression); other clients send gzip, and brotli is the third common one.
 */
const DECOMPRESSED: Record<string, Bun.CompressionFormat> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', zstd: 'zstd', br: 'brotli' };
// Stateless (no `stream`), so one decoder serves every request.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const ESCAPE = Buffer.from('\\u');

/**
 * Reads a JSON object body. Everything wrong with it is the client's mistake and answered with a 4xx
 * that says what was wrong: a form content type (415), a body over the size limit (413, counted while
 * reading, so a huge body is never held whole), bytes that are not UTF-8, nesting deeper than the limit,
 * text that is not JSON or JSON that is not an object (400).
 */
export async function readJsonBody(request: Request, limits: BodyLimits = DEFAULT_LIMITS): Promise<JsonBody> {
  const type = request.headers.get('content-type')?.toLowerCase();
  if (type && FORM_TYPES.some((t) => type.startsWith(t))) {
    throw new ProxyError({
      kind: 'invalid_request',
      status: 415,
      message: `content-type ${type.split(';')[0]} is not supported: send the request as JSON with content-type: application/json`,
    });
  }
  const bytes = await readBytes(request, limits.maxBodyBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw badRequest('request body is not valid UTF-8 text');
  }
  if (!text.trim()) throw badRequest('request body is empty; expected a JSON object');
  if (jsonDepthExceeds(text, limits.maxJsonDepth)) {
    throw badRequest(`request body nests objects and arrays more than ${limits.maxJsonDepth} levels deep (limits.max_json_depth)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(json)) throw badRequest('request body must be a JSON object');
  // Half an emoji (a string cut between its two UTF-16 halves, escaped by JSON.stringify) is valid to
  // JSON.parse, not to Anthropic's parser ("no low surrogate in string", a session that fails on every
  // turn after: anthropics/claude-code#56064) nor to serde_json's (DeepSeek: "lone leading surrogate in
  // hex escape", JohnnyZ93/oai-compatible-copilot#206). It becomes U+FFFD, as a UTF-8 encoder writes it.
  if (hasSurrogateEscape(bytes) && makeWellFormed(json)) {
    const fixed = JSON.stringify(json);
    return { bytes: new TextEncoder().encode(fixed), text: fixed, json };
  }
  // The decoder dropped a byte order mark from the text; upstream JSON parsers may refuse one.
  return { bytes: hasBom(bytes) ? bytes.subarray(3) : bytes, text, json };
}

/**
 * Whether the body holds a `\uD800`-`\uDFFF` escape, the only way JSON text brings a UTF-16 surrogate
 * (UTF-8 bytes cannot). Searched in the bytes: a regex over the decoded text cost 45 µs for a 190 KB
 * prompt with some non-Latin text, this 5. An escaped backslash before `u` may match: the walk then
 * finds nothing to change.
 */
function hasSurrogateEscape(bytes: Uint8Array): boolean {
  const buf = bytesOf(bytes);
  for (let at = buf.indexOf(ESCAPE); at >= 0; at = buf.indexOf(ESCAPE, at + 2)) {
    const d = buf[at + 2];
    const next = buf[at + 3];
    if ((d === 0x64 || d === 0x44) && next !== undefined && (next === 0x38 || next === 0x39 || ((next | 0x20) >= 0x61 && (next | 0x20) <= 0x66))) return true;
  }
  return false;
}

/** Replaces lone surrogates in every string of `value` (keys too) with U+FFFD, in place; whether any was. */
function makeWellFormed(value: unknown): boolean {
  let changed = false;
  /** `v` well formed: a string mended, anything else mended in place. */
  const mend = (v: unknown): unknown => {
    if (typeof v !== 'string') {
      if (makeWellFormed(v)) changed = true;
      return v;
    }
    if (v.isWellFormed()) return v;
    changed = true;
    return v.toWellFormed();
  };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = mend(value[i]);
  } else if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      const v = mend(value[key]);
      const k = mend(key) as string;
      if (k !== key) delete value[key];
      value[k] = v;
    }
  }
  return changed;
}

function hasBom(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

function tooLarge(max: number): ProxyError {
  return new ProxyError({
    kind: 'request_too_large',
    message: `request body is larger than ${max} bytes (limits.max_body_bytes)`,
  });
}

/** The body's bytes, decompressed, refusing more than `max` of them. */
async function readBytes(request: Request, max: number): Promise<Uint8Array> {
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  const declared = Number(request.headers.get('content-length') ?? NaN);
  const plain = !encoding || encoding === 'identity';
  if (!plain && !(encoding in DECOMPRESSED)) {
    throw new ProxyError({
      kind: 'invalid_request',
      status: 415,
      message: `content-encoding ${encoding} is not supported; send the body uncompressed, gzip, deflate, zstd or br`,
    });
  }
  if (plain && declared > max) throw tooLarge(max);
  try {
    // A plain body of known size is read natively in one go; anything else is counted as it arrives.
    // (`request.body` is not touched first: making its stream costs more than the read itself.)
    if (plain && Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
    if (!request.body) return new Uint8Array(0);
    const source = plain ? request.body : request.body.pipeThrough(new DecompressionStream(DECOMPRESSED[encoding]!));
    return await readCounted(source, max);
  } catch (e) {
    if (e instanceof ProxyError) throw e;
    if (request.signal.aborted) throw new ClientGoneError();
    if (!plain) throw badRequest(`request body could not be decompressed as ${encoding}`);
    throw badRequest(`request body could not be read: ${(e as Error)?.message ?? String(e)}`);
  }
}

async function readCounted(source: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const reader = source.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) throw tooLarge(max);
      chunks.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
