/**
 * The Gemini API's checks beyond proto shape: required data, conversation structure, function
 * declarations, thinking config and Gemini 3 thought signatures. Runs on a body that already passed
 * gemini-mock-proto.ts, so field types are known; names may still be camelCase or snake_case.
 */
import { isRecord } from '../../../src/util/json.ts';
import { invalidArgument, type MockHttpError } from './gemini-mock-errors.ts';
import { isDefault, snakeCase } from './gemini-mock-proto.ts';

/** The sentinel Google accepts in place of a real signature (gemini-cli's SYNTHETIC_THOUGHT_SIGNATURE). */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

const PART_DATA_FIELDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'toolCall',
  'toolResponse',
] as const;

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const INVALID_FUNCTION_NAME =
  'Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.';

export const MSG = {
  role: 'Please use a valid role: user, model.',
  callAfterUser: 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
  responseAfterCall: 'Please ensure that function response turn comes immediately after a function call turn.',
  responseCount:
    'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
  budgetAndLevel: 'thinking_budget and thinking_level are not supported together.',
  levelUnsupported: 'Thinking level is not supported for this model.',
  budgetUnsupported: 'Thinking budget is not supported for this model.',
  thinkingConfigUnsupported: 'thinking_config is not supported.',
  budgetZero: 'Budget 0 is invalid. This model only works in thinking mode.',
  corruptedSignature: 'Corrupted thought signature.',
  jsonWithFunctions: "Function calling with a response mime type: 'application/json' is unsupported",
  /** Gemini 3's odd wording for media beside function responses (agno-agi/agno#9630, MoonshotAI/kimi-code#3274). */
  mediaBesideResponses: 'Requests ending with a model turn are not supported.',
  /** Google's generic wording, all the API says (googleapis/python-genai#981). */
  invalidArgument: 'Request contains an invalid argument.',
} as const;

/** Refusals that name the model (`models/gemma-3-27b-it`), as the live API words them. */
export const notEnabled = {
  system: (model: string) => `Developer instruction is not enabled for models/${model}`,
  functions: (model: string) => `Function calling is not enabled for models/${model}`,
  json: (model: string) => `JSON mode is not enabled for models/${model}`,
  thinking: (model: string) => `Thinking is not enabled for models/${model}`,
};

/** Gemma 1–3 on the Gemini API: no system instruction, function calling or JSON mode (model-rules.ts has the sources). */
const PLAIN_GEMMA = /gemma-[1-3](?!\d)/;
/** Gemma 4 thinks by level, MINIMAL or HIGH only. */
const GEMMA_4 = /gemma-4(?!\d)/;
const GEMMA_4_LEVELS = new Set(['MINIMAL', 'HIGH']);
/** Gemini 3 Pro takes LOW and HIGH only; MINIMAL and MEDIUM are Flash's (egoist/chatwise-releases#1206). */
const GEMINI_3_PRO = /gemini-3-pro(?!-image)/;
const GEMINI_3_PRO_LEVELS = new Set(['LOW', 'HIGH']);
/** Models that cannot think: the 2.x image models name themselves in the refusal, 1.x and 2.0 do not. */
const IMAGE_NO_THINKING = /gemini-2\.(?:0|5)-flash-(?:preview-|exp-)?image/;
const NO_THINKING = /gemini-(?:1\.|2\.0)/;

export function missingSignatureMessage(name: string, position: number): string {
  return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${position}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
}

/** A field under its camelCase or snake_case name; null counts as absent (proto3 JSON). */
export function field(obj: unknown, camel: string): unknown {
  if (!isRecord(obj)) return undefined;
  return obj[camel] ?? obj[snakeCase(camel)] ?? undefined;
}

/** A repeated field as a list (Google also takes a lone value there). */
export function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export const roleOf = (content: unknown): string => {
  const r = field(content, 'role');
  return typeof r === 'string' && r !== '' ? r : 'user';
};

const partsOf = (content: unknown): unknown[] => list(field(content, 'parts'));
const countParts = (content: unknown, kind: 'functionCall' | 'functionResponse'): number =>
  partsOf(content).filter((p) => field(p, kind) !== undefined).length;

