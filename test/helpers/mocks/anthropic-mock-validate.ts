/**
 * Top-level checks of POST /v1/messages and /v1/messages/count_tokens: known fields only, required
 * fields, sampling ranges, tools, tool_choice and the extended-thinking constraints
 * (protocols.md §2.2, §7.9; messages as users quote them from the real API).
 */
import { isRecord } from '../../../src/util/json.ts';
import {
  fieldRequired,
  firstExtra,
  invalidRequest,
  tagMismatch,
  extraInput,
  type AnthropicErrorInfo,
} from './anthropic-mock-errors.ts';
import { validateModelLimits } from './anthropic-mock-model-limits.ts';
import { validateMessages, validateThinkingContinuation } from './anthropic-mock-validate-messages.ts';

export interface RequestContext {
  /** Signatures this mock issued, each with the thinking text it signs. */
  signatures: ReadonlyMap<string, string>;
  /** Values of the anthropic-beta header(s), split on commas. */
  betas: string[];
  countTokens: boolean;
}

/** MessageCreateParams of the current SDK, plus the sampling fields older models still take. */
const MESSAGE_FIELDS = [
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p',
  'top_k', 'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'output_config', 'inference_geo',
  'cache_control', 'diagnostics', 'speed', 'user_profile_id', 'workspace_id',
];
const COUNT_FIELDS = [
  'model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'output_config', 'cache_control', 'speed',
  'user_profile_id', 'workspace_id',
];
/** Fields the API only knows while the matching beta is switched on. */
const BETA_FIELDS: Record<string, string> = {
  context_management: 'context-management-',
  mcp_servers: 'mcp-client-',
  output_format: 'structured-outputs-',
};
const TOOL_FIELDS = new Set([
  'type', 'name', 'description', 'input_schema', 'cache_control', 'strict', 'defer_loading', 'input_examples',
  'allowed_callers', 'eager_input_streaming',
]);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const THINKING_DOCS = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

export function validateMessagesRequest(body: unknown, ctx: RequestContext): AnthropicErrorInfo | undefined {
  if (!isRecord(body)) return invalidRequest('body: Input should be a valid dictionary');
  const known = new Set(ctx.countTokens ? COUNT_FIELDS : MESSAGE_FIELDS);
  for (const field of Object.keys(body)) {
    const beta = BETA_FIELDS[field];
    if (known.has(field) || (beta && ctx.betas.some((b) => b.startsWith(beta)))) continue;
    return extraInput(field);
  }

  if (body.model === undefined) return fieldRequired('model');
  if (typeof body.model !== 'string') return invalidRequest('model: Input should be a valid string');
  if (!ctx.countTokens) {
    if (body.max_tokens === undefined) return fieldRequired('max_tokens');
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens)) {
      return invalidRequest('max_tokens: Input should be a valid integer');
    }
    if (body.max_tokens < 1) return invalidRequest('max_tokens: Input should be greater than or equal to 1');
  }

  return (
    validateMessages(body.messages, { signatures: ctx.signatures }) ??
    validateSystem(body.system) ??
    validateBreakpoints(body) ??
    validateSampling(body) ??
    validateModelSurface(body) ??
    validateModelLimits(body, ctx.countTokens) ??
    validateMetadata(body.metadata) ??
    validateTools(body.tools) ??
    validateToolChoice(body.tool_choice) ??
    validateToolsDeclared(body) ??
    validateOutputSchema(body) ??
    validateThinking(body, ctx.countTokens)
  );
}

/** The top-level cache_control (automatic caching) counts as one of the four (coder/mux#3112 quotes the 400). */
function validateBreakpoints(body: Record<string, unknown>): AnthropicErrorInfo | undefined {
  let found = body.cache_control === undefined ? 0 : 1;
  const count = (blocks: unknown): void => {
    if (!Array.isArray(blocks)) return;
    for (const b of blocks) {
      if (!isRecord(b)) continue;
      if (b.cache_control !== undefined) found++;
      count(b.content);
    }
  };
  count(body.tools);
  count(body.system);
  if (Array.isArray(body.messages)) for (const m of body.messages) if (isRecord(m)) count(m.content);
  return found > 4 ? invalidRequest(`A maximum of 4 blocks with cache_control may be provided. Found ${found}.`) : undefined;
}

