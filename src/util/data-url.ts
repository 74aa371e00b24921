import type { MediaSource } from '../core/content.ts';
import { badRequest } from '../core/errors.ts';
import { base64Source } from './base64-media.ts';

/** `data:<mime>;base64,<data>` ⇄ parts. Only base64 data URLs are accepted: that is what every SDK sends. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  if (!meta.endsWith(';base64')) return undefined;
  return { mediaType: meta.slice(0, -7) || 'application/octet-stream', data: url.slice(comma + 1) };
}

export function toDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

/** Names clients use for a type the APIs know by another (`data:image/jpg` from a `.jpg` extension). */
const MEDIA_TYPE_ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' };

/** A media type without its parameters, lower-cased, under the name the APIs know it by. */
export function baseMediaType(mediaType: string | undefined): string {
  const base = (mediaType ?? '').split(';')[0]!.trim().toLowerCase();
  return MEDIA_TYPE_ALIASES[base] ?? base;
}

/**
 * An OpenAI-style media reference (Chat Completions' image_url, the Responses API's image_url and
 * file_url): a base64 data URL or an http(s) URL. Anything else is a 400 naming `path`.
 */
export function mediaSource(url: string, path: string): MediaSource {
  if (url.startsWith('data:')) {
    const parsed = parseDataUrl(url);
    if (!parsed) throw badRequest(`${path}: only base64 data URLs (data:<type>;base64,<data>) are supported`, path);
    return base64Source(parsed.mediaType, parsed.data);
  }
  if (/^https?:\/\//i.test(url)) return { kind: 'url', url };
  throw badRequest(`${path}: expected an http(s) URL or a base64 data URL`, path);
}

const TYPE_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** The type of bare base64 file data (no data-URL prefix, as some clients send it), from its file name. */
export function mediaTypeForFilename(filename: string | undefined): string {
  const ext = filename?.toLowerCase().split('.').pop() ?? '';
  return TYPE_BY_EXTENSION[ext] ?? 'application/octet-stream';
}
