/**
 * The checks `POST /v1/responses` applies to `input` items (protocols.md §5): message items with
 * role-specific content parts, flat `function_call` / `function_call_output` items paired by
 * call_id, and `reasoning` items that must carry encrypted content this mock issued (the mock
 * stores nothing, so an item that refers to stored state is never found). Unknown fields are
 * refused with their full path, as the real API does (`Unknown parameter: 'input[1].tool_calls'.`).
 */
import { isRecord } from '../../../src/util/json.ts';
import { parseDataUrl } from '../../../src/util/data-url.ts';
import { invalid, invalidType, invalidValue, missing, type OpenAIErrorInfo } from './openai-mock-validate.ts';

export const unknownParameter = (param: string): OpenAIErrorInfo =>
  invalid(`Unknown parameter: '${param}'.`, param, 'unknown_parameter');

/** Fields each modelled item type may carry (from the openai SDK's input item types). */
const ITEM_FIELDS: Record<string, readonly string[]> = {
  message: ['type', 'role', 'content', 'id', 'status', 'phase'],
  function_call: ['type', 'call_id', 'name', 'arguments', 'id', 'status', 'namespace', 'caller', 'async'],
  function_call_output: ['type', 'call_id', 'output', 'id', 'status', 'caller', 'name', 'namespace'],
  reasoning: ['type', 'id', 'summary', 'content', 'encrypted_content', 'status'],
  item_reference: ['type', 'id'],
  compaction: ['type', 'id', 'encrypted_content'],
  compaction_trigger: ['type'],
};

/** Input item types the real API knows but this mock does not model (hosted tools, MCP, shell…). */
const OTHER_ITEM_TYPES = [
  'file_search_call', 'computer_call', 'computer_call_output', 'web_search_call', 'tool_search_call',
  'tool_search_output', 'additional_tools', 'configuration_update', 'image_generation_call',
  'code_interpreter_call', 'local_shell_call', 'local_shell_call_output', 'shell_call', 'shell_call_output',
  'apply_patch_call', 'apply_patch_call_output', 'mcp_list_tools', 'mcp_approval_request',
  'mcp_approval_response', 'mcp_call', 'custom_tool_call_output', 'custom_tool_call',
  'program', 'program_output',
];
const ITEM_TYPES = [...Object.keys(ITEM_FIELDS), ...OTHER_ITEM_TYPES];

const ROLES = ['assistant', 'system', 'developer', 'user'];
/** Every content part type the API knows, in the order its error message lists them. */
const ALL_PART_TYPES = ['input_text', 'input_image', 'output_text', 'refusal', 'input_file', 'computer_screenshot', 'summary_text'];
const INPUT_PARTS = ['input_text', 'input_image', 'input_file'];
const ASSISTANT_PARTS = ['output_text', 'refusal'];
const PART_FIELDS: Record<string, readonly string[]> = {
  input_text: ['type', 'text', 'prompt_cache_breakpoint'],
  input_image: ['type', 'image_url', 'file_id', 'detail', 'prompt_cache_breakpoint'],
  input_file: ['type', 'file_data', 'file_id', 'file_url', 'filename', 'detail', 'prompt_cache_breakpoint'],
  output_text: ['type', 'text', 'annotations', 'logprobs'],
  refusal: ['type', 'refusal'],
};
const IMAGE_DETAILS = ['low', 'high', 'auto', 'original'];

const NOT_PERSISTED = (id: string): string =>
  `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`;

/** `rs_01....b7bd`: the API shortens the ids it quotes in verification errors. */
const shortId = (id: string): string => (id.length > 12 ? `${id.slice(0, 6)}....${id.slice(-4)}` : id);

export interface InputCheckOptions {
  /** `store` as sent; only `true` persists anything. */
  store: boolean;
  /** Encrypted reasoning blobs this mock issued. */
  issued: ReadonlySet<string>;
}

function unknownField(item: Record<string, unknown>, allowed: readonly string[], at: string): OpenAIErrorInfo | undefined {
  const extra = Object.keys(item).find((k) => !allowed.includes(k));
  return extra === undefined ? undefined : unknownParameter(`${at}.${extra}`);
}

export function validateInputItems(input: unknown[], opts: InputCheckOptions): OpenAIErrorInfo | undefined {
  const calls = new Set<string>();
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    const at = `input[${i}]`;
    if (!isRecord(item)) return invalidType(at, 'an object', item);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    if (type === undefined) return missing(`${at}.type`);
    if (typeof type !== 'string' || !ITEM_TYPES.includes(type)) return invalidValue(`${at}.type`, String(type), ITEM_TYPES);
    if (!(type in ITEM_FIELDS)) {
      return invalid(`The OpenAI mock does not model input items of type '${type}'.`, `${at}.type`, 'invalid_value');
    }
    const err = checkItem(type, item, at, calls, opts);
    if (err) return err;
  }
  return undefined;
}

