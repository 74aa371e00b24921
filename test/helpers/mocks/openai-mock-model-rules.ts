/**
 * Per-model refusals of OpenAI's Chat Completions endpoint, with the API's own messages as public
 * reports quote them (sources beside each rule in src/protocols/openai/model-rules.ts). Written
 * independently of that file so the mock keeps answering what the real API does, whatever aiproxy sends.
 */
import { isRecord } from '../../../src/util/json.ts';
import { MISTRAL_MODEL } from './openai-mock-render.ts';
import type { OpenAIErrorInfo } from './openai-mock-validate.ts';

const bare = (model: string): string => model.slice(model.lastIndexOf('/') + 1).toLowerCase();

const unsupportedParameter = (param: string): OpenAIErrorInfo => ({
  status: 400,
  message: `Unsupported parameter: '${param}' is not supported with this model.`,
  type: 'invalid_request_error',
  param,
  code: 'unsupported_parameter',
});

function listValues(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length <= 2 ? q.join(' and ') : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

const EFFORTS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^gpt-5(?:\.\d+)?-chat/, ['medium']],
  [/^gpt-5\.1-codex(?!-)/, ['low', 'medium', 'high']],
  [/^gpt-5\.1(?!\d)/, ['none', 'low', 'medium', 'high']],
  [/^gpt-5\.[2-6](?!\d)/, ['none', 'low', 'medium', 'high', 'xhigh']],
  [/^gpt-5-codex/, ['low', 'medium', 'high']],
  [/^gpt-5(?![.\d])/, ['minimal', 'low', 'medium', 'high']],
  // The o-series predates 'minimal' and 'none'.
  [/^o\d/, ['low', 'medium', 'high']],
];

/** The reasoning efforts a model family accepts, or undefined when any known value passes. */
export function supportedEfforts(model: string): readonly string[] | undefined {
  const id = bare(model);
  return EFFORTS.find(([re]) => re.test(id))?.[1];
}

const SAMPLING = ['frequency_penalty', 'presence_penalty', 'temperature', 'top_p'];

export function validateModelRules(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const model = String(body.model);
  const id = bare(model);
  const reasoning = /^(o1|o3|o4|gpt-5)/.test(id);

  if (/^gpt-4o(?:-mini)?-search-preview/.test(id)) {
    const sent = SAMPLING.filter((p) => body[p] != null);
    if (sent.length > 0) {
      return {
        status: 400,
        message: `Model incompatible request argument${sent.length > 1 ? 's' : ''} supplied: ${sent.join(', ')}`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      };
    }
  }
  if (reasoning && body.max_tokens != null) {
    return {
      ...unsupportedParameter('max_tokens'),
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    };
  }
  for (const p of ['presence_penalty', 'frequency_penalty']) {
    if (reasoning && body[p] != null) return unsupportedParameter(p);
  }
  const ceiling = outputCeiling(body, id);
  if (ceiling) return ceiling;
  if (body.stop != null && /^(?:o3(?!-mini)|o4-mini|o1-preview|gpt-5)/.test(id)) return unsupportedParameter('stop');
  if (body.parallel_tool_calls != null && /^o[134](?!\d)/.test(id)) return unsupportedParameter('parallel_tool_calls');

  const effort = body.reasoning_effort;
  const allowed = EFFORTS.find(([re]) => re.test(id))?.[1];
  if (typeof effort === 'string' && allowed && !allowed.includes(effort)) {
    return {
      status: 400,
      message: `Unsupported value: 'reasoning_effort' does not support '${effort}' with this model. Supported values are: ${listValues(allowed)}.`,
      type: 'invalid_request_error',
      param: 'reasoning_effort',
      code: 'unsupported_value',
    };
  }
  // verbosity came with gpt-5; the older models take only the default: "Unsupported value: 'verbosity' does
  // not support 'low' with this model. Supported values are: 'medium'." (gpt-4o: google-deepmind/concordia#164).
  if (body.verbosity != null && body.verbosity !== 'medium' && /^(?:gpt-4|gpt-3\.5|chatgpt-4o)/.test(id)) {
    return {
      status: 400,
      message: `Unsupported value: 'verbosity' does not support '${String(body.verbosity)}' with this model. Supported values are: 'medium'.`,
      type: 'invalid_request_error',
      param: 'verbosity',
      code: 'unsupported_value',
    };
  }
  return moonshotSchemas(body, id) ?? qwenStreamOnly(body, id) ?? deepseekRoles(body, id) ?? deepseekEmptyTools(body, id) ?? deepseekToolChoice(body, id) ?? toolsWithReasoning(body, model, id) ?? missingReasoning(body, id) ?? geminiSignatures(body, id) ?? mistralExtraFields(body, id) ?? nvidiaUnsupported(body, model) ?? arkThinkingOff(body, id);
}

