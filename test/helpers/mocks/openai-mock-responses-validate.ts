/**
 * The request checks `POST /v1/responses` applies (protocols.md §5), in the real API's words:
 * unknown parameters by name (Chat-Completions-only fields included), flat function tools with
 * strict schemas checked, tool_choice naming a declared tool, text.format, reasoning, include,
 * stored state the mock never has (previous_response_id, conversation), then per-model rules and
 * the input items. The first failing check wins, as the real API reports one error at a time.
 * `POST /v1/responses/input_tokens` gets the same checks on its narrower parameter set.
 */
import { isRecord } from '../../../src/util/json.ts';
import { unknownParameter, validateInputItems } from './openai-mock-responses-input.ts';
import { validateResponsesModelRules } from './openai-mock-responses-rules.ts';
import { strictSchemaProblem } from './openai-mock-responses-schema.ts';
import {
  invalid,
  invalidType,
  invalidValue,
  missing,
  range,
  unparsableBody,
  type OpenAIErrorInfo,
} from './openai-mock-validate.ts';

/** Every top-level field of ResponseCreateParams in the current SDK; anything else is refused. */
const KNOWN_PARAMS = [
  'model', 'input', 'instructions', 'max_output_tokens', 'temperature', 'top_p', 'tools', 'tool_choice',
  'parallel_tool_calls', 'reasoning', 'text', 'stream', 'stream_options', 'store', 'previous_response_id',
  'include', 'truncation', 'metadata', 'user', 'safety_identifier', 'prompt_cache_key', 'service_tier',
  'background', 'max_tool_calls', 'top_logprobs', 'prompt', 'conversation', 'context_management',
  'prompt_cache_retention', 'prompt_cache_options', 'moderation', 'image', 'access_programs',
];

const FUNCTION_TOOL_FIELDS = [
  'type', 'name', 'description', 'parameters', 'strict', 'allowed_callers', 'async', 'defer_loading', 'output_schema',
];
/** Tool types the real API serves itself; the mock models function tools only. */
const HOSTED_TOOLS = [
  'file_search', 'computer', 'computer_use_preview', 'web_search', 'web_search_2025_08_26', 'mcp',
  'code_interpreter', 'programmatic_tool_calling', 'image_generation', 'local_shell', 'shell', 'custom',
  'namespace', 'tool_search', 'web_search_preview', 'web_search_preview_2025_03_11', 'apply_patch',
];
const TOOL_NAME = /^[a-zA-Z0-9_-]+$/;
const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];
const SUMMARIES = ['auto', 'concise', 'detailed'];
const INCLUDABLE = [
  'file_search_call.results', 'web_search_call.results', 'web_search_call.action.sources',
  'message.input_image.image_url', 'computer_call_output.output.image_url', 'code_interpreter_call.outputs',
  'reasoning.encrypted_content', 'message.output_text.logprobs',
];

export function validateResponsesRequest(body: unknown, issued: ReadonlySet<string>): OpenAIErrorInfo | undefined {
  if (!isRecord(body)) return unparsableBody();
  const extra = Object.keys(body).find((k) => !KNOWN_PARAMS.includes(k));
  if (extra !== undefined) return unknownParameter(extra);

  if (body.model === undefined) return missing('model');
  if (typeof body.model !== 'string') return invalidType('model', 'a string', body.model);
  if (body.input === undefined) return missing('input');
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
    return invalidType('input', 'one of a string or array of objects', body.input);
  }
  if (body.instructions != null && typeof body.instructions !== 'string') {
    return invalidType('instructions', 'a string', body.instructions);
  }

  return (
    validateStoredState(body) ??
    validateLimits(body) ??
    validateTools(body) ??
    validateToolChoice(body) ??
    validateText(body) ??
    validateReasoning(body) ??
    validateResponsesModelRules(body) ??
    (Array.isArray(body.input) ? validateInputItems(body.input, { store: body.store === true, issued }) : undefined)
  );
}

/** Top-level fields of InputTokenCountParams (`POST /v1/responses/input_tokens`). */
const COUNT_PARAMS = [
  'model', 'input', 'instructions', 'conversation', 'parallel_tool_calls', 'personality', 'previous_response_id',
  'reasoning', 'text', 'tool_choice', 'tools', 'truncation',
];

/** `POST /v1/responses/input_tokens`: the same prompt checks, without the generation settings. */
export function validateInputTokensRequest(body: unknown, issued: ReadonlySet<string>): OpenAIErrorInfo | undefined {
  if (!isRecord(body)) return unparsableBody();
  const extra = Object.keys(body).find((k) => !COUNT_PARAMS.includes(k));
  if (extra !== undefined) return unknownParameter(extra);
  if (body.model != null && typeof body.model !== 'string') return invalidType('model', 'a string', body.model);
  if (body.input != null && typeof body.input !== 'string' && !Array.isArray(body.input)) {
    return invalidType('input', 'one of a string or array of objects', body.input);
  }
  return (
    validateStoredState(body) ??
    validateTools(body) ??
    validateToolChoice(body) ??
    validateText(body) ??
    validateReasoning(body) ??
    (typeof body.model === 'string' ? validateResponsesModelRules(body) : undefined) ??
    (Array.isArray(body.input) ? validateInputItems(body.input, { store: false, issued }) : undefined)
  );
}

