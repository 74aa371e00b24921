import type { FilePart, ImagePart, Part, TextPart, ThinkingPart, ToolCallPart } from '../../core/content.ts';
import { base64Source } from '../../util/base64-media.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { parseSignature } from './signature.ts';

/**
 * Gemini part → canonical part pieces shared by the request and response decoders.
 */

export const isImageType = (mime: string | undefined): boolean => mime !== undefined && mime.startsWith('image/');

/** A `text` part: thought text becomes thinking, a signature on plain text rides in extras. */
export function decodeTextPart(part: JsonObject): TextPart | ThinkingPart {
  const text = typeof part.text === 'string' ? part.text : '';
  const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined;
  if (part.thought === true) {
    const parsed = parseSignature(signature);
    return parsed === undefined ? { type: 'thinking', text } : { type: 'thinking', text, signature: parsed };
  }
  return signature === undefined
    ? { type: 'text', text }
    : { type: 'text', text, extras: { gemini: { thoughtSignature: signature } } };
}

export function decodeFunctionCall(part: JsonObject, call: JsonObject, id: string): ToolCallPart {
  const out: ToolCallPart = {
    type: 'tool_call',
    id,
    name: typeof call.name === 'string' ? call.name : '',
    args: isRecord(call.args) ? call.args : {},
  };
  const signature = parseSignature(part.thoughtSignature);
  if (signature) out.signature = signature;
  return out;
}

/** inlineData (base64) or fileData (a Files-API / gs:// URI). */
export function decodeMedia(part: JsonObject): ImagePart | FilePart | undefined {
  if (isRecord(part.inlineData)) {
    const { mimeType, data, displayName } = part.inlineData;
    const source = base64Source(typeof mimeType === 'string' ? mimeType : 'application/octet-stream', typeof data === 'string' ? data : '');
    return media(source, source.mediaType, displayName);
  }
  if (isRecord(part.fileData)) {
    const { mimeType, fileUri, displayName } = part.fileData;
    const mediaType = typeof mimeType === 'string' ? mimeType : undefined;
    const url = typeof fileUri === 'string' ? fileUri : '';
    const source = mediaType === undefined ? { kind: 'url' as const, url } : { kind: 'url' as const, url, mediaType };
    return media(source, mediaType, displayName);
  }
  return undefined;
}

/**
 * An image an image model answered (gemini-2.5-flash-image, gemini-3-pro-image): inlineData of an image type.
 * Gemini 3's interim images are marked as thoughts, drafts before the answer, and are not output.
 */
export function decodeOutputImage(part: JsonObject): ImagePart | undefined {
  if (part.thought === true || !isRecord(part.inlineData)) return undefined;
  const { mimeType, data } = part.inlineData;
  if (typeof mimeType !== 'string' || !isImageType(mimeType) || typeof data !== 'string' || data === '') return undefined;
  return { type: 'image', source: base64Source(mimeType, data) };
}

function media(source: ImagePart['source'], mediaType: string | undefined, displayName: unknown): ImagePart | FilePart {
  if (isImageType(mediaType)) return { type: 'image', source };
  return typeof displayName === 'string' ? { type: 'file', source, filename: displayName } : { type: 'file', source };
}

/**
 * executableCode / codeExecutionResult (Gemini's built-in code tool) have no canonical part. They are
 * shown as text to other protocols, and the original part rides along so a Gemini encoder can send it back.
 */
export function decodeCodePart(part: JsonObject): TextPart | undefined {
  let text: string;
  if (isRecord(part.executableCode)) {
    const { language, code } = part.executableCode;
    const lang = typeof language === 'string' ? language.toLowerCase().replace('language_unspecified', '') : '';
    text = `\`\`\`${lang}\n${typeof code === 'string' ? code : ''}\n\`\`\``;
  } else if (isRecord(part.codeExecutionResult)) {
    const { outcome, output } = part.codeExecutionResult;
    text = `Code execution result (${typeof outcome === 'string' ? outcome : 'OUTCOME_UNSPECIFIED'}):\n${typeof output === 'string' ? output : ''}`;
  } else {
    return undefined;
  }
  return { type: 'text', text, extras: { gemini: { part } } };
}

/** `{text: ""}` with nothing else of note: Gemini ends streams with one; it carries no content. */
export const isEmptyText = (part: JsonObject): boolean =>
  (part.text === '' || part.text === undefined) && typeof part.thoughtSignature !== 'string';

/**
 * Streams end a thought with an empty part that only carries its signature; it belongs to the thinking
 * part before it. Returns true when `part` was folded into the previous one.
 */
export function foldSignatureOnly(out: Part[], part: JsonObject): boolean {
  if (typeof part.thoughtSignature !== 'string' || (typeof part.text === 'string' && part.text !== '')) return false;
  for (const k in part) if (k !== 'text' && k !== 'thought' && k !== 'thoughtSignature') return false;
  const prev = out[out.length - 1];
  if (prev?.type !== 'thinking' || prev.signature !== undefined) return false;
  prev.signature = parseSignature(part.thoughtSignature);
  return true;
}

/**
 * A streamed thought reaches a client's history as one part per chunk, but it is one thought, and an
 * Anthropic signature signs its whole text. Appends `next` to an unsigned thought right before it;
 * returns true when it did.
 */
export function joinThought(out: Part[], next: TextPart | ThinkingPart): boolean {
  const prev = out[out.length - 1];
  if (next.type !== 'thinking' || prev?.type !== 'thinking' || prev.signature !== undefined || prev.redacted !== undefined) {
    return false;
  }
  prev.text += next.text;
  if (next.signature) prev.signature = next.signature;
  return true;
}