function checkItem(
  type: string,
  item: Record<string, unknown>,
  at: string,
  calls: Set<string>,
  opts: InputCheckOptions,
): OpenAIErrorInfo | undefined {
  switch (type) {
    case 'message':
      return checkMessage(item, at);
    case 'function_call': {
      const err = unknownField(item, ITEM_FIELDS.function_call!, at);
      if (err) return err;
      if (typeof item.call_id !== 'string') return missing(`${at}.call_id`);
      if (typeof item.name !== 'string') return missing(`${at}.name`);
      if (item.arguments === undefined) return missing(`${at}.arguments`);
      if (typeof item.arguments !== 'string') return invalidType(`${at}.arguments`, 'a string', item.arguments);
      calls.add(item.call_id);
      return undefined;
    }
    case 'function_call_output': {
      const err = unknownField(item, ITEM_FIELDS.function_call_output!, at);
      if (err) return err;
      if (typeof item.call_id !== 'string') return missing(`${at}.call_id`);
      if (item.output === undefined) return missing(`${at}.output`);
      if (Array.isArray(item.output)) {
        const partErr = checkParts(item.output, INPUT_PARTS, `${at}.output`);
        if (partErr) return partErr;
      } else if (typeof item.output !== 'string') {
        return invalidType(`${at}.output`, 'one of a string or array of objects', item.output);
      }
      if (!calls.has(item.call_id)) {
        return invalid(`No tool call found for function call output with call_id ${item.call_id}.`, 'input');
      }
      return undefined;
    }
    case 'reasoning':
      return checkReasoning(item, at, opts);
    case 'compaction': {
      const err = unknownField(item, ITEM_FIELDS.compaction!, at);
      if (err) return err;
      if (typeof item.encrypted_content !== 'string') return missing(`${at}.encrypted_content`);
      if (!opts.issued.has(item.encrypted_content)) {
        return invalid(`The encrypted content for item ${shortId(String(item.id ?? 'compaction'))} could not be verified. Reason: Encrypted content could not be decrypted or parsed.`, null, 'invalid_encrypted_content');
      }
      return undefined;
    }
    case 'compaction_trigger':
      return unknownField(item, ITEM_FIELDS.compaction_trigger!, at);
    case 'item_reference': {
      const err = unknownField(item, ITEM_FIELDS.item_reference!, at);
      if (err) return err;
      if (typeof item.id !== 'string') return missing(`${at}.id`);
      return invalid(opts.store ? `Item with id '${item.id}' not found.` : NOT_PERSISTED(item.id), 'input');
    }
  }
  return undefined;
}

function checkMessage(item: Record<string, unknown>, at: string): OpenAIErrorInfo | undefined {
  if (item.role === undefined) return missing(`${at}.role`);
  if (typeof item.role !== 'string' || !ROLES.includes(item.role)) return invalidValue(`${at}.role`, String(item.role), ROLES);
  const err = unknownField(item, ITEM_FIELDS.message!, at);
  if (err) return err;
  const content = item.content;
  if (content === undefined) return missing(`${at}.content`);
  if (typeof content === 'string') return undefined;
  if (!Array.isArray(content)) return invalidType(`${at}.content`, 'one of a string or array of objects', content);
  return checkParts(content, item.role === 'assistant' ? ASSISTANT_PARTS : INPUT_PARTS, `${at}.content`);
}

function checkParts(parts: unknown[], allowed: string[], at: string): OpenAIErrorInfo | undefined {
  for (let j = 0; j < parts.length; j++) {
    const part = parts[j];
    const pat = `${at}[${j}]`;
    if (!isRecord(part)) return invalidType(pat, 'an object', part);
    if (part.type === undefined) return missing(`${pat}.type`);
    const type = String(part.type);
    if (!ALL_PART_TYPES.includes(type)) return invalidValue(pat, type, ALL_PART_TYPES);
    if (!allowed.includes(type)) return invalidValue(pat, type, allowed);
    const err = unknownField(part, PART_FIELDS[type] ?? ['type'], pat) ?? checkPart(type, part, pat);
    if (err) return err;
  }
  return undefined;
}