/**
 * `POST /v1/responses/compact` takes the prompt-shaping parameters (the SDK's ResponseCompactParams,
 * and the tools and settings Codex sends beside them); it never streams.
 */
const COMPACT_PARAMS = ['model', 'input', 'instructions', 'previous_response_id', 'prompt_cache_key', 'image', 'tools', 'parallel_tool_calls', 'reasoning', 'text'];

export function validateCompactRequest(body: unknown, issued: ReadonlySet<string>): OpenAIErrorInfo | undefined {
  if (!isRecord(body)) return unparsableBody();
  const extra = Object.keys(body).find((k) => !COMPACT_PARAMS.includes(k));
  if (extra !== undefined) return unknownParameter(extra);
  if (body.model === undefined) return missing('model');
  if (typeof body.model !== 'string') return invalidType('model', 'a string', body.model);
  if (body.input != null && typeof body.input !== 'string' && !Array.isArray(body.input)) {
    return invalidType('input', 'one of a string or array of objects', body.input);
  }
  return (
    validateStoredState(body) ??
    validateTools(body) ??
    (Array.isArray(body.input) ? validateInputItems(body.input, { store: false, issued }) : undefined)
  );
}

/** The mock persists nothing, so every reference to a stored response or conversation is unknown. */
function validateStoredState(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const prev = body.previous_response_id;
  if (prev != null) {
    return invalid(`Previous response with id '${String(prev)}' not found.`, 'previous_response_id', 'previous_response_not_found');
  }
  const conv = body.conversation;
  if (conv != null) {
    const id = isRecord(conv) ? conv.id : conv;
    return invalid(`Conversation with id '${String(id)}' not found.`, 'conversation', null);
  }
  return undefined;
}

function validateLimits(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const max = body.max_output_tokens;
  if (max != null) {
    if (typeof max !== 'number' || !Number.isInteger(max)) return invalidType('max_output_tokens', 'an integer', max);
    if (max < 16) {
      return invalid(
        `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${max} instead.`,
        'max_output_tokens',
        'integer_below_min_value',
      );
    }
  }
  const err = range(body, 'temperature', 0, 2) ?? range(body, 'top_p', 0, 1);
  if (err) return err;
  for (const name of ['stream', 'store', 'parallel_tool_calls', 'background']) {
    if (body[name] != null && typeof body[name] !== 'boolean') return invalidType(name, 'a boolean', body[name]);
  }
  if (body.truncation != null && body.truncation !== 'auto' && body.truncation !== 'disabled') {
    return invalidValue('truncation', String(body.truncation), ['auto', 'disabled']);
  }
  if (body.stream_options != null) {
    if (!isRecord(body.stream_options)) return invalidType('stream_options', 'an object', body.stream_options);
    const extra = Object.keys(body.stream_options).find((k) => k !== 'include_obfuscation');
    if (extra !== undefined) return unknownParameter(`stream_options.${extra}`);
  }
  if (body.include != null) {
    if (!Array.isArray(body.include)) return invalidType('include', 'an array of strings', body.include);
    for (let i = 0; i < body.include.length; i++) {
      const v = body.include[i];
      if (typeof v !== 'string' || !INCLUDABLE.includes(v)) return invalidValue(`include[${i}]`, String(v), INCLUDABLE);
    }
  }
  return undefined;
}