export interface RuleContext {
  model: string;
  issuedSignatures: ReadonlySet<string>;
}

/**
 * Checks a GenerateContentRequest body. `prefix`/`pathPrefix` place the request inside a
 * CountTokensRequest when it arrives as `generateContentRequest`.
 */
export function checkGenerateRequest(
  body: Record<string, unknown>,
  ctx: RuleContext,
  prefix = 'GenerateContentRequest',
): MockHttpError | undefined {
  const contents = list(field(body, 'contents'));
  if (contents.length === 0) return invalidArgument(`* ${prefix}.contents: contents is not specified\n`);

  const lines: string[] = [];
  contents.forEach((c, i) => checkContentData(c, `contents[${i}]`, lines));
  const system = field(body, 'systemInstruction');
  if (system !== undefined) checkContentData(system, 'system_instruction', lines);
  checkTools(body, lines);
  const responseSchema = field(field(body, 'generationConfig'), 'responseSchema');
  if (responseSchema !== undefined) checkSchema(responseSchema, 'generation_config.response_schema', lines);
  if (lines.length > 0) return invalidArgument(lines.map((l) => `* ${prefix}.${l}\n`).join(''));

  const policy =
    checkResponseJsonSchema(field(field(body, 'generationConfig'), 'responseJsonSchema'), '') ??
    checkModelFeatures(body, ctx.model) ??
    checkForcedCalls(body) ??
    checkRoles(contents) ??
    checkFileUris(contents) ??
    checkImageTypes(contents) ??
    checkThinking(body, ctx.model) ??
    checkSignatures(contents, ctx) ??
    checkResponseMedia(contents, ctx.model) ??
    checkFunctionTurns(contents);
  return policy === undefined ? undefined : invalidArgument(policy);
}

/** countTokens with bare `contents`: the same content checks, under CountTokensRequest. */
export function checkCountContents(contents: unknown[], ctx: RuleContext): MockHttpError | undefined {
  return checkGenerateRequest({ contents }, ctx, 'CountTokensRequest');
}

function checkContentData(content: unknown, path: string, lines: string[]): void {
  const parts = partsOf(content);
  if (parts.length === 0) {
    lines.push(`${path}.parts: contents.parts must not be empty.`);
    return;
  }
  parts.forEach((part, j) => {
    const at = `${path}.parts[${j}]`;
    // An empty string is proto3's default, so `{"text": ""}` (even with a thoughtSignature) has no data.
    if (!PART_DATA_FIELDS.some((f) => !isDefault(field(part, f)))) {
      lines.push(`${at}.data: required oneof field 'data' must have one initialized field`);
    }
    const call = field(part, 'functionCall');
    if (call !== undefined && !nonEmptyString(field(call, 'name'))) lines.push(`${at}.function_call.name: Name cannot be empty.`);
    const response = field(part, 'functionResponse');
    if (response !== undefined) {
      if (!nonEmptyString(field(response, 'name'))) lines.push(`${at}.function_response.name: Name cannot be empty.`);
      if (field(response, 'response') === undefined) lines.push(`${at}.function_response.response: Response cannot be empty.`);
    }
  });
}

function checkTools(body: Record<string, unknown>, lines: string[]): void {
  list(field(body, 'tools')).forEach((tool, t) => {
    list(field(tool, 'functionDeclarations')).forEach((decl, d) => {
      const at = `tools[${t}].function_declarations[${d}]`;
      const name = field(decl, 'name');
      if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) lines.push(`${at}.name: ${INVALID_FUNCTION_NAME}`);
      const params = field(decl, 'parameters');
      if (params !== undefined) checkSchema(params, `${at}.parameters`, lines);
    });
  });
}

/**
 * What the Gemini API checks on every node of a `Schema` (tool parameters, responseSchema) once the proto
 * parsed, as its 400s word it. Each rule is one users met with MCP servers' schemas:
 * - a type on every node that has no anyOf (danny-avila/LibreChat#6971; Code Assist words it "schema
 *   didn't specify the schema type field", google-gemini/gemini-cli#2282);
 * - an ARRAY names its items (cline/cline#7339: "items: missing field."), and only an ARRAY has items
 *   (sbroenne/mcp-server-excel#672: "items: field predicate failed:  == Type.ARRAY");
 * - properties and required only on an OBJECT (anomalyco/opencode#11889), properties not empty there
 *   (pipecat-ai/pipecat-flows#110), every required name a declared property (iBUHub/AIStudioToAPI#154);
 * - enum only on a STRING (JetBrains/mcp-jetbrains#71), no empty member (Smana/runlore#40);
 * - the OpenAPI subset's formats only: enum and date-time for STRING.
 */
