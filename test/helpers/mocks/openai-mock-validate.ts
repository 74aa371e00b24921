/**
 * The request checks OpenAI's Chat Completions endpoint applies, with its own messages, params and
 * codes (protocols.md §1.2, §7; strings as users quote them from the real API). The first failing
 * check wins, as the real API reports one error at a time.
 */
import { isRecord } from '../../../src/util/json.ts';
import { parseDataUrl } from '../../../src/util/data-url.ts';
import { validateModelRules, vendorParams } from './openai-mock-model-rules.ts';
import { strictSchemaProblem } from './openai-mock-responses-schema.ts';

export interface OpenAIErrorInfo {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
  /** The body as a compatible server words it, when it is not OpenAI's `{"error": …}`. */
  body?: unknown;
}

export const openaiErrorBody = (e: Omit<OpenAIErrorInfo, 'status'>): { error: Omit<OpenAIErrorInfo, 'status'> } => ({
  error: { message: e.message, type: e.type, param: e.param, code: e.code },
});

export const invalid = (message: string, param: string | null = null, code: string | null = null): OpenAIErrorInfo => ({
  status: 400,
  message,
  type: 'invalid_request_error',
  param,
  code,
});

/** Every top-level field of ChatCompletionCreateParams in the current SDK; anything else is rejected. */
const KNOWN_PARAMS = new Set([
  'messages', 'model', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'moderation', 'n', 'parallel_tool_calls',
  'prediction', 'presence_penalty', 'prompt_cache_key', 'prompt_cache_options', 'prompt_cache_retention',
  'reasoning_effort', 'response_format', 'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream',
  'stream_options', 'temperature', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity',
  'web_search_options',
]);

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'];
const PART_TYPES: Record<string, string[]> = {
  user: ['text', 'image_url', 'input_audio', 'file'],
  assistant: ['text', 'refusal'],
  system: ['text'],
  developer: ['text'],
  tool: ['text'],
};
const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const TOOL_NAME = /^[a-zA-Z0-9_-]+$/;

/** OpenAI's way of listing allowed values: 'a', 'b', and 'c'. */
export function listValues(values: string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length <= 2 ? q.join(' and ') : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  return `a ${typeof v}`;
}

export const invalidType = (param: string, expected: string, got: unknown): OpenAIErrorInfo =>
  invalid(`Invalid type for '${param}': expected ${expected}, but got ${typeName(got)} instead.`, param, 'invalid_type');
export const missing = (param: string): OpenAIErrorInfo =>
  invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
export const invalidValue = (param: string, value: string, allowed: string[]): OpenAIErrorInfo =>
  invalid(`Invalid value: '${value}'. Supported values are: ${listValues(allowed)}.`, param, 'invalid_value');

export const unparsableBody = (): OpenAIErrorInfo =>
  invalid(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  );

export function validateChatRequest(body: unknown): OpenAIErrorInfo | undefined {
  if (!isRecord(body)) return unparsableBody();

  const own = vendorParams(String(body.model));
  const unknown = Object.keys(body).filter((k) => !KNOWN_PARAMS.has(k) && !own.includes(k));
  if (unknown.length === 1) return invalid(`Unrecognized request argument supplied: ${unknown[0]}`);
  if (unknown.length > 1) return invalid(`Unrecognized request arguments supplied: ${unknown.join(', ')}`);

  if (typeof body.model !== 'string' || body.model === '') return invalid('you must provide a model parameter');
  if (body.messages === undefined) return missing('messages');
  if (!Array.isArray(body.messages)) return invalidType('messages', 'an array of objects', body.messages);
  if (body.messages.length === 0) {
    return invalid(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }

  return (
    validateMessages(body.messages) ??
    validateToolPairing(body.messages) ??
    validateSampling(body) ??
    validateTools(body) ??
    validateStreamOptions(body) ??
    validateUser(body) ??
    validateJsonMode(body) ??
    validateModelRules(body)
  );
}

function validateMessages(messages: unknown[]): OpenAIErrorInfo | undefined {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const at = `messages[${i}]`;
    if (!isRecord(m)) return invalidType(at, 'an object', m);
    if (m.role === undefined) return missing(`${at}.role`);
    if (typeof m.role !== 'string' || !ROLES.includes(m.role)) return invalidValue(`${at}.role`, String(m.role), ROLES);
    const err = validateContent(m, at) ?? (m.role === 'assistant' ? validateAssistantToolCalls(m, at) : undefined);
    if (err) return err;
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') {
      return invalid(
        "Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
        `messages.[${i}].tool_call_id`,
      );
    }
  }
  return undefined;
}