function validateTools(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const tools = body.tools;
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) return invalidType('tools', 'an array of objects', tools);
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    const at = `tools[${i}]`;
    if (!isRecord(t)) return invalidType(at, 'an object', t);
    if (t.type === undefined) return missing(`${at}.type`);
    if (t.type !== 'function') {
      if (HOSTED_TOOLS.includes(String(t.type))) {
        return invalid(`The OpenAI mock does not model tools of type '${String(t.type)}'.`, `${at}.type`, 'invalid_value');
      }
      return invalidValue(`${at}.type`, String(t.type), ['function', ...HOSTED_TOOLS]);
    }
    // Chat Completions nests the function ({type, function: {name…}}); here it is flat.
    if (t.name === undefined) return missing(`${at}.name`);
    const extra = Object.keys(t).find((k) => !FUNCTION_TOOL_FIELDS.includes(k));
    if (extra !== undefined) return unknownParameter(`${at}.${extra}`);
    if (typeof t.name !== 'string') return invalidType(`${at}.name`, 'a string', t.name);
    if (!TOOL_NAME.test(t.name)) {
      return invalid(
        `Invalid '${at}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        `${at}.name`,
        'invalid_value',
      );
    }
    if (t.name.length > 64) {
      return invalid(
        `Invalid '${at}.name': string too long. Expected a string with maximum length 64, but got a string with length ${t.name.length} instead.`,
        `${at}.name`,
        'string_above_max_length',
      );
    }
    if (t.parameters != null && !isRecord(t.parameters)) return invalidType(`${at}.parameters`, 'an object', t.parameters);
    if (t.strict != null && typeof t.strict !== 'boolean') return invalidType(`${at}.strict`, 'a boolean', t.strict);
    if (t.strict === true && t.parameters != null) {
      const problem = strictSchemaProblem(t.parameters);
      if (problem) {
        return invalid(`Invalid schema for function '${t.name}': ${problem}`, `${at}.parameters`, 'invalid_function_parameters');
      }
    }
  }
  return undefined;
}

function validateToolChoice(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const choice = body.tool_choice;
  if (choice == null) return undefined;
  if (typeof choice === 'string') {
    return ['none', 'auto', 'required'].includes(choice) ? undefined : invalidValue('tool_choice', choice, ['none', 'auto', 'required']);
  }
  if (!isRecord(choice)) return invalidType('tool_choice', 'one of a string or an object', choice);
  if (choice.type === undefined) return missing('tool_choice.type');
  if (choice.type === 'allowed_tools') return undefined;
  const declared = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  if (choice.type === 'function') {
    if (typeof choice.name !== 'string') return missing('tool_choice.name');
    if (declared.some((t) => t.type === 'function' && t.name === choice.name)) return undefined;
    return invalid(`Tool choice '${choice.name}' not found in 'tools' parameter.`, 'tool_choice');
  }
  if (declared.some((t) => t.type === choice.type)) return undefined;
  return invalid(`Tool choice '${String(choice.type)}' not found in 'tools' parameter.`, 'tool_choice');
}

function validateText(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const text = body.text;
  if (text == null) return undefined;
  if (!isRecord(text)) return invalidType('text', 'an object', text);
  const extra = Object.keys(text).find((k) => k !== 'format' && k !== 'verbosity');
  if (extra !== undefined) return unknownParameter(`text.${extra}`);
  if (text.verbosity != null && !['low', 'medium', 'high'].includes(String(text.verbosity))) {
    return invalidValue('text.verbosity', String(text.verbosity), ['low', 'medium', 'high']);
  }
  const f = text.format;
  if (f == null) return undefined;
  if (!isRecord(f)) return invalidType('text.format', 'an object', f);
  if (f.type === undefined) return missing('text.format.type');
  const types = ['text', 'json_schema', 'json_object'];
  if (!types.includes(String(f.type))) return invalidValue('text.format.type', String(f.type), types);
  const fields = f.type === 'json_schema' ? ['type', 'name', 'schema', 'description', 'strict'] : ['type'];
  const extraF = Object.keys(f).find((k) => !fields.includes(k));
  if (extraF !== undefined) return unknownParameter(`text.format.${extraF}`);
  // Only input messages count: the word in `instructions` does not satisfy the check.
  if (f.type === 'json_object') {
    if (!JSON.stringify(body.input ?? '').toLowerCase().includes('json')) {
      return invalid(
        "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
        'input',
      );
    }
  }
  if (f.type !== 'json_schema') return undefined;
  if (f.name === undefined) return missing('text.format.name');
  if (typeof f.name !== 'string' || !TOOL_NAME.test(f.name)) {
    return invalid(
      "Invalid 'text.format.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      'text.format.name',
      'invalid_value',
    );
  }
  if (f.schema === undefined) return missing('text.format.schema');
  if (!isRecord(f.schema)) return invalidType('text.format.schema', 'an object', f.schema);
  if (f.strict === true) {
    const problem = strictSchemaProblem(f.schema);
    if (problem) return invalid(`Invalid schema for response_format '${f.name}': ${problem}`, 'text.format.schema', 'invalid_json_schema');
  }
  return undefined;
}

function validateReasoning(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const r = body.reasoning;
  if (r == null) return undefined;
  if (!isRecord(r)) return invalidType('reasoning', 'an object', r);
  const extra = Object.keys(r).find((k) => !['effort', 'summary', 'generate_summary', 'context', 'mode'].includes(k));
  if (extra !== undefined) return unknownParameter(`reasoning.${extra}`);
  if (r.effort != null && !EFFORTS.includes(String(r.effort))) return invalidValue('reasoning.effort', String(r.effort), EFFORTS);
  for (const key of ['summary', 'generate_summary']) {
    if (r[key] != null && !SUMMARIES.includes(String(r[key]))) return invalidValue(`reasoning.${key}`, String(r[key]), SUMMARIES);
  }
  return undefined;
}