function validateSystem(system: unknown): AnthropicErrorInfo | undefined {
  if (system === undefined || typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return invalidRequest('system: Input should be a valid list');
  for (let i = 0; i < system.length; i++) {
    const b = system[i];
    if (!isRecord(b)) return invalidRequest(`system.${i}: Input should be a valid dictionary`);
    if (b.type !== 'text') return invalidRequest(`system.${i}.type: Input should be 'text'`);
    if (typeof b.text !== 'string') return fieldRequired(`system.${i}.text`);
    if (b.text === '') return invalidRequest('system: text content blocks must be non-empty');
    if (b.text.trim() === '') return invalidRequest('system: text content blocks must contain non-whitespace text');
  }
  return undefined;
}

function bounded(body: Record<string, unknown>, name: string, min: number, max: number | undefined): AnthropicErrorInfo | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') return invalidRequest(`${name}: Input should be a valid number`);
  if (v < min) return invalidRequest(`${name}: Input should be greater than or equal to ${min}`);
  if (max !== undefined && v > max) return invalidRequest(`${name}: Input should be less than or equal to ${max}`);
  return undefined;
}

function validateSampling(body: Record<string, unknown>): AnthropicErrorInfo | undefined {
  const err = bounded(body, 'temperature', 0, 1) ?? bounded(body, 'top_p', 0, 1) ?? bounded(body, 'top_k', 0, undefined);
  if (err) return err;
  const stops = body.stop_sequences;
  if (stops === undefined || stops === null) return undefined;
  if (!Array.isArray(stops)) return invalidRequest('stop_sequences: Input should be a valid list');
  for (const s of stops) {
    if (typeof s !== 'string') return invalidRequest('stop_sequences: Input should be a valid string');
    if (s === '') return invalidRequest('stop_sequences: each stop sequence must be non-empty');
    if (s.trim() === '') return invalidRequest('stop_sequences: each stop sequence must contain non-whitespace');
  }
  return undefined;
}

/**
 * What newer models refuse (public reports of the live API, 2025-2026): since Sonnet/Haiku 4.5 and Opus
 * 4.1, temperature and top_p together; Opus 4.7/4.8 and the 5 family dropped sampling and manual
 * thinking altogether.
 */
const NO_SAMPLING_MODEL = /claude-(?:opus-4-[7-9]|(?:sonnet|opus|haiku|fable|mythos)-[5-9])(?!\d)/;
const ONE_OF_SAMPLING_MODEL = /claude-(?:sonnet-4-[5-9]|haiku-4-[5-9]|opus-4-[1-6])(?!\d)/;