/**
 * Moonshot's Kimi checks each tool's parameters as a "moonshot flavored json schema": type object at
 * the root (farion1231/cc-switch#5125), references only into the root's `$defs` (Softeria/ms-365-mcp-server#458,
 * NousResearch/hermes-agent#14802) and to a definition that is there (CommandCodeAI/command-code#566), no
 * type beside a `$ref` (lidge-jun/opencodex#2673) or an `anyOf` (MoonshotAI/kimi-code#2661, at the root too).
 * Paths are dotted from the parameters, `root` for the parameters themselves.
 */
function moonshotSchemas(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  if (!/^(?:kimi|moonshot)/.test(id) || !Array.isArray(body.tools)) return undefined;
  const refused = (message: string): OpenAIErrorInfo => ({ status: 400, message: `Invalid request: ${message}`, type: 'invalid_request_error', param: null, code: null });
  for (const tool of body.tools) {
    const parameters = isRecord(tool) && isRecord(tool.function) ? tool.function.parameters : undefined;
    if (!isRecord(parameters)) continue;
    if (parameters.type !== 'object') return refused('tools.function.parameters.type is required and must be "object"');
    const defs = isRecord(parameters.$defs) ? parameters.$defs : {};
    const problem = moonshotRefProblem(parameters, defs, '', 0);
    if (problem) return refused(`tools.function.parameters is not a valid moonshot flavored json schema, details: <At path '${problem.path}': ${problem.reason}>`);
  }
  return undefined;
}

function moonshotRefProblem(node: unknown, defs: Record<string, unknown>, path: string, depth: number): { path: string; reason: string } | undefined {
  if (depth > 64) return undefined;
  const at = (k: string | number): string => (path === '' ? String(k) : `${path}.${k}`);
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const p = moonshotRefProblem(node[i], defs, at(i), depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (!isRecord(node)) return undefined;
  if (node.type !== undefined && Array.isArray(node.anyOf)) {
    return { path: path === '' ? 'root' : path, reason: 'when using anyOf, type should be defined in anyOf items instead of the parent schema' };
  }
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#/$defs/')) return { path: at('$ref'), reason: 'references must start with #/$defs/' };
    if (!Object.hasOwn(defs, ref.slice('#/$defs/'.length).replaceAll('~1', '/').replaceAll('~0', '~'))) {
      return { path: at('$ref'), reason: `$defs not found for reference: ${ref}` };
    }
    if (node.type !== undefined) {
      return { path: path === '' ? 'root' : path, reason: 'when using $ref, type should be defined in the referenced schema instead of the parent schema' };
    }
  }
  for (const [k, v] of Object.entries(node)) {
    if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue;
    const p = moonshotRefProblem(v, defs, at(k), depth + 1);
    if (p) return p;
  }
  return undefined;
}

/**
 * DashScope: Qwen3's open models think by default and QwQ streams only, so a request for a whole
 * answer is refused (QuantumNous/new-api#1109, infiniflow/ragflow#8972 quote the body).
 */
function qwenStreamOnly(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  if (body.stream === true || !/^(?:qwq|qwen3-(?:\d|next)(?!.*instruct))/.test(id)) return undefined;
  const message = 'parameter.enable_thinking must be set to false for non-streaming calls';
  return {
    status: 400,
    message,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_parameter_error',
    body: { error: { code: 'invalid_parameter_error', param: null, message, type: 'invalid_request_error' }, request_id: 'f5a1f1ee-dac6-9c1b-9bdb-2f0c22b8af45' },
  };
}

/**
 * DeepSeek V4 in thinking mode (the default; deepseek-chat does not think) takes `auto` or `none` only
 * (deepseek-ai/DeepSeek-V3#1376, osaurus-ai/osaurus#1940); Z.AI's GLM `auto` only.
 */
function deepseekToolChoice(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null || choice === 'auto') return undefined;
  // Z.AI's GLM takes `auto` only (vectorize-io/hindsight#4246 quotes the 400).
  if (/^glm-/.test(id)) return { status: 400, message: 'Tool choice must be auto', type: 'invalid_request_error', param: null, code: null };
  if (!/^deepseek-(?:v4|reasoner|flash|pro)/.test(id) || choice === 'none') return undefined;
  return { status: 400, message: 'Thinking mode does not support this tool_choice', type: 'invalid_request_error', param: null, code: 'invalid_request_error' };
}

