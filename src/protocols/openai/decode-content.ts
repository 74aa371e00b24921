import { badRequest } from '../../core/errors.ts';
import type { FilePart, ImagePart, MediaSource, TextPart } from '../../core/content.ts';
import { base64Source } from '../../util/base64-media.ts';
import { mediaSource, mediaTypeForFilename, parseDataUrl } from '../../util/data-url.ts';
import { textPartFrom } from './cache-control.ts';
import {
  ASSISTANT_PART_TYPES,
  FilePartSchema,
  ImageUrlPartSchema,
  InputAudioPartSchema,
  RefusalPartSchema,
  TextPartSchema,
  USER_PART_TYPES,
} from './schema.ts';
import { expectShape } from './validate.ts';

/** OpenAI content parts → canonical parts. Each part is validated against its own schema. */

export type UserContentPart = TextPart | ImagePart | FilePart;

const AUDIO_MEDIA_TYPE = { wav: 'audio/wav', mp3: 'audio/mpeg' } as const;

/** A user message's content (string or parts). */
export function decodeUserContent(content: string | Array<{ type: string }>, path: string): UserContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, i) => decodeUserPart(part, `${path}.${i}`));
}

function decodeUserPart(part: { type: string }, path: string): UserContentPart {
  switch (part.type) {
    case 'text':
      return decodeText(part, path);
    case 'image_url': {
      const { image_url } = expectShape(ImageUrlPartSchema, part, path);
      const image: ImagePart = { type: 'image', source: mediaSource(image_url.url, `${path}.image_url.url`) };
      if (image_url.detail) image.detail = image_url.detail;
      return image;
    }
    case 'input_audio': {
      const { input_audio } = expectShape(InputAudioPartSchema, part, path);
      return {
        type: 'file',
        source: base64Source(AUDIO_MEDIA_TYPE[input_audio.format], input_audio.data),
      };
    }
    case 'file':
      return decodeFilePart(expectShape(FilePartSchema, part, path).file, `${path}.file`);
    default:
      throw unknownPartType(part.type, USER_PART_TYPES, path);
  }
}

function decodeFilePart(
  file: { file_data?: string | null; file_id?: string | null; filename?: string | null },
  path: string,
): FilePart {
  if (file.file_id && !file.file_data) {
    throw badRequest(`${path}.file_id: file_id references are not supported, send file_data`, `${path}.file_id`);
  }
  if (!file.file_data) throw badRequest(`${path}.file_data: is required`, `${path}.file_data`);
  const filename = file.filename ?? undefined;
  const parsed = parseDataUrl(file.file_data);
  // The API docs call file_data "base64 encoded file data"; some clients send it bare, without the data-URL prefix.
  const source: MediaSource = parsed ? base64Source(parsed.mediaType, parsed.data) : base64Source(mediaTypeForFilename(filename), file.file_data);
  const out: FilePart = { type: 'file', source };
  if (filename) out.filename = filename;
  return out;
}

/** Assistant content: text and refusal parts (a refusal is shown to the user, so it is text). */
export function decodeAssistantContent(content: string | Array<{ type: string }>, path: string): TextPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  return content.map((part, i) => {
    const at = `${path}.${i}`;
    if (part.type === 'text') return decodeText(part, at);
    if (part.type === 'refusal') return { type: 'text', text: expectShape(RefusalPartSchema, part, at).refusal };
    throw unknownPartType(part.type, ASSISTANT_PART_TYPES, at);
  });
}

/** System, developer and tool content: text only. */
export function decodeTextContent(content: string | Array<{ type: string }>, path: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, i) => {
    const at = `${path}.${i}`;
    if (part.type !== 'text') throw unknownPartType(part.type, ['text'], at);
    return decodeText(part, at);
  });
}

function decodeText(part: { type: string }, path: string): TextPart {
  const { text, cache_control } = expectShape(TextPartSchema, part, path) as { text: string; cache_control?: unknown };
  return textPartFrom(text, cache_control);
}

function unknownPartType(type: string, allowed: readonly string[], path: string) {
  const list = allowed.map((t) => JSON.stringify(t)).join(', ');
  return badRequest(`${path}.type: expected one of ${list}, got ${JSON.stringify(type)}`, `${path}.type`);
}