function validateContent(m: Record<string, unknown>, at: string): OpenAIErrorInfo | undefined {
  const role = m.role as string;
  const content = m.content;
  const toolCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
  if (content === undefined || content === null) {
    // Only an assistant turn that calls something may omit its text.
    if (role === 'assistant' && (toolCalls || m.function_call !== undefined)) return undefined;
    if (role === 'function') return undefined;
    return content === null
      ? invalidType(`${at}.content`, 'one of a string or array of objects', content)
      : missing(`${at}.content`);
  }
  if (typeof content === 'string') return undefined;
  if (!Array.isArray(content)) return invalidType(`${at}.content`, 'one of a string or array of objects', content);
  const allowed = PART_TYPES[role] ?? ['text'];
  for (let j = 0; j < content.length; j++) {
    const part = content[j];
    const pat = `${at}.content[${j}]`;
    if (!isRecord(part)) return invalidType(pat, 'an object', part);
    if (typeof part.type !== 'string' || !allowed.includes(part.type)) {
      return invalidValue(`${pat}.type`, String(part.type), allowed);
    }
    const err = validatePart(part, pat);
    if (err) return err;
  }
  return undefined;
}

function validatePart(part: Record<string, unknown>, at: string): OpenAIErrorInfo | undefined {
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? undefined : missing(`${at}.text`);
    case 'refusal':
      return typeof part.refusal === 'string' ? undefined : missing(`${at}.refusal`);
    case 'image_url': {
      const image = part.image_url;
      if (!isRecord(image) || typeof image.url !== 'string') return missing(`${at}.image_url.url`);
      if (image.url.startsWith('data:') && !parseDataUrl(image.url)) {
        return invalid(
          `Invalid '${at}.image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value that is not a base64 data URL.`,
          `${at}.image_url.url`,
          'invalid_value',
        );
      }
      if (image.detail !== undefined && !['auto', 'low', 'high'].includes(String(image.detail))) {
        return invalidValue(`${at}.image_url.detail`, String(image.detail), ['auto', 'low', 'high']);
      }
      return undefined;
    }
    case 'input_audio': {
      const audio = part.input_audio;
      if (!isRecord(audio) || typeof audio.data !== 'string') return missing(`${at}.input_audio.data`);
      if (audio.format !== 'wav' && audio.format !== 'mp3') {
        return invalidValue(`${at}.input_audio.format`, String(audio.format), ['wav', 'mp3']);
      }
      return undefined;
    }
    case 'file': {
      const file = part.file;
      if (!isRecord(file) || (typeof file.file_data !== 'string' && typeof file.file_id !== 'string')) {
        return missing(`${at}.file.file_data`);
      }
      // file_data without a filename is refused as if no file were named (openai/openai-agents-python#1513).
      if (typeof file.file_id !== 'string' && typeof file.filename !== 'string') return missing(`${at}.file.file_id`);
      return typeof file.file_data === 'string' ? pdfOnly(file.file_data, `${at}.file.file_data`) : undefined;
    }
  }
  return undefined;
}