/**
 * DeepSeek refuses an empty `tools` array, where OpenAI takes it for no tools (lobehub/lobehub#9629,
 * runebookai/tome#78 and marimo-team/marimo#6108 quote the 400).
 */
function deepseekEmptyTools(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  if (!id.startsWith('deepseek') || !Array.isArray(body.tools) || body.tools.length > 0) return undefined;
  const message = "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.";
  return { status: 400, message, type: 'invalid_request_error', param: null, code: 'invalid_request_error' };
}

/**
 * DeepSeek deserialises roles strictly and knows no `developer` (decolua/9router#773 quotes its 400);
 * serde names the column of the body where it stopped.
 */
function deepseekRoles(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  if (!id.startsWith('deepseek')) return undefined;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const at = messages.findIndex((m) => isRecord(m) && !['system', 'user', 'assistant', 'tool'].includes(String(m.role)));
  if (at < 0) return undefined;
  const role = String((messages[at] as Record<string, unknown>).role);
  const column = JSON.stringify(body).indexOf(`"role":"${role}"`) + 8 + role.length + 2;
  return {
    status: 400,
    message: `Failed to deserialize the JSON body into the target type: messages[${at}].role: unknown variant \`${role}\`, expected one of \`system\`, \`user\`, \`assistant\`, \`tool\`, \`latest_reminder\` at line 1 column ${column}`,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_request_error',
  };
}

/** base64 of `aiprox`, how aiproxy's wrapping of another backend's signature starts (never a Google-issued one). */
const AIPROXY_WRAPPED = 'YWlwcm94';
const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/**
 * Gemini 3 (and the `-latest` aliases naming it) behind Google's OpenAI-compatible endpoint: the first
 * call of each assistant turn of the current turn (after the last user message) must carry back its
 * `extra_content.google.thought_signature` (langroid/langroid#969, HKUDS/nanobot#2453), or the bypass value
 * (Cherry Studio's skipGeminiThoughtSignature middleware); a signature Google did not issue is "corrupted".
 * Errors come as Google's own body in a one-element array (protocols.md §7).
 */
