import type { FilePart, ImagePart, Part } from '../../core/content.ts';
import { toDataUrl } from '../../util/data-url.ts';

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
  return { type: 'image_url', image_url: part.detail ? { url, detail: part.detail } : { url } };
}

function encodeFile(part: FilePart): OpenAIContentPart | undefined {
  const { source } = part;
  switch (source.kind) {
    case 'base64': {
      const audio = AUDIO_FORMATS[source.mediaType];
      if (audio) return { type: 'input_audio', input_audio: { data: source.data, format: audio } };
      // OpenAI refuses file_data without a filename ("Missing required parameter: '…file.file_id'").
      const filename = part.filename || defaultFilename(source.mediaType);
      return { type: 'file', file: { file_data: toDataUrl(source.mediaType, source.data), filename } };
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
