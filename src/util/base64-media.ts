import type { MediaSource } from '../core/content.ts';

/**
 * Base64 media as clients send it → base64 media every upstream takes. Meant for every client decoder, so
 * an image reaches each upstream in the same shape whichever protocol brought it.
 */

/** ASCII whitespace (space, tab, LF, FF, CR): what the forgiving base64 decoders skip. */
const WHITESPACE = /[\t\n\f\r ]+/g;

/**
 * Base64 without line breaks or spaces. MIME-style encoders wrap their output (Python's
 * `base64.encodebytes`, `openssl base64`: a newline every 64-76 characters); Gemini answers that
 * with 400 "Base64 decoding failed".
 */
export function stripBase64Whitespace(data: string): string {
  return data.replace(WHITESPACE, '');
}

/** The media type a file's magic number names, for the formats models take. */
export function sniffMediaType(b: Uint8Array): string | undefined {
  const ascii = (at: number, s: string): boolean => {
    for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
    return true;
  };
  if (ascii(0, '\x89PNG')) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 'GIF8')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(0, '%PDF-')) return 'application/pdf';
  return undefined;
}

/** {@link sniffMediaType} of base64 data (whitespace already stripped), decoding only its first bytes. */
export function sniffBase64(data: string): string | undefined {
  // 16 characters are 12 bytes: enough for WebP's "RIFF....WEBP", the longest signature above.
  return sniffMediaType(Buffer.from(data.slice(0, 16), 'base64'));
}

/**
 * The media type to send for base64 data declared as `declared`. The bytes win over a declared image
 * type: Anthropic answers 400 "specified using the image/jpeg media type, but the image appears to be
 * a image/png image", and clients do label a PNG by a `.jpg` name. They also name what a generic type
 * (application/octet-stream, or none) leaves open. A PDF declared as a PDF, or an image in a format
 * the bytes do not name (HEIC), keeps its declared type.
 */
export function mediaTypeOfBase64(declared: string, data: string): string {
  const base = declared.split(';')[0]!.trim().toLowerCase();
  const generic = base === '' || base === 'application/octet-stream';
  if (!generic && !base.startsWith('image/')) return declared;
  const sniffed = sniffBase64(data);
  if (!sniffed || (!generic && !sniffed.startsWith('image/'))) return declared;
  return sniffed;
}

/** A base64 media source as upstreams take it: no whitespace in the data, the type its bytes show. */
export function normalizeBase64Media(mediaType: string, data: string): { mediaType: string; data: string } {
  const clean = stripBase64Whitespace(data);
  return { mediaType: mediaTypeOfBase64(mediaType, clean), data: clean };
}

/** A canonical base64 source from a client's media, mended as above: every client decoder builds them here. */
export function base64Source(mediaType: string, data: string): Extract<MediaSource, { kind: 'base64' }> {
  return { kind: 'base64', ...normalizeBase64Media(mediaType, data) };
}