function checkSchema(schema: unknown, path: string, lines: string[], depth = 0): void {
  if (!isRecord(schema) || depth > 64) return;
  const rawType = field(schema, 'type');
  const type = typeof rawType === 'string' ? rawType.toUpperCase() : undefined;
  const typed = type !== undefined && type !== 'TYPE_UNSPECIFIED';
  const anyOf = list(field(schema, 'anyOf'));
  if (!typed && anyOf.length === 0) lines.push(`${path}.type: must be specified when not using one_of, any_of or all_of fields`);
  const format = field(schema, 'format');
  if (type === 'STRING' && typeof format === 'string' && format !== '') {
    if (format !== 'enum' && format !== 'date-time') lines.push(`${path}.format: only 'enum' and 'date-time' are supported for STRING type`);
  }
  const enumValues = list(field(schema, 'enum'));
  if (enumValues.length > 0 && type !== 'STRING') lines.push(`${path}.enum: only allowed for STRING type`);
  enumValues.forEach((v, k) => {
    if (v === '') lines.push(`${path}.enum[${k}]: cannot be empty`);
  });
  const props = field(schema, 'properties');
  const required = list(field(schema, 'required'));
  if (props !== undefined && type !== 'OBJECT') lines.push(`${path}.properties: only allowed for OBJECT type`);
  if (required.length > 0 && type !== 'OBJECT') lines.push(`${path}.required: only allowed for OBJECT type`);
  if (type === 'OBJECT' && isRecord(props) && Object.keys(props).length === 0) {
    lines.push(`${path}.properties: should be non-empty for OBJECT type`);
  }
  if (type === 'OBJECT') {
    required.forEach((r, k) => {
      if (typeof r !== 'string' || !isRecord(props) || !Object.hasOwn(props, r)) lines.push(`${path}.required[${k}]: property is not defined`);
    });
  }
  const items = field(schema, 'items');
  if (type === 'ARRAY' && items === undefined) lines.push(`${path}.items: missing field.`);
  if (items !== undefined && type !== 'ARRAY') lines.push(`${path}.items: field predicate failed:  == Type.ARRAY`);
  if (isRecord(props)) {
    for (const [name, sub] of Object.entries(props)) checkSchema(sub, `${path}.properties[${name}]`, lines, depth + 1);
  }
  if (items !== undefined) checkSchema(items, `${path}.items`, lines, depth + 1);
  anyOf.forEach((sub, k) => checkSchema(sub, `${path}.any_of[${k}]`, lines, depth + 1));
}

/**
 * responseJsonSchema takes JSON Schema, but a `$ref` only beside keywords starting with `$` (the API
 * reference), refused in the API's words (google-gemini/gemini-cli#4758): "schema at properties.draft can
 * only contain properties starting with '$' when $ref is present".
 */