function validateModelSurface(body: Record<string, unknown>): AnthropicErrorInfo | undefined {
  const model = typeof body.model === 'string' ? body.model : '';
  if (NO_SAMPLING_MODEL.test(model)) {
    for (const p of ['temperature', 'top_p', 'top_k']) if (body[p] != null) return invalidRequest(`\`${p}\` is deprecated for this model.`);
    if (isRecord(body.thinking) && body.thinking.type === 'enabled') {
      return invalidRequest('"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.');
    }
  } else if (ONE_OF_SAMPLING_MODEL.test(model) && body.temperature != null && body.top_p != null) {
    return invalidRequest('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  }
  return undefined;
}

function validateMetadata(metadata: unknown): AnthropicErrorInfo | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (!isRecord(metadata)) return invalidRequest('metadata: Input should be a valid dictionary');
  const extra = firstExtra(metadata, new Set(['user_id']), 'metadata');
  if (extra) return extra;
  if (metadata.user_id != null && typeof metadata.user_id !== 'string') {
    return invalidRequest('metadata.user_id: Input should be a valid string');
  }
  return undefined;
}

function validateTools(tools: unknown): AnthropicErrorInfo | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) return invalidRequest('tools: Input should be a valid list');
  const names = new Set<string>();
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    if (!isRecord(t)) return invalidRequest(`tools.${i}: Input should be a valid dictionary`);
    // Server tools (`web_search_20250305`…) carry their own versioned type; the mock takes them as they are.
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
      if (typeof t.name === 'string') names.add(t.name);
      continue;
    }
    const at = `tools.${i}.custom`;
    const extra = firstExtra(t, TOOL_FIELDS, at);
    if (extra) return extra;
    if (typeof t.name !== 'string') return fieldRequired(`${at}.name`);
    if (!TOOL_NAME.test(t.name)) return invalidRequest(`${at}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    if (t.input_schema === undefined) return fieldRequired(`${at}.input_schema`);
    if (!isRecord(t.input_schema)) return invalidRequest(`${at}.input_schema: Input should be a valid dictionary`);
    if (t.input_schema.type === undefined) return fieldRequired(`${at}.input_schema.type`);
    if (t.input_schema.type !== 'object') return invalidRequest(`${at}.input_schema.type: Input should be 'object'`);
    // anthropics/claude-code#5319: MCP tools whose unions become a root oneOf.
    const schema = t.input_schema;
    if (['oneOf', 'allOf', 'anyOf'].some((k) => schema[k] !== undefined)) {
      return invalidRequest(`${at}.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level`);
    }
    if (names.has(t.name)) return invalidRequest('tools: Tool names must be unique.');
    names.add(t.name);
  }
  return undefined;
}

/**
 * Structured outputs take a JSON Schema subset and answer 400 to the rest, with messages users quote:
 * open objects (ax-llm/ax#458, BerriAI/litellm#35808), number bounds (sherifkozman/the-llm-council#55),
 * array sizes (ghostlobster/memorize-everything#93), string lengths (laravel/ai#715).
 */
function validateOutputSchema(body: Record<string, unknown>): AnthropicErrorInfo | undefined {
  const [field, format] = isRecord(body.output_config) && isRecord(body.output_config.format)
    ? ['output_config.format.schema', body.output_config.format]
    : ['output_format.schema', isRecord(body.output_format) ? body.output_format : undefined];
  if (!format || !isRecord(format.schema)) return undefined;
  const problem = outputSchemaProblem(format.schema, 0);
  return problem ? invalidRequest(`${field}: ${problem}`) : undefined;
}

const REFUSED_BOUNDS: Record<string, string[]> = {
  number: ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf'],
  integer: ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf'],
  string: ['maxLength', 'minLength'],
};

function outputSchemaProblem(node: unknown, depth: number): string | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const p = outputSchemaProblem(n, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (!isRecord(node) || depth > 40) return undefined;
  const type = typeof node.type === 'string' ? node.type : undefined;
  if (type === 'object') {
    if (node.additionalProperties === true) {
      return "For 'object' type, 'additionalProperties: true' is not supported. Please set 'additionalProperties' to false";
    }
    if (node.additionalProperties !== false) return "For 'object' type, 'additionalProperties' must be explicitly set to false";
  }
  const refused = (type && REFUSED_BOUNDS[type]?.filter((k) => node[k] !== undefined)) || [];
  if (refused.length > 0) return `For '${type}' type, properties ${refused.sort().join(', ')} are not supported`;
  if (type === 'array' && node.minItems !== undefined && node.minItems !== 0 && node.minItems !== 1) {
    return "For 'array' type, 'minItems' values other than 0 or 1 are not supported";
  }
  for (const key of ['properties', '$defs', 'definitions']) {
    const map = node[key];
    if (!isRecord(map)) continue;
    for (const v of Object.values(map)) {
      const p = outputSchemaProblem(v, depth + 1);
      if (p) return p;
    }
  }
  for (const key of ['items', 'anyOf', 'allOf', 'oneOf']) {
    const p = outputSchemaProblem(node[key], depth + 1);
    if (p) return p;
  }
  return undefined;
}

const TOOL_CHOICE_KEYS: Record<string, ReadonlySet<string>> = {
  auto: new Set(['type', 'disable_parallel_tool_use']),
  any: new Set(['type', 'disable_parallel_tool_use']),
  tool: new Set(['type', 'name', 'disable_parallel_tool_use']),
  none: new Set(['type']),
};

/** Tool blocks in the history need declared tools (anthropic-sdk-python#494; Bedrock says it as toolConfig). */
function validateToolsDeclared(body: Record<string, unknown>): AnthropicErrorInfo | undefined {
  if (Array.isArray(body.tools) && body.tools.length > 0) return undefined;
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const usesTools = messages.some(
    (m) => Array.isArray(m.content) && m.content.some((b) => isRecord(b) && (b.type === 'tool_use' || b.type === 'tool_result')),
  );
  return usesTools ? invalidRequest('Requests which include `tool_use` or `tool_result` blocks must define tools.') : undefined;
}

function validateToolChoice(choice: unknown): AnthropicErrorInfo | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (!isRecord(choice)) return invalidRequest('tool_choice: Input should be a valid dictionary');
  const keys = typeof choice.type === 'string' ? TOOL_CHOICE_KEYS[choice.type] : undefined;
  if (!keys) return tagMismatch('tool_choice', choice.type, Object.keys(TOOL_CHOICE_KEYS));
  const extra = firstExtra(choice, keys, `tool_choice.${String(choice.type)}`);
  if (extra) return extra;
  if (choice.type === 'tool' && typeof choice.name !== 'string') return fieldRequired('tool_choice.tool.name');
  return undefined;
}

const THINKING_KEYS: Record<string, ReadonlySet<string>> = {
  enabled: new Set(['type', 'budget_tokens', 'display']),
  disabled: new Set(['type']),
  adaptive: new Set(['type', 'display']),
};

function validateThinking(body: Record<string, unknown>, countTokens: boolean): AnthropicErrorInfo | undefined {
  const thinking = body.thinking;
  if (thinking === undefined || thinking === null) return undefined;
  if (!isRecord(thinking)) return invalidRequest('thinking: Input should be a valid dictionary');
  const keys = typeof thinking.type === 'string' ? THINKING_KEYS[thinking.type] : undefined;
  if (!keys) return tagMismatch('thinking', thinking.type, Object.keys(THINKING_KEYS));
  const extra = firstExtra(thinking, keys, `thinking.${String(thinking.type)}`);
  if (extra) return extra;
  if (thinking.type === 'disabled') return undefined;

  if (thinking.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (budget === undefined) return fieldRequired('thinking.enabled.budget_tokens');
    if (typeof budget !== 'number' || !Number.isInteger(budget)) {
      return invalidRequest('thinking.enabled.budget_tokens: Input should be a valid integer');
    }
    if (budget < 1024) return invalidRequest('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    if (!countTokens && typeof body.max_tokens === 'number' && body.max_tokens <= budget) {
      return invalidRequest(
        `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${THINKING_DOCS}#max-tokens-and-context-window-size`,
      );
    }
  }

  const considerations = `Please consult our documentation at ${THINKING_DOCS}#important-considerations-when-using-extended-thinking`;
  if (body.temperature != null && body.temperature !== 1) {
    return invalidRequest(`\`temperature\` may only be set to 1 when thinking is enabled. ${considerations}`);
  }
  if (body.top_k != null) return invalidRequest(`\`top_k\` must be unset when thinking is enabled. ${considerations}`);
  if (typeof body.top_p === 'number' && body.top_p < 0.95) {
    return invalidRequest(`\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${considerations}`);
  }
  const choice = isRecord(body.tool_choice) ? body.tool_choice.type : undefined;
  if (choice === 'any' || choice === 'tool') return invalidRequest('Thinking may not be enabled when tool_choice forces tool use.');
  if (thinking.type === 'enabled' && Array.isArray(body.messages)) {
    return validateThinkingContinuation(body.messages.filter(isRecord));
  }
  return undefined;
}
