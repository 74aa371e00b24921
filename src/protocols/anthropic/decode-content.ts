import type {
  FilePart,
  ImagePart,
  MediaSource,
  Part,
  TextPart,
  ThinkingPart,
  ToolCallPart,
  ToolResultPart,
} from '../../core/content.ts';
import type { Role } from '../../core/request.ts';
import { badRequest } from '../../core/errors.ts';
import { base64Source } from '../../util/base64-media.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { checkers, type WireBlock } from './schema.ts';
import { validate } from './validate.ts';
import { parseSignature } from './signature.ts';

/** State shared across one request's messages: tool_result blocks carry no name, history does. */
export interface ContentContext {
  toolNames: Map<string, string>;
}

/** A message's `content` (string shorthand or blocks) as canonical parts; tool results first for users. */
export function decodeContent(content: string | WireBlock[], role: Role, path: string, ctx: ContentContext): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const parts: Part[] = [];
  let results = 0;
  for (let i = 0; i < content.length; i++) {
    const part = decodeBlock(content[i]!, role, `${path}.${i}`, ctx);
    if (!part) continue;
    // The canonical model wants a user turn's tool results ahead of its other parts.
    if (part.type === 'tool_result') parts.splice(results++, 0, part);
    else parts.push(part);
  }
  return parts;
}

function decodeBlock(block: WireBlock, role: Role, path: string, ctx: ContentContext): Part | undefined {
  if (role === 'system' && block.type !== 'text') throw badRequest(`${path}: system messages may contain only text blocks`, path);
  switch (block.type) {
    case 'text':
      return decodeText(block, path);
    case 'image':
      return decodeImage(block, path);
    case 'document':
      return decodeDocument(block, path);
    case 'tool_use':
      requireRole(role, 'assistant', block.type, path);
      return decodeToolUse(block, path, ctx);
    case 'tool_result':
      requireRole(role, 'user', block.type, path);
      return decodeToolResult(block, path, ctx);
    case 'thinking':
      requireRole(role, 'assistant', block.type, path);
      return decodeThinking(block, path);
    case 'redacted_thinking': {
      requireRole(role, 'assistant', block.type, path);
      const b = validate(checkers.redactedThinking, block, path);
      return { type: 'thinking', text: '', redacted: b.data };
    }
    default:
      // Server-tool blocks, search results, container uploads…: only Anthropic's own tools
      // understand them and the canonical model has no place for them.
      return undefined;
  }
}

function requireRole(role: Role, wanted: Role, type: string, path: string): void {
  if (role !== wanted) throw badRequest(`${path}: \`${type}\` blocks are only allowed in ${wanted} messages`, path);
}

/** Every field but `type`/`text` (cache_control, citations) rides along for an Anthropic upstream. */
function decodeText(block: WireBlock, path: string): TextPart {
  const b = validate(checkers.textBlock, block, path);
  const { type: _type, text, ...rest } = b;
  return Object.keys(rest).length > 0 ? { type: 'text', text, extras: { anthropic: rest } } : { type: 'text', text };
}

function decodeImage(block: WireBlock, path: string): ImagePart | undefined {
  const b = validate(checkers.imageBlock, block, path);
  const srcPath = `${path}.source`;
  const kind = validate(checkers.imageSourceType, b.source, srcPath).type;
  if (kind === 'base64') {
    const s = validate(checkers.base64Source, b.source, srcPath);
    return { type: 'image', source: base64Source(s.media_type, s.data) };
  }
  if (kind === 'url') return { type: 'image', source: { kind: 'url', url: validate(checkers.urlSource, b.source, srcPath).url } };
  // `file` ids point into Anthropic's Files API, which no other upstream can read.
  return undefined;
}

function decodeDocument(block: WireBlock, path: string): FilePart | undefined {
  const b = validate(checkers.documentBlock, block, path);
  const source = documentSource(b.source, `${path}.source`);
  if (!source) return undefined;
  return typeof b.title === 'string' && b.title ? { type: 'file', source, filename: b.title } : { type: 'file', source };
}

