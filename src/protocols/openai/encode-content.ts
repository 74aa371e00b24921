import type { FilePart, ImagePart, Part } from '../../core/content.ts';
import { baseMediaType, toDataUrl } from '../../util/data-url.ts';

/** Canonical parts → Chat Completions user content parts. */

export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3' } }
  | { type: 'file'; file: { file_data: string; filename?: string } };

const AUDIO_FORMATS: Record<string, 'wav' | 'mp3'> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
};

/** The image types image_url takes; an image sent as a file of one of these goes as an image. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * One part as OpenAI user content, or undefined when Chat Completions has no way to carry it
 * (thinking and tool parts never belong in user content; empty text is rejected by strict servers).
 */
export function encodeUserPart(part: Part): OpenAIContentPart | undefined {
  switch (part.type) {
    case 'text':
      return part.text ? { type: 'text', text: part.text } : undefined;
    case 'image':
      return encodeImage(part);
    case 'file':
      return encodeFile(part);
    default:
      return undefined;
  }
}

function encodeImage(part: ImagePart): OpenAIContentPart | undefined {
  const { source } = part;
  let url: string;
  if (source.kind === 'base64') url = toDataUrl(source.mediaType, source.data);
  else if (source.kind === 'url') url = source.url;
  else return undefined; // a text "image" has no meaning
  const detail = chatDetail(part.detail);
  return { type: 'image_url', image_url: detail ? { url, detail } : { url } };
}

/**
 * Chat Completions takes `auto`, `low` and `high` only, and strict servers answer anything else with a
 * 400. Codex's view_image sends the Responses API's `original` (full resolution): `high` is the
 * nearest (farion1231/cc-switch#6569, #7555); a value unknown here is left out.
 */
function chatDetail(detail: string | undefined): string | undefined {
  if (detail === 'original') return 'high';
  return detail === 'auto' || detail === 'low' || detail === 'high' ? detail : undefined;
}

function encodeFile(part: FilePart): OpenAIContentPart | undefined {
  const { source } = part;
  switch (source.kind) {
    case 'base64': {
      const mediaType = baseMediaType(source.mediaType);
      const audio = AUDIO_FORMATS[mediaType];
      if (audio) return { type: 'input_audio', input_audio: { data: source.data, format: audio } };
      if (IMAGE_TYPES.has(mediaType)) return encodeImage({ type: 'image', source });
      // file_data takes PDFs only ("Expected a base64-encoded data URL with an application/pdf MIME type"):
      // a text document goes as its text, anything else as a note.
      if (isTextLike(mediaType)) {
        const text = Buffer.from(source.data, 'base64').toString('utf8');
        return text ? { type: 'text', text } : undefined;
      }
      if (mediaType !== 'application/pdf') return omitted(part, mediaType);
      // OpenAI refuses file_data without a filename ("Missing required parameter: '…file.file_id'").
      const filename = part.filename || defaultFilename(mediaType);
      return { type: 'file', file: { file_data: toDataUrl(mediaType, source.data), filename } };
    }
    case 'text':
      // Chat Completions takes files only as base64 (and in practice PDFs); a plain-text document reads
      // the same to the model as text.
      return source.data ? { type: 'text', text: source.data } : undefined;
    case 'url':
      // There is no remote-file input; the model at least learns where the document lives.
      return { type: 'text', text: part.filename ? `${part.filename}: ${source.url}` : source.url };
  }
}

/** Documents that are text whatever their type says: they read to the model as the text they hold. */
export function isTextLike(mediaType: string): boolean {
  const t = baseMediaType(mediaType);
  return t.startsWith('text/') || /^application\/(?:json|xml|x?yaml|javascript|x-sh|sql|[\w.-]+\+(?:json|xml))$/.test(t);
}

/**
 * In place of a file Chat Completions cannot take (video, audio other than wav/mp3, spreadsheets): a
 * note, as the other encoders write one, so the model knows something was there and the request stands.
 */
export function omitted(part: FilePart, mediaType: string): { type: 'text'; text: string } {
  const name = part.filename ? ` (${part.filename})` : '';
  return { type: 'text', text: `[A file${name} of type ${mediaType || 'unknown'} was attached here, but this model does not accept that format.]` };
}

/** A name for a file the client sent unnamed (an Anthropic document without title, Gemini inlineData). */
export function defaultFilename(mediaType: string): string {
  const ext = /^[\w.+-]+\/(?:x-)?([a-z0-9]+)/i.exec(mediaType)?.[1]?.toLowerCase();
  return ext ? `document.${ext}` : 'document';
}

/** Text parts joined into one string (system prompts, tool results, assistant turns). */
export function joinText(parts: ReadonlyArray<Part>, separator: string): string {
  let out = '';
  let first = true;
  for (const p of parts) {
    if (p.type !== 'text' || !p.text) continue;
    out += first ? p.text : separator + p.text;
    first = false;
  }
  return out;
}

/** User content in its most widely accepted form: a plain string when it is a single text. */
export function userContent(parts: OpenAIContentPart[]): string | OpenAIContentPart[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === 'text' ? only.text : parts;
}