function checkPart(type: string, part: Record<string, unknown>, at: string): OpenAIErrorInfo | undefined {
  switch (type) {
    case 'input_text':
    case 'output_text':
      return typeof part.text === 'string' ? undefined : missing(`${at}.text`);
    case 'refusal':
      return typeof part.refusal === 'string' ? undefined : missing(`${at}.refusal`);
    case 'input_image': {
      if (part.detail != null && !IMAGE_DETAILS.includes(String(part.detail))) {
        return invalidValue(`${at}.detail`, String(part.detail), IMAGE_DETAILS);
      }
      if (typeof part.file_id === 'string') return undefined;
      if (typeof part.image_url !== 'string') return missing(`${at}.image_url`);
      return checkUrl(part.image_url, `${at}.image_url`, 'image');
    }
    case 'input_file': {
      if (typeof part.file_id === 'string') return undefined;
      if (typeof part.file_url === 'string') return checkUrl(part.file_url, `${at}.file_url`);
      if (typeof part.file_data !== 'string') return missing(`${at}.file_data`);
      // Inline files need a name (laravel/ai#324: "Missing required parameter" without one).
      if (typeof part.filename !== 'string') return missing(`${at}.filename`);
      return checkUrl(part.file_data, `${at}.file_data`, 'file', true) ?? documentOnly(part.file_data, `${at}.file_data`);
    }
  }
  return undefined;
}

/**
 * input_file reads documents (PDF, text and code, office files, spreadsheets), not sound or moving
 * pictures: audio or video in file_data is a 400 (openai/openai-node#1560: "The file type you uploaded
 * is not supported").
 */
function documentOnly(data: string, at: string): OpenAIErrorInfo | undefined {
  const type = parseDataUrl(data)?.mediaType ?? '';
  if (!type.startsWith('audio/') && !type.startsWith('video/')) return undefined;
  return invalid(`The file type you uploaded is not supported. Please try again with a supported file type (${at}: '${type}').`, at, 'unsupported_file');
}

/** An https URL or a base64 data URL (only data URLs for inline file_data). */
function checkUrl(url: string, at: string, kind?: 'image' | 'file', dataOnly = false): OpenAIErrorInfo | undefined {
  if (url.startsWith('data:')) {
    const data = parseDataUrl(url);
    if (data && (kind !== 'image' || data.mediaType.startsWith('image/'))) return undefined;
    const example = kind === 'image' ? "an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU=')" : 'a MIME type';
    return invalid(
      `Invalid '${at}'. Expected a base64-encoded data URL with ${example}, but got a value that is not a base64 data URL.`,
      at,
      'invalid_value',
    );
  }
  if (!dataOnly && /^https?:\/\/[^\s/]+/i.test(url)) return undefined;
  return invalid(`Invalid '${at}'. Expected a valid URL, but got a value with an invalid format.`, at, 'invalid_value');
}

function checkReasoning(item: Record<string, unknown>, at: string, opts: InputCheckOptions): OpenAIErrorInfo | undefined {
  const err = unknownField(item, ITEM_FIELDS.reasoning!, at);
  if (err) return err;
  // Codex replays reasoning without its id (codex-rs models.rs: `id` is skip_serializing) and the API
  // takes it so, as long as the encrypted content is there; an id alone must name a stored item.
  if (item.id !== undefined && typeof item.id !== 'string') return invalidType(`${at}.id`, 'a string', item.id);
  if (item.summary === undefined) return missing(`${at}.summary`);
  if (!Array.isArray(item.summary)) return invalidType(`${at}.summary`, 'an array of objects', item.summary);
  for (let j = 0; j < item.summary.length; j++) {
    const s = item.summary[j];
    const sat = `${at}.summary[${j}]`;
    if (!isRecord(s)) return invalidType(sat, 'an object', s);
    if (s.type !== 'summary_text') return invalidValue(`${sat}.type`, String(s.type), ['summary_text']);
    const extra = unknownField(s, ['type', 'text'], sat);
    if (extra) return extra;
    if (typeof s.text !== 'string') return missing(`${sat}.text`);
  }
  const blob = item.encrypted_content;
  if (blob === undefined || blob === null) {
    if (typeof item.id !== 'string') return missing(`${at}.encrypted_content`);
    return invalid(opts.store ? `Item with id '${item.id}' not found.` : NOT_PERSISTED(item.id), 'input');
  }
  if (typeof blob !== 'string' || !opts.issued.has(blob)) {
    return invalid(
      `The encrypted content for item ${shortId(String(item.id ?? 'reasoning'))} could not be verified. Reason: Encrypted content could not be decrypted or parsed.`,
      null,
      'invalid_encrypted_content',
    );
  }
  return undefined;
}