/** Chat Completions reads PDFs only from file_data; a text, audio or video file is a 400. */
function pdfOnly(data: string, at: string): OpenAIErrorInfo | undefined {
  const type = parseDataUrl(data)?.mediaType;
  if (type === 'application/pdf') return undefined;
  return invalid(
    `Invalid file data: '${at}'. Expected a base64-encoded data URL with an application/pdf MIME type (e.g. 'data:application/pdf;base64,SGVsbG8sIFdvcmxkIQ=='), but got unsupported MIME type '${type ?? ''}'.`,
    at,
    'invalid_value',
  );
}

function validateAssistantToolCalls(m: Record<string, unknown>, at: string): OpenAIErrorInfo | undefined {
  if (m.tool_calls === undefined || m.tool_calls === null) return undefined;
  if (!Array.isArray(m.tool_calls)) return invalidType(`${at}.tool_calls`, 'an array of objects', m.tool_calls);
  if (m.tool_calls.length === 0) {
    return invalid(
      `Invalid '${at}.tool_calls': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
      `${at}.tool_calls`,
      'empty_array',
    );
  }
  for (let k = 0; k < m.tool_calls.length; k++) {
    const tc = m.tool_calls[k];
    const tat = `${at}.tool_calls[${k}]`;
    if (!isRecord(tc)) return invalidType(tat, 'an object', tc);
    if (typeof tc.id !== 'string') return missing(`${tat}.id`);
    if (tc.id.length > 40) {
      return invalid(
        `Invalid '${tat}.id': string too long. Expected a string with maximum length 40, but got a string with length ${tc.id.length} instead.`,
        `${tat}.id`,
        'string_above_max_length',
      );
    }
    if (tc.type !== 'function') return invalidValue(`${tat}.type`, String(tc.type), ['function']);
    const fn = tc.function;
    if (!isRecord(fn) || typeof fn.name !== 'string') return missing(`${tat}.function.name`);
    // Arguments travel as a JSON string; an object here is the classic converter mistake.
    if (typeof fn.arguments !== 'string') return invalidType(`${tat}.function.arguments`, 'a string', fn.arguments);
  }
  return undefined;
}

function toolCallIds(m: unknown): string[] {
  if (!isRecord(m) || m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return [];
  return m.tool_calls.map((tc) => (isRecord(tc) && typeof tc.id === 'string' ? tc.id : ''));
}

/** Every tool call answered right after it, and every tool message answering a call. */
function validateToolPairing(messages: unknown[]): OpenAIErrorInfo | undefined {
  const roleOf = (i: number): unknown => (isRecord(messages[i]) ? (messages[i] as Record<string, unknown>).role : undefined);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Record<string, unknown>;
    if (m.role === 'assistant') {
      const pending = new Set(toolCallIds(m));
      if (pending.size === 0) continue;
      for (let j = i + 1; j < messages.length && roleOf(j) === 'tool'; j++) {
        pending.delete(String((messages[j] as Record<string, unknown>).tool_call_id));
      }
      if (pending.size > 0) {
        return invalid(
          `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
          `messages.[${i}].role`,
        );
      }
    } else if (m.role === 'tool') {
      let k = i - 1;
      while (k >= 0 && roleOf(k) === 'tool') k--;
      if (k < 0 || !toolCallIds(messages[k]).includes(String(m.tool_call_id))) {
        return invalid(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
    }
  }
  return undefined;
}

/** A decimal parameter within [min, max], with the API's wording when it is not. */
export function range(body: Record<string, unknown>, name: string, min: number, max: number): OpenAIErrorInfo | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') return invalidType(name, 'a decimal', v);
  if (v > max) {
    return invalid(`Invalid '${name}': decimal above maximum value. Expected a value <= ${max}, but got ${v} instead.`, name, 'decimal_above_max_value');
  }
  if (v < min) {
    return invalid(`Invalid '${name}': decimal below minimum value. Expected a value >= ${min}, but got ${v} instead.`, name, 'decimal_below_min_value');
  }
  return undefined;
}

