import type {
  FilePart,
  ImagePart,
  Part,
  TextPart,
  ThinkingPart,
  ToolCallPart,
  ToolResultPart,
} from '../../core/content.ts';
import { baseMediaType, parseDataUrl } from '../../util/data-url.ts';
import type { AnthropicBlock } from './wire-types.ts';

/** The only image types the Messages API accepts (protocols.md §6.2). */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** One canonical part as an Anthropic request block; undefined when Anthropic cannot take it. */
export function encodePart(part: Part): AnthropicBlock | undefined {
  switch (part.type) {
    case 'text':
      return encodeText(part);
    case 'image':
      return encodeImage(part);
    case 'file':
      return encodeFile(part);
    case 'thinking':
      return encodeThinking(part);
    case 'tool_call':
      return encodeToolCall(part);
    case 'tool_result':
      return encodeToolResult(part);
  }
}

/** The API rejects empty and whitespace-only text blocks, so they are dropped. */
export function encodeText(part: TextPart): AnthropicBlock | undefined {
  if (part.text.trim() === '') return undefined;
  return { ...part.extras?.anthropic, type: 'text', text: part.text };
}

/** A `url` source that is really a data URL is inline data. */
function inline(part: ImagePart | FilePart): { mediaType: string; data: string } | undefined {
  const s = part.source;
  if (s.kind === 'base64') return { mediaType: baseMediaType(s.mediaType), data: s.data };
  if (s.kind === 'url') {
    const parsed = parseDataUrl(s.url);
    if (parsed) return { mediaType: baseMediaType(parsed.mediaType), data: parsed.data };
  }
  return undefined;
}

/**
 * In place of media the API refuses (a BMP or HEIC image, audio, a spreadsheet): a note, so the model
 * knows something was there, and a message made only of such media is not lost whole.
 */
const omitted = (what: string): AnthropicBlock => ({ type: 'text', text: `[${what} was attached here, but Claude does not accept that format.]` });

function encodeImage(part: ImagePart): AnthropicBlock | undefined {
  const data = inline(part);
  if (data) {
    if (!IMAGE_TYPES.has(data.mediaType)) return omitted(`An image of type ${data.mediaType || 'unknown'}`);
    return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
  }
  if (part.source.kind === 'url') return { type: 'image', source: { type: 'url', url: part.source.url } };
  return undefined;
}

function encodeFile(part: FilePart): AnthropicBlock | undefined {
  const source = documentSource(part);
  if (!source) return omitted(`A file${part.filename ? ` (${part.filename})` : ''} of type ${fileType(part)}`);
  const block: AnthropicBlock = { type: 'document', source };
  if (part.filename) block.title = part.filename;
  return block;
}

/**
 * PDFs and plain text are what `document` takes. Any other text type (markdown, CSV, HTML, source code)
 * is still text, so it goes as plain text rather than vanishing; audio, spreadsheets and the rest are dropped.
 */
function documentSource(part: FilePart): Record<string, string> | undefined {
  const s = part.source;
  if (s.kind === 'text') return { type: 'text', media_type: 'text/plain', data: s.data };
  const data = inline(part);
  if (data) {
    if (data.mediaType === 'application/pdf') return { type: 'base64', media_type: 'application/pdf', data: data.data };
    if (data.mediaType.startsWith('text/')) {
      return { type: 'text', media_type: 'text/plain', data: Buffer.from(data.data, 'base64').toString('utf8') };
    }
    return undefined;
  }
  if (s.kind === 'url' && isPdfUrl(s.url, s.mediaType)) return { type: 'url', url: s.url };
  return undefined;
}

function isPdfUrl(url: string, mediaType: string | undefined): boolean {
  if (mediaType !== undefined) return baseMediaType(mediaType) === 'application/pdf';
  return /\.pdf(?:$|[?#])/i.test(url);
}

/**
 * Only Anthropic's own thinking can go back to Anthropic: a foreign or missing signature is a 400,
 * and unsigned thinking text would be rejected too.
 */
function encodeThinking(part: ThinkingPart): AnthropicBlock | undefined {
  if (part.redacted !== undefined) return { type: 'redacted_thinking', data: part.redacted };
  if (part.signature?.family !== 'anthropic') return undefined;
  return { type: 'thinking', thinking: part.text, signature: part.signature.value };
}

/**
 * Tool ids must match `^[a-zA-Z0-9_-]+$`. Ids from other upstreams may not (`functions.get:0`); the
 * same mapping is applied to tool_use and tool_result, so pairs still match.
 */
function toolId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9_-]/g, '_');
  return clean || 'toolu_';
}

function encodeToolCall(part: ToolCallPart): AnthropicBlock {
  // A tool_call signature (Gemini) has no Anthropic field; the Gemini codec keeps its own cache.
  return { type: 'tool_use', id: toolId(part.id), name: part.name, input: part.args };
}

function encodeToolResult(part: ToolResultPart): AnthropicBlock {
  const block: AnthropicBlock = { type: 'tool_result', tool_use_id: toolId(part.callId) };
  const content: AnthropicBlock[] = [];
  for (const p of part.content) {
    const b = encodePart(p);
    if (b) content.push(b);
  }
  if (content.length > 0) block.content = content;
  if (part.isError) block.is_error = true;
  return block;
}

function fileType(part: FilePart): string {
  const s = part.source;
  if (s.kind === 'base64') return baseMediaType(s.mediaType) || 'unknown';
  return (s.kind === 'url' ? parseDataUrl(s.url)?.mediaType : undefined) ?? ('mediaType' in s && s.mediaType ? s.mediaType : 'unknown');
}