function checkResponseJsonSchema(schema: unknown, path: string, depth = 0): string | undefined {
  if (Array.isArray(schema)) {
    for (let i = 0; i < schema.length; i++) {
      const p = checkResponseJsonSchema(schema[i], `${path}.${i}`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (!isRecord(schema) || depth > 64) return undefined;
  if (typeof schema.$ref === 'string' && Object.keys(schema).some((k) => !k.startsWith('$'))) {
    return `schema${path === '' ? '' : ` at ${path.slice(1)}`} can only contain properties starting with '$' when $ref is present`;
  }
  for (const key of ['properties', '$defs', 'definitions']) {
    const map = schema[key];
    if (!isRecord(map)) continue;
    for (const [name, sub] of Object.entries(map)) {
      const p = checkResponseJsonSchema(sub, `${path}.${key}.${name}`, depth + 1);
      if (p) return p;
    }
  }
  for (const key of ['items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not']) {
    const p = checkResponseJsonSchema(schema[key], `${path}.${key}`, depth + 1);
    if (p) return p;
  }
  return undefined;
}

/**
 * The Gemini API does not fetch arbitrary URLs (protocols.md §6.2): fileData must name an uploaded file,
 * a Cloud Storage object or a YouTube video, else "Invalid or unsupported file uri" (as users quote it).
 */
const FETCHABLE_URI = /^(?:https:\/\/generativelanguage\.googleapis\.com\/|gs:\/\/|https:\/\/(?:www\.)?youtube\.com\/|https:\/\/youtu\.be\/)/;

function checkFileUris(contents: unknown[]): string | undefined {
  for (const content of contents) {
    for (const part of partsOf(content)) {
      const uri = field(field(part, 'fileData'), 'fileUri');
      if (typeof uri === 'string' && !FETCHABLE_URI.test(uri)) return `Invalid or unsupported file uri: ${uri}`;
    }
  }
  return undefined;
}

/**
 * Images must be PNG, JPEG, WEBP, HEIC or HEIF (ai.google.dev image-understanding "supported formats");
 * anything else, image/gif and the image/jpg alias included, is "Unsupported MIME type: …" as users
 * quote it (Mai-with-u/MaiBot#1435, CherryHQ/cherry-studio#3088).
 */
const GEMINI_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];

function checkImageTypes(contents: unknown[]): string | undefined {
  for (const content of contents) {
    for (const part of partsOf(content)) {
      const mime = field(field(part, 'inlineData'), 'mimeType');
      if (typeof mime === 'string' && mime.startsWith('image/') && !GEMINI_IMAGE_TYPES.includes(mime)) {
        return `Unsupported MIME type: ${mime}`;
      }
    }
  }
  return undefined;
}

function checkRoles(contents: unknown[]): string | undefined {
  return contents.some((c) => roleOf(c) !== 'user' && roleOf(c) !== 'model') ? MSG.role : undefined;
}

/** Gemini 1.x/2.x: no JSON mode beside callable functions (googleapis/python-genai#867; mode NONE is fine: google/adk-python#5735). */
const NO_JSON_WITH_FUNCTIONS = /gemini-[12](?:\.\d+)?-/;

/** What a model cannot do at all, whatever the values. */
function checkModelFeatures(body: Record<string, unknown>, model: string): string | undefined {
  if (NO_JSON_WITH_FUNCTIONS.test(model)) {
    const declared = list(field(body, 'tools')).some((t) => list(field(t, 'functionDeclarations')).length > 0);
    const mode = field(field(field(body, 'toolConfig'), 'functionCallingConfig'), 'mode');
    const json = field(field(body, 'generationConfig'), 'responseMimeType') === 'application/json';
    if (declared && json && mode !== 'NONE') return MSG.jsonWithFunctions;
  }
  if (!PLAIN_GEMMA.test(model)) return undefined;
  if (field(body, 'systemInstruction') !== undefined) return notEnabled.system(model);
  const declarations = list(field(body, 'tools')).some((t) => list(field(t, 'functionDeclarations')).length > 0);
  if (declarations) return notEnabled.functions(model);
  const gc = field(body, 'generationConfig');
  const mime = field(gc, 'responseMimeType');
  const json = mime === 'application/json' || field(gc, 'responseSchema') !== undefined || field(gc, 'responseJsonSchema') !== undefined;
  return json ? notEnabled.json(model) : undefined;
}

/**
 * Mode ANY (a call is forced) with a function declared without parameters: a 400 with no detail
 * (googleapis/python-genai#981, pydantic/pydantic-ai#1990); the same declarations pass in mode AUTO.
 */
function checkForcedCalls(body: Record<string, unknown>): string | undefined {
  const mode = field(field(field(body, 'toolConfig'), 'functionCallingConfig'), 'mode');
  if (typeof mode !== 'string' || mode.toUpperCase() !== 'ANY') return undefined;
  const bare = list(field(body, 'tools')).some((t) =>
    list(field(t, 'functionDeclarations')).some((d) => field(d, 'parameters') === undefined && field(d, 'parametersJsonSchema') === undefined),
  );
  return bare ? MSG.invalidArgument : undefined;
}

function checkThinking(body: Record<string, unknown>, model: string): string | undefined {
  const thinking = field(field(body, 'generationConfig'), 'thinkingConfig');
  if (thinking === undefined) return undefined;
  if (IMAGE_NO_THINKING.test(model)) return notEnabled.thinking(model);
  if (NO_THINKING.test(model)) return MSG.thinkingConfigUnsupported;
  const budget = field(thinking, 'thinkingBudget');
  const level = field(thinking, 'thinkingLevel');
  if (budget !== undefined && level !== undefined) return MSG.budgetAndLevel;
  if (GEMMA_4.test(model)) {
    if (budget !== undefined) return MSG.budgetUnsupported;
    if (level !== undefined && !GEMMA_4_LEVELS.has(String(level).toUpperCase())) return MSG.levelUnsupported;
    return undefined;
  }
  if (level !== undefined && !model.includes('gemini-3')) return MSG.levelUnsupported;
  if (level !== undefined && GEMINI_3_PRO.test(model) && !GEMINI_3_PRO_LEVELS.has(String(level).toUpperCase())) return MSG.levelUnsupported;
  if (budget !== undefined && Number(budget) === 0 && model.includes('pro')) return MSG.budgetZero;
  return undefined;
}

/**
 * Gemini 3: within the current turn (everything after the last user turn that is not a function
 * response), the first functionCall part of every model turn must carry a signature this server
 * issued, or the documented bypass value. Older turns are not validated, as Google documents.
 */
function checkSignatures(contents: unknown[], ctx: RuleContext): string | undefined {
  if (!ctx.model.includes('gemini-3')) return undefined;
  let start = 0;
  contents.forEach((c, i) => {
    if (roleOf(c) === 'user' && countParts(c, 'functionResponse') === 0) start = i;
  });
  for (let i = start; i < contents.length; i++) {
    const content = contents[i];
    if (roleOf(content) !== 'model') continue;
    const first = partsOf(content).find((p) => field(p, 'functionCall') !== undefined);
    if (first === undefined) continue;
    const signature = field(first, 'thoughtSignature');
    if (typeof signature !== 'string' || signature === '') {
      const name = field(field(first, 'functionCall'), 'name');
      return missingSignatureMessage(typeof name === 'string' ? name : '', i + 1);
    }
    if (signature !== SKIP_SIGNATURE && !ctx.issuedSignatures.has(signature)) return MSG.corruptedSignature;
  }
  return undefined;
}

/**
 * Gemini 3 and later take a tool result's media inside the response (`functionResponse.parts`, Google's
 * "multimodal function responses"); beside the response parts in the same turn they are a 400 with an odd
 * message (agno-agi/agno#9630, MoonshotAI/kimi-code#3274, both on Gemini 3.7).
 */
function checkResponseMedia(contents: unknown[], model: string): string | undefined {
  if (!model.includes('gemini') || /gemini-[12](?:\.\d+)?-/.test(model)) return undefined;
  for (const c of contents) {
    const parts = partsOf(c);
    if (!parts.some((p) => field(p, 'functionResponse') !== undefined)) continue;
    if (parts.some((p) => field(p, 'inlineData') !== undefined || field(p, 'fileData') !== undefined)) return MSG.mediaBesideResponses;
  }
  return undefined;
}

function checkFunctionTurns(contents: unknown[]): string | undefined {
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    const prev = i > 0 ? contents[i - 1] : undefined;
    const calls = countParts(content, 'functionCall');
    const responses = countParts(content, 'functionResponse');
    if (roleOf(content) === 'model' && calls > 0 && (prev === undefined || roleOf(prev) !== 'user')) return MSG.callAfterUser;
    if (roleOf(content) !== 'user') continue;
    const prevCalls = prev !== undefined && roleOf(prev) === 'model' ? countParts(prev, 'functionCall') : 0;
    if (responses > 0 && prevCalls === 0) return MSG.responseAfterCall;
    // A call turn must be answered in the very next turn, one response per call.
    if (prevCalls > 0 && responses !== prevCalls) return MSG.responseCount;
  }
  return undefined;
}

const nonEmptyString = (v: unknown): boolean => typeof v === 'string' && v !== '';
