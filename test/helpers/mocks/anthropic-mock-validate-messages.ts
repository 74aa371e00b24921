/**
 * The Messages API's checks on `messages` and their content blocks (protocols.md §2.2, §2.5, §7):
 * roles, non-empty content, block schemas, tool_use ↔ tool_result pairing and thinking signatures.
 * Messages are quoted from the real API where users have reported them.
 */
import { isRecord } from '../../../src/util/json.ts';
import {
  fieldRequired,
  firstExtra,
  invalidRequest,
  literalList,
  tagMismatch,
  type AnthropicErrorInfo,
} from './anthropic-mock-errors.ts';

export interface MessagesContext {
  /** Signatures this mock issued, each with the thinking text it signs. */
  signatures: ReadonlyMap<string, string>;
}

type Block = Record<string, unknown>;

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

const BLOCK_KEYS: Record<string, ReadonlySet<string>> = {
  text: new Set(['type', 'text', 'cache_control', 'citations']),
  image: new Set(['type', 'source', 'cache_control', 'transformations']),
  document: new Set(['type', 'source', 'title', 'context', 'citations', 'cache_control']),
  tool_use: new Set(['type', 'id', 'name', 'input', 'cache_control', 'caller', 'toolset_name']),
  tool_result: new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control', 'toolset_name']),
  thinking: new Set(['type', 'thinking', 'signature']),
  redacted_thinking: new Set(['type', 'data']),
};
/** Block types the mock accepts without looking inside (server tools, search results…). */
const OPAQUE_BLOCKS = [
  'search_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
];
const BLOCK_TAGS = [...Object.keys(BLOCK_KEYS), ...OPAQUE_BLOCKS];
const TOOL_RESULT_TAGS = ['text', 'image', 'document', 'search_result'];
const MESSAGE_KEYS = new Set(['role', 'content']);
const CACHE_CONTROL_KEYS = new Set(['type', 'ttl']);

const NON_EMPTY = 'messages: text content blocks must be non-empty';
const NON_WHITESPACE = 'messages: text content blocks must contain non-whitespace text';

/** Content as blocks: a string is shorthand for one text block. */
function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

export function validateMessages(messages: unknown, ctx: MessagesContext): AnthropicErrorInfo | undefined {
  if (messages === undefined) return fieldRequired('messages');
  if (!Array.isArray(messages)) return invalidRequest('messages: Input should be a valid list');
  if (messages.length === 0) return invalidRequest('messages: at least one message is required');

  for (let i = 0; i < messages.length; i++) {
    const err = validateMessage(messages[i], i, i === messages.length - 1);
    if (err) return err;
  }
  const first = messages[0] as Block;
  if (first.role !== 'user') return invalidRequest('messages: first message must use the "user" role');
  return validateToolPairing(messages as Block[]) ?? validateSignatures(messages as Block[], ctx);
}

function validateMessage(m: unknown, i: number, isLast: boolean): AnthropicErrorInfo | undefined {
  const at = `messages.${i}`;
  if (!isRecord(m)) return invalidRequest(`${at}: Input should be a valid dictionary`);
  const extra = firstExtra(m, MESSAGE_KEYS, at);
  if (extra) return extra;
  if (m.role === undefined) return fieldRequired(`${at}.role`);
  if (m.role !== 'user' && m.role !== 'assistant') {
    return invalidRequest(`${at}.role: Input should be ${literalList(['user', 'assistant'])}`);
  }
  if (m.content === undefined) return fieldRequired(`${at}.content`);
  if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
    return invalidRequest(`${at}.content: Input should be a valid list`);
  }
  // Only a trailing assistant turn (a prefill) may be empty.
  const prefill = isLast && m.role === 'assistant';
  if (m.content.length === 0 && !prefill) {
    return invalidRequest(`${at}: all messages must have non-empty content except for the optional final assistant message`);
  }
  if (typeof m.content === 'string') {
    if (m.content !== '' && m.content.trim() === '') return invalidRequest(NON_WHITESPACE);
  } else {
    for (let j = 0; j < m.content.length; j++) {
      const err = validateBlock(m.content[j], `${at}.content.${j}`);
      if (err) return err;
    }
  }
  if (prefill && trailingText(m.content).match(/\s$/)) {
    return invalidRequest('messages: final assistant content cannot end with trailing whitespace');
  }
  return undefined;
}

function trailingText(content: string | unknown[]): string {
  if (typeof content === 'string') return content;
  const last = content[content.length - 1];
  return isRecord(last) && last.type === 'text' && typeof last.text === 'string' ? last.text : '';
}