function validateSampling(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const err =
    range(body, 'temperature', 0, 2) ??
    range(body, 'top_p', 0, 1) ??
    range(body, 'presence_penalty', -2, 2) ??
    range(body, 'frequency_penalty', -2, 2);
  if (err) return err;
  if (body.max_tokens != null && body.max_completion_tokens != null) {
    return invalid(
      "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
      'max_tokens',
      'invalid_parameter_combination',
    );
  }
  for (const name of ['max_tokens', 'max_completion_tokens', 'n']) {
    const v = body[name];
    if (v != null && (typeof v !== 'number' || !Number.isInteger(v))) return invalidType(name, 'an integer', v);
    if (typeof v === 'number' && v < 1) {
      return invalid(`Invalid '${name}': integer below minimum value. Expected a value >= 1, but got ${v} instead.`, name, 'integer_below_min_value');
    }
  }
  if (Array.isArray(body.stop) && body.stop.length > 4) {
    return invalid(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${body.stop.length} instead.`,
      'stop',
      'array_above_max_length',
    );
  }
  if (body.reasoning_effort != null && !EFFORTS.includes(String(body.reasoning_effort))) {
    return invalidValue('reasoning_effort', String(body.reasoning_effort), EFFORTS);
  }
  return undefined;
}

function validateTools(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) return invalidType('tools', 'an array of objects', tools);
    for (let i = 0; i < tools.length; i++) {
      const t = tools[i];
      const at = `tools[${i}]`;
      if (!isRecord(t)) return invalidType(at, 'an object', t);
      if (t.type !== 'function' && t.type !== 'custom') return invalidValue(`${at}.type`, String(t.type), ['function', 'custom']);
      if (t.type === 'custom') continue;
      const fn = t.function;
      if (!isRecord(fn) || typeof fn.name !== 'string') return missing(`${at}.function.name`);
      if (!TOOL_NAME.test(fn.name)) {
        return invalid(
          `Invalid '${at}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          `${at}.function.name`,
          'invalid_value',
        );
      }
      if (fn.name.length > 64) {
        return invalid(
          `Invalid '${at}.function.name': string too long. Expected a string with maximum length 64, but got a string with length ${fn.name.length} instead.`,
          `${at}.function.name`,
          'string_above_max_length',
        );
      }
      if (fn.parameters !== undefined && !isRecord(fn.parameters)) {
        return invalidType(`${at}.function.parameters`, 'an object', fn.parameters);
      }
      // Strict mode's schema rules, as the Responses API applies them (laravel/ai#506, ash-project/ash_ai#155).
      if (fn.strict === true && fn.parameters != null) {
        const problem = strictSchemaProblem(fn.parameters);
        if (problem) {
          return invalid(`Invalid schema for function '${fn.name}': ${problem}`, `${at}.function.parameters`, 'invalid_function_parameters');
        }
      }
    }
  }
  const hasTools = Array.isArray(tools) && tools.length > 0;
  if (!hasTools && body.tool_choice != null) {
    return invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
  }
  if (!hasTools && body.parallel_tool_calls != null) {
    return invalid(
      "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
      'parallel_tool_calls',
    );
  }
  return undefined;
}

/** OpenAI caps the end-user id at 64 characters (error text as proxies quote it from the real API). */
function validateUser(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  if (typeof body.user !== 'string' || body.user.length <= 64) return undefined;
  return invalid(
    `Invalid 'user': string too long. Expected a string with maximum length 64, but got a string with length ${body.user.length} instead.`,
    'user',
    'string_above_max_length',
  );
}

function validateStreamOptions(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  if (body.stream_options != null && body.stream !== true) {
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }
  return undefined;
}

/** JSON mode needs the word "json" in some message, in any case. */
function validateJsonMode(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const format = body.response_format;
  if (!isRecord(format) || format.type !== 'json_object') return undefined;
  const texts = (body.messages as unknown[]).flatMap((m) => {
    const content = isRecord(m) ? m.content : undefined;
    if (typeof content === 'string') return [content];
    return Array.isArray(content) ? content.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : '')) : [];
  });
  if (texts.some((t) => /json/i.test(t))) return undefined;
  return invalid(
    "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    'messages',
  );
}