function geminiSignatures(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  if (!/gemini/.test(id) || /gemini-[12](?:\.\d+)?-/.test(id)) return undefined;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const lastUser = messages.findLastIndex((m) => isRecord(m) && m.role === 'user');
  for (let i = lastUser + 1; i < messages.length; i++) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'assistant' || !Array.isArray(m.tool_calls) || m.tool_calls.length === 0) continue;
    const first = m.tool_calls[0] as Record<string, unknown>;
    const extra = first.extra_content;
    const sig = isRecord(extra) && isRecord(extra.google) ? extra.google.thought_signature : undefined;
    const name = isRecord(first.function) ? String(first.function.name) : '';
    if (typeof sig !== 'string') {
      return googleError(
        `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      );
    }
    if (sig !== SKIP_SIGNATURE && sig.startsWith(AIPROXY_WRAPPED)) return googleError('Corrupted thought signature.');
  }
  return undefined;
}

function googleError(message: string): OpenAIErrorInfo {
  return {
    status: 400,
    message,
    type: 'invalid_request_error',
    param: null,
    code: null,
    body: [{ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }],
  };
}

/**
 * Mistral's tool call ids are 9 letters and digits, in calls and in tool messages alike (nearai/ironclaw#1241
 * and editor-code-assistant/eca#233 quote the 400); the first other one, or undefined.
 */
function mistralCallId(messages: unknown[]): string | undefined {
  for (const m of messages) {
    if (!isRecord(m)) continue;
    const ids = m.role === 'tool' ? [m.tool_call_id] : Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => (isRecord(c) ? c.id : undefined)) : [];
    const bad = ids.find((x) => typeof x === 'string' && !/^[A-Za-z0-9]{9}$/.test(x));
    if (typeof bad === 'string') return bad;
  }
  return undefined;
}

/**
 * Mistral's API validates messages with unknown fields forbidden (its 422 `extra_forbidden`, as for a
 * `reasoning_content` it does not know, src/protocols/openai/model-rules.ts): `extra_content` on a tool call too.
 */
/** The top-level fields Mistral's chat completions schema has (docs.mistral.ai API reference); others are 422 extra_forbidden. */
const MISTRAL_PARAMS = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'response_format', 'tools',
  'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls', 'prompt_mode', 'safe_prompt',
  'reasoning_effort', 'metadata',
]);

function mistralExtraFields(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  if (!MISTRAL_MODEL.test(id)) return undefined;
  // Pydantic lists every field it does not know (Gitlawb/openclaude#739: store and max_completion_tokens).
  const extras = Object.keys(body).filter((k) => !MISTRAL_PARAMS.has(k));
  if (extras.length > 0) {
    const detail = extras.map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted', input: body[k] }));
    return { status: 422, message: 'Extra inputs are not permitted', type: 'invalid_request_error', param: null, code: null, body: { detail } };
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  // Mistral's role order: a user message may not follow a tool message (zed-industries/zed#37021 quotes the 400).
  const afterTool = messages.findIndex((m, i) => i > 0 && isRecord(m) && m.role === 'user' && isRecord(messages[i - 1]) && (messages[i - 1] as Record<string, unknown>).role === 'tool');
  if (afterTool > 0) {
    const message = "Unexpected role 'user' after role 'tool'";
    return { status: 400, message, type: 'invalid_request_message_order', param: null, code: '3230', body: { object: 'error', message, type: 'invalid_request_message_order', param: null, code: '3230' } };
  }
  const badId = mistralCallId(messages);
  if (badId !== undefined) {
    return {
      status: 400,
      message: `Tool call id was ${badId} but must be a-z, A-Z, 0-9, with a length of 9.`,
      type: 'invalid_function_call',
      param: null,
      code: '3280',
      body: { object: 'error', message: `Tool call id was ${badId} but must be a-z, A-Z, 0-9, with a length of 9.`, type: 'invalid_function_call', param: null, code: '3280' },
    };
  }
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const calls = isRecord(m) && Array.isArray(m.tool_calls) ? m.tool_calls : [];
    const k = calls.findIndex((c) => isRecord(c) && c.extra_content !== undefined);
    if (k < 0) continue;
    const detail = [{ type: 'extra_forbidden', loc: ['body', 'messages', i, 'tool_calls', k, 'extra_content'], msg: 'Extra inputs are not permitted', input: (calls[k] as Record<string, unknown>).extra_content }];
    return {
      status: 422,
      message: 'Extra inputs are not permitted',
      type: 'invalid_request_error',
      param: null,
      code: null,
      body: { object: 'error', message: { detail }, type: 'invalid_request_message_error', param: null, code: null },
    };
  }
  return undefined;
}

/**
 * DeepSeek's and Kimi's thinking modes want their reasoning back. DeepSeek V4 (api-docs.deepseek.com/guides/thinking_mode):
 * between two user messages where the model called tools, every assistant message carries its
 * `reasoning_content` in all later requests, the final answer after the tool results included, or the
 * request is refused ("The `reasoning_content` in the thinking mode must be passed back to the API.":
 * openclaw/openclaw#73417, NousResearch/hermes-agent#16021); an empty string passes
 * (earendil-works/pi#7701); spans without tool calls are not checked. deepseek-reasoner, the V4 models
 * and their deepseek-flash/-pro names think by default (deepseek-chat does not). Kimi's -thinking models and K2.5 on refuse a tool-call message without it
 * (continuedev/continue#11527, bytedance/deer-flow#3043). The index counts every message, the system one included.
 */
function missingReasoning(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  const deepseek = /^deepseek-(?:reasoner|v4|flash|pro)/.test(id);
  const kimi = /^kimi-k2(?:-thinking|\.[5-9])/.test(id);
  if (!deepseek && !kimi) return undefined;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const lacks = (m: unknown): boolean => isRecord(m) && m.role === 'assistant' && m.reasoning_content === undefined;
  const calls = (m: unknown): boolean => isRecord(m) && Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
  if (kimi) {
    const at = messages.findIndex((m) => lacks(m) && calls(m));
    if (at < 0) return undefined;
    return {
      status: 400,
      message: `thinking is enabled but reasoning_content is missing in assistant tool call message at index ${at}`,
      type: 'invalid_request_error',
      param: null,
      code: null,
    };
  }
  let spanStart = 0;
  for (let i = 0; i <= messages.length; i++) {
    if (i < messages.length && !(isRecord(messages[i]) && messages[i].role === 'user')) continue;
    const span = messages.slice(spanStart, i);
    spanStart = i + 1;
    if (!span.some(calls) || !span.some(lacks)) continue;
    return {
      status: 400,
      message: 'The `reasoning_content` in the thinking mode must be passed back to the API.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_request_error',
    };
  }
  return undefined;
}

/**
 * Function tools with reasoning on /v1/chat/completions: gpt-5.2/5.4/5.5 refuse an explicit effort;
 * gpt-5.6 and gpt-6 also their own default, so only `reasoning_effort: "none"` passes.
 */
function toolsWithReasoning(body: Record<string, unknown>, model: string, id: string): OpenAIErrorInfo | undefined {
  const tools = Array.isArray(body.tools) && body.tools.some((t) => (t as { type?: unknown })?.type === 'function');
  if (!tools || body.reasoning_effort === 'none') return undefined;
  const error = (hint: string): OpenAIErrorInfo => ({
    status: 400,
    message: `Function tools with reasoning_effort are not supported for ${model} in /v1/chat/completions. ${hint}`,
    type: 'invalid_request_error',
    param: 'reasoning_effort',
    code: null,
  });
  if (/^gpt-(?:5\.6|6)(?!\d)/.test(id)) {
    return error("To use function tools, use /v1/responses or set reasoning_effort to 'none'.");
  }
  if (body.reasoning_effort != null && /^gpt-5\.[245](?!\d)/.test(id)) return error('Please use /v1/responses instead.');
  return undefined;
}

/** Max output tokens as platform.openai.com/docs/models lists them; other models are not checked. */
const CEILINGS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^gpt-4o-2024-05-13/, 4096],
  [/^(?:gpt-4o|chatgpt-4o)/, 16384],
  [/^gpt-4\.1/, 32768],
  [/^gpt-4-turbo/, 4096],
  [/^gpt-4(?:-\d{4})?$/, 8192],
  [/^gpt-3\.5-turbo/, 4096],
  [/^gpt-5(?:\.\d+)?-chat/, 16384],
  [/^gpt-5/, 128000],
  [/^o1-mini/, 65536],
  [/^(?:o1|o3|o4-mini)/, 100000],
];

/** A model's max output tokens (CEILINGS), or undefined when the mock does not check it. */
export function outputCeilingOf(model: string): number | undefined {
  const id = bare(model);
  return CEILINGS.find(([re]) => re.test(id))?.[1];
}

/** "max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000." */
function outputCeiling(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  const limit = outputCeilingOf(id);
  for (const param of ['max_tokens', 'max_completion_tokens']) {
    const v = body[param];
    if (limit === undefined || typeof v !== 'number' || v <= limit) continue;
    return {
      status: 400,
      message: `${param} is too large: ${v}. This model supports at most ${limit} completion tokens, whereas you provided ${v}.`,
      type: 'invalid_request_error',
      param,
      code: 'invalid_value',
    };
  }
  return undefined;
}

/**
 * NVIDIA's hosted NIM API (integrate.api.nvidia.com) refuses OpenAI's prompt-cache key with its own
 * shape: 400 {"message":"Validation: Unsupported parameter(s): prompt_cache_key","type":"Bad Request",
 * "code":400} (liliMozi/openhanako#2512; farion1231/cc-switch#2089 quotes the same text). Told here by
 * the owner NVIDIA's own models carry, `nvidia/…`.
 */
function nvidiaUnsupported(body: Record<string, unknown>, model: string): OpenAIErrorInfo | undefined {
  if (!model.startsWith('nvidia/') || body.prompt_cache_key === undefined) return undefined;
  const message = 'Validation: Unsupported parameter(s): prompt_cache_key';
  return { status: 400, message, type: 'Bad Request', param: null, code: null, body: { message, type: 'Bad Request', code: 400 } };
}

/** Volcengine Ark's models whose thinking is off unless `thinking: {type: "enabled"}` asks for it. */
const ARK_THINKING_OFF = /^(?:ark-code-latest|doubao-seed-character)/;

/** Fields a server takes beyond OpenAI's, by model: Ark's own `thinking` switch. */
export function vendorParams(model: string): readonly string[] {
  return /^(?:ark-|doubao-)/.test(bare(model)) ? ['thinking'] : [];
}

/**
 * Ark refuses a graded reasoning_effort to a model thinking off: 400 "Invalid combination of
 * reasoning_effort and thinking type: medium + disabled" (RooCodeInc/Roo-Code#11001, #11395); none and
 * minimal pass alone, any effort passes beside thinking enabled (anomalyco/models.dev#5645). Its error
 * shape as for its other 400s (yiliqi78/TOKENICODE#3).
 */
function arkThinkingOff(body: Record<string, unknown>, id: string): OpenAIErrorInfo | undefined {
  const effort = body.reasoning_effort;
  if (!ARK_THINKING_OFF.test(id) || typeof effort !== 'string' || effort === 'none' || effort === 'minimal') return undefined;
  const thinking = isRecord(body.thinking) ? body.thinking.type : undefined;
  if (thinking === 'enabled') return undefined;
  const message = `Invalid combination of reasoning_effort and thinking type: ${effort} + ${thinking ?? 'disabled'}`;
  return { status: 400, message, type: 'BadRequest', param: 'reasoning_effort', code: 'InvalidParameter' };
}