function validateCacheControl(block: Block, at: string): AnthropicErrorInfo | undefined {
  const cc = block.cache_control;
  if (cc === undefined || cc === null) return undefined;
  if (!isRecord(cc)) return invalidRequest(`${at}.cache_control: Input should be a valid dictionary`);
  if (cc.type !== 'ephemeral') return tagMismatch(`${at}.cache_control`, cc.type, ['ephemeral']);
  return firstExtra(cc, CACHE_CONTROL_KEYS, `${at}.cache_control.ephemeral`);
}

function validateText(text: unknown, at: string): AnthropicErrorInfo | undefined {
  if (text === undefined) return fieldRequired(`${at}.text.text`);
  if (typeof text !== 'string') return invalidRequest(`${at}.text.text: Input should be a valid string`);
  if (text === '') return invalidRequest(NON_EMPTY);
  if (text.trim() === '') return invalidRequest(NON_WHITESPACE);
  return undefined;
}

function validateBlock(b: unknown, at: string, tags = BLOCK_TAGS): AnthropicErrorInfo | undefined {
  if (!isRecord(b)) return invalidRequest(`${at}: Input should be a valid dictionary`);
  if (typeof b.type !== 'string' || !tags.includes(b.type)) return tagMismatch(at, b.type, tags);
  const keys = BLOCK_KEYS[b.type];
  if (!keys) return undefined;
  const typed = `${at}.${b.type}`;
  const extra = firstExtra(b, keys, typed);
  if (extra) return extra;
  const cc = validateCacheControl(b, typed);
  if (cc) return cc;
  switch (b.type) {
    case 'text':
      return validateText(b.text, at);
    case 'image':
      return validateImageSource(b.source, `${typed}.source`);
    case 'document':
      return validateDocumentSource(b.source, `${typed}.source`);
    case 'tool_use':
      if (typeof b.id !== 'string') return fieldRequired(`${typed}.id`);
      if (!TOOL_USE_ID.test(b.id)) return invalidRequest(`${typed}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (typeof b.name !== 'string') return fieldRequired(`${typed}.name`);
      if (b.input === undefined) return fieldRequired(`${typed}.input`);
      // `input` is an object on the wire, never the JSON text OpenAI uses for arguments.
      if (!isRecord(b.input)) return invalidRequest(`${typed}.input: Input should be a valid dictionary`);
      return undefined;
    case 'tool_result':
      return validateToolResult(b, typed);
    case 'thinking':
      if (typeof b.thinking !== 'string') return fieldRequired(`${typed}.thinking`);
      if (typeof b.signature !== 'string') return fieldRequired(`${typed}.signature`);
      return undefined;
    case 'redacted_thinking':
      return typeof b.data === 'string' ? undefined : fieldRequired(`${typed}.data`);
  }
  return undefined;
}

function validateToolResult(b: Block, at: string): AnthropicErrorInfo | undefined {
  if (typeof b.tool_use_id !== 'string') return fieldRequired(`${at}.tool_use_id`);
  if (b.is_error !== undefined && typeof b.is_error !== 'boolean') {
    return invalidRequest(`${at}.is_error: Input should be a valid boolean`);
  }
  if (b.content === undefined || typeof b.content === 'string') return undefined;
  if (!Array.isArray(b.content)) return invalidRequest(`${at}.content: Input should be a valid list`);
  for (let k = 0; k < b.content.length; k++) {
    const err = validateBlock(b.content[k], `${at}.content.${k}`, TOOL_RESULT_TAGS);
    if (err) return err;
  }
  return undefined;
}

/** What the bytes say the image is, judged from the base64 of its magic number. */
function sniffImage(data: string): string | undefined {
  if (data.startsWith('iVBORw0KGgo')) return 'image/png';
  if (data.startsWith('/9j/')) return 'image/jpeg';
  if (data.startsWith('R0lGOD')) return 'image/gif';
  if (data.startsWith('UklGR')) return 'image/webp';
  return undefined;
}

function validateImageSource(source: unknown, at: string): AnthropicErrorInfo | undefined {
  if (source === undefined) return fieldRequired(at);
  if (!isRecord(source)) return invalidRequest(`${at}: Input should be a valid dictionary`);
  switch (source.type) {
    case 'base64': {
      if (typeof source.media_type !== 'string' || !IMAGE_TYPES.includes(source.media_type)) {
        return invalidRequest(`${at}.base64.media_type: Input should be ${literalList(IMAGE_TYPES)}`);
      }
      if (typeof source.data !== 'string') return fieldRequired(`${at}.base64.data`);
      const actual = sniffImage(source.data);
      if (actual && actual !== source.media_type) {
        return invalidRequest(
          `${at}.base64.data: The image was specified using the ${source.media_type} media type, but the image appears to be a ${actual} image`,
        );
      }
      return undefined;
    }
    case 'url':
      return typeof source.url === 'string' ? undefined : fieldRequired(`${at}.url.url`);
    case 'file':
      return typeof source.file_id === 'string' ? undefined : fieldRequired(`${at}.file.file_id`);
    default:
      return tagMismatch(at, source.type, ['base64', 'url', 'file']);
  }
}

function validateDocumentSource(source: unknown, at: string): AnthropicErrorInfo | undefined {
  if (source === undefined) return fieldRequired(at);
  if (!isRecord(source)) return invalidRequest(`${at}: Input should be a valid dictionary`);
  switch (source.type) {
    case 'base64':
      if (source.media_type !== 'application/pdf') return invalidRequest(`${at}.base64.media_type: Input should be 'application/pdf'`);
      return typeof source.data === 'string' ? undefined : fieldRequired(`${at}.base64.data`);
    case 'text':
      if (source.media_type !== 'text/plain') return invalidRequest(`${at}.text.media_type: Input should be 'text/plain'`);
      return typeof source.data === 'string' ? undefined : fieldRequired(`${at}.text.data`);
    case 'url':
      return typeof source.url === 'string' ? undefined : fieldRequired(`${at}.url.url`);
    case 'content':
    case 'file':
      return undefined;
    default:
      return tagMismatch(at, source.type, ['base64', 'text', 'content', 'url', 'file']);
  }
}

/** Consecutive same-role messages, which the API combines into one turn. */
interface Turn {
  role: string;
  /** Index of the turn's first message, as errors name it. */
  first: number;
  blocks: Array<{ block: Block; message: number; index: number }>;
}

function turnsOf(messages: Block[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((m, message) => {
    let turn = turns[turns.length - 1];
    if (!turn || turn.role !== m.role) {
      turn = { role: String(m.role), first: message, blocks: [] };
      turns.push(turn);
    }
    blocksOf(m.content).forEach((block, index) => turn.blocks.push({ block, message, index }));
  });
  return turns;
}

const toolUseIds = (turn: Turn | undefined): string[] =>
  turn?.role === 'assistant'
    ? turn.blocks.flatMap(({ block }) => (block.type === 'tool_use' ? [String(block.id)] : []))
    : [];

/**
 * Every tool_use answered by a tool_result in the very next turn, and every tool_result
 * answering a tool_use of the turn right before it.
 */
function validateToolPairing(messages: Block[]): AnthropicErrorInfo | undefined {
  const turns = turnsOf(messages);
  for (let t = 0; t < turns.length; t++) {
    const turn = turns[t]!;
    if (turn.role === 'assistant') {
      const ids = toolUseIds(turn);
      if (ids.length === 0) continue;
      const answered = new Set(
        (turns[t + 1]?.blocks ?? []).flatMap(({ block }) => (block.type === 'tool_result' ? [String(block.tool_use_id)] : [])),
      );
      const missing = ids.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return invalidRequest(
          `messages.${turn.first}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    } else {
      const previous = new Set(toolUseIds(turns[t - 1]));
      for (const { block, message, index } of turn.blocks) {
        if (block.type === 'tool_result' && !previous.has(String(block.tool_use_id))) {
          return invalidRequest(
            `messages.${message}.content.${index}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
      }
    }
  }
  return undefined;
}

/** Thinking must come back exactly as this mock issued it; redacted thinking was never issued here. */
function validateSignatures(messages: Block[], ctx: MessagesContext): AnthropicErrorInfo | undefined {
  for (let i = 0; i < messages.length; i++) {
    if (messages[i]!.role !== 'assistant') continue;
    const blocks = blocksOf(messages[i]!.content);
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j]!;
      if (b.type === 'thinking' && ctx.signatures.get(String(b.signature)) !== b.thinking) {
        return invalidRequest(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
      }
      if (b.type === 'redacted_thinking') {
        return invalidRequest(`messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`);
      }
    }
  }
  return undefined;
}

/**
 * With thinking enabled, an assistant turn whose tool calls are being answered by the final user
 * message must start with its thinking block (users quote this 400 from the real API).
 */
export function validateThinkingContinuation(messages: Block[]): AnthropicErrorInfo | undefined {
  const turns = turnsOf(messages);
  const last = turns[turns.length - 1];
  const assistant = turns[turns.length - 2];
  if (!last || last.role !== 'user' || !assistant || assistant.role !== 'assistant') return undefined;
  if (!last.blocks.some(({ block }) => block.type === 'tool_result') || toolUseIds(assistant).length === 0) return undefined;
  const head = assistant.blocks[0];
  const firstType = String(head?.block.type);
  if (firstType === 'thinking' || firstType === 'redacted_thinking') return undefined;
  return invalidRequest(
    `messages.${head?.message ?? assistant.first}.content.${head?.index ?? 0}.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${firstType}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
  );
}