function documentSource(raw: JsonObject, path: string): MediaSource | undefined {
  const kind = validate(checkers.documentSourceType, raw, path).type;
  switch (kind) {
    case 'base64': {
      const s = validate(checkers.base64Source, raw, path);
      return base64Source(s.media_type, s.data);
    }
    case 'text': {
      const s = validate(checkers.textSource, raw, path);
      return { kind: 'text', mediaType: typeof raw.media_type === 'string' ? raw.media_type : 'text/plain', data: s.data };
    }
    case 'url':
      return { kind: 'url', url: validate(checkers.urlSource, raw, path).url, mediaType: 'application/pdf' };
    case 'content': {
      // Custom-content documents are text chunks; as one plain-text document they survive every target.
      const s = validate(checkers.contentSource, raw, path);
      const text = typeof s.content === 'string' ? s.content : joinText(s.content);
      return text ? { kind: 'text', mediaType: 'text/plain', data: text } : undefined;
    }
    case 'file':
      return undefined;
  }
}

function joinText(blocks: WireBlock[]): string {
  const texts: string[] = [];
  for (const b of blocks) if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
  return texts.join('\n');
}

function decodeToolUse(block: WireBlock, path: string, ctx: ContentContext): ToolCallPart {
  const b = validate(checkers.toolUse, block, path);
  ctx.toolNames.set(b.id, b.name);
  return { type: 'tool_call', id: b.id, name: b.name, args: isRecord(b.input) ? b.input : {} };
}

function decodeToolResult(block: WireBlock, path: string, ctx: ContentContext): ToolResultPart {
  const b = validate(checkers.toolResult, block, path);
  const content: ToolResultPart['content'] = [];
  if (typeof b.content === 'string') {
    if (b.content) content.push({ type: 'text', text: b.content });
  } else if (b.content) {
    const found: string[] = [];
    for (let i = 0; i < b.content.length; i++) {
      const inner = b.content[i]!;
      const innerPath = `${path}.content.${i}`;
      if (inner.type === 'text') content.push(decodeText(inner, innerPath));
      else if (inner.type === 'image') pushDefined(content, decodeImage(inner, innerPath));
      else if (inner.type === 'document') pushDefined(content, decodeDocument(inner, innerPath));
      else if (inner.type === 'tool_reference' && typeof inner.tool_name === 'string') found.push(inner.tool_name);
    }
    if (found.length > 0) content.push({ type: 'text', text: foundText(found) });
  }
  hoistCacheControl(b, content);
  const part: ToolResultPart = { type: 'tool_result', callId: b.tool_use_id, content };
  const name = ctx.toolNames.get(b.tool_use_id);
  if (name !== undefined) part.name = name;
  if (b.is_error === true) part.isError = true;
  return part;
}

/**
 * Claude Code's ToolSearch (on behind a gateway with ENABLE_TOOL_SEARCH, as BerriAI/litellm#38942 sets it)
 * answers with `tool_reference` blocks, which Anthropic's API expands into the tools they name
 * ({"type":"tool_reference","tool_name":"Grep"}); other upstreams have no such block,
 * and the result reached the model empty, as if the search had found nothing. Every tool the client
 * declared, deferred or not, is offered to them from the start: the result names the ones it can call.
 */
function foundText(names: readonly string[]): string {
  return `Tools found and now available:\n${names.map((n) => `- ${n}`).join('\n')}`;
}

/**
 * Claude Code marks its cache breakpoint on the last tool_result. The canonical tool result has no
 * extras, but a breakpoint on its last text block caches the same prefix, so it moves there.
 */
function hoistCacheControl(block: JsonObject, content: ToolResultPart['content']): void {
  if (block.cache_control === undefined) return;
  const last = content.at(-1);
  if (last?.type !== 'text') return;
  last.extras = { ...last.extras, anthropic: { ...last.extras?.anthropic, cache_control: block.cache_control } };
}

function decodeThinking(block: WireBlock, path: string): ThinkingPart {
  const b = validate(checkers.thinking, block, path);
  const part: ThinkingPart = { type: 'thinking', text: b.thinking };
  const signature = parseSignature(b.signature);
  if (signature) part.signature = signature;
  return part;
}

function pushDefined<T>(list: T[], item: T | undefined): void {
  if (item !== undefined) list.push(item);
}
