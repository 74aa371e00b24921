import type { FilePart, ImagePart, MediaSource, TextPart } from '../../core/content.ts';
import { badRequest } from '../../core/errors.ts';
import { base64Source } from '../../util/base64-media.ts';
import { mediaSource, mediaTypeForFilename, parseDataUrl } from '../../util/data-url.ts';
import { expectShape } from '../openai/validate.ts';
import {
  InputAudioSchema,
  InputFileSchema,
  InputImageSchema,
  InputTextSchema,
  OutputTextSchema,
  RefusalSchema,
} from './schema.ts';

/** Responses content parts → canonical parts. Each part is validated against its own schema. */

export type UserPart = TextPart | ImagePart | FilePart;
type Content = string | ReadonlyArray<{ type: string }>;

const USER_TYPES = ['input_text', 'input_image', 'input_file', 'input_audio'] as const;
// Assistant history comes as output_text; EasyInputMessage lets any role use input_text too.
const ASSISTANT_TYPES = ['output_text', 'input_text', 'refusal'] as const;
const AUDIO_MEDIA_TYPE = { wav: 'audio/wav', mp3: 'audio/mpeg' } as const;

/** A user message's content, and a tool output's (they take the same parts). */
export function decodeUserContent(content: Content, path: string): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, i) => decodeUserPart(part, `${path}.${i}`));
}

function decodeUserPart(part: { type: string }, path: string): UserPart {
  switch (part.type) {
    case 'input_text':
      return { type: 'text', text: expectShape(InputTextSchema, part, path).text };
    case 'input_image':
      return decodeImage(part, path);
    case 'input_file':
      return decodeFile(part, path);
    case 'input_audio': {
      const { input_audio } = expectShape(InputAudioSchema, part, path);
      return { type: 'file', source: { kind: 'base64', mediaType: AUDIO_MEDIA_TYPE[input_audio.format], data: input_audio.data } };
    }
    default:
      throw unknownPartType(part.type, USER_TYPES, path);
  }
}

/** Assistant history: text, and refusals (shown to the user, so text too). Empty text is no part. */
export function decodeAssistantContent(content: Content, path: string): TextPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const out: TextPart[] = [];
  content.forEach((part, i) => {
    const at = `${path}.${i}`;
    let text: string;
    if (part.type === 'output_text') text = expectShape(OutputTextSchema, part, at).text;
    else if (part.type === 'input_text') text = expectShape(InputTextSchema, part, at).text;
    else if (part.type === 'refusal') text = expectShape(RefusalSchema, part, at).refusal;
    else throw unknownPartType(part.type, ASSISTANT_TYPES, at);
    if (text) out.push({ type: 'text', text });
  });
  return out;
}

/** System and developer messages: text only. */
export function decodeSystemContent(content: Content, path: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, i) => {
    const at = `${path}.${i}`;
    if (part.type !== 'input_text') throw unknownPartType(part.type, ['input_text'], at);
    return { type: 'text', text: expectShape(InputTextSchema, part, at).text };
  });
}

function decodeImage(part: unknown, path: string): ImagePart {
  const p = expectShape(InputImageSchema, part, path);
  if (!p.image_url) {
    if (p.file_id) throw fileIdRefused(`${path}.file_id`, 'send the image as image_url');
    throw badRequest(`${path}.image_url: is required`, `${path}.image_url`);
  }
  const image: ImagePart = { type: 'image', source: mediaSource(p.image_url, `${path}.image_url`) };
  if (p.detail) image.detail = p.detail;
  return image;
}

function decodeFile(part: unknown, path: string): FilePart {
  const p = expectShape(InputFileSchema, part, path);
  const filename = p.filename ?? undefined;
  let source: MediaSource;
  if (p.file_data) {
    // The API takes a data URL; clients written against the Chat Completions docs send bare base64.
    const parsed = parseDataUrl(p.file_data);
    source = parsed ? base64Source(parsed.mediaType, parsed.data) : base64Source(mediaTypeForFilename(filename), p.file_data);
  } else if (p.file_url) {
    source = mediaSource(p.file_url, `${path}.file_url`);
  } else if (p.file_id) {
    throw fileIdRefused(`${path}.file_id`, 'send the file as file_data');
  } else {
    throw badRequest(`${path}: an input_file needs file_data or file_url`, path);
  }
  const out: FilePart = { type: 'file', source };
  if (filename) out.filename = filename;
  return out;
}

const fileIdRefused = (path: string, instead: string) =>
  badRequest(`${path}: file ids need OpenAI's Files API, which aiproxy does not have; ${instead}`, path);

function unknownPartType(type: string, allowed: readonly string[], path: string) {
  const list = allowed.map((t) => JSON.stringify(t)).join(', ');
  return badRequest(`${path}.type: expected one of ${list}, got ${JSON.stringify(type)}`, `${path}.type`);
}
