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

