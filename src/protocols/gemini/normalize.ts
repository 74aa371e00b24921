import { isRecord, type JsonObject } from '../../util/json.ts';

/**
 * Gemini parses requests with proto3-JSON rules, so every field may arrive as `snake_case` or
 * `lowerCamelCase`. We rename keys to camelCase, but only inside known proto messages: `args`,
 * `response`, schemas and map fields (labels) hold user data whose keys must stay untouched.
 *
 * Google's parser is also laxer than proto3 JSON in two ways its own REST cookbook relies on
 * (google-gemini/cookbook quickstarts/rest/Function_calling_config_REST.ipynb, copied into many
 * scripts): a lone object where a list is expected (`"contents": {"role": "user", "parts": {"text": …}}`,
 * `"system_instruction": {"parts": {"text": …}}`), and enum names in any case (`"mode": "any"`).
 * Both are read here as Google reads them, so the request means the same to every upstream.
 */

/** For each message, the fields that hold further messages (`[m]` = repeated). */
type Children = Record<string, string | [string]>;

const MESSAGES: Record<string, Children> = {
  request: {
    contents: ['content'],
    systemInstruction: 'content',
    tools: ['tool'],
    toolConfig: 'toolConfig',
    generationConfig: 'generationConfig',
  },
  content: { parts: ['part'] },
  part: {
    inlineData: 'blob',
    fileData: 'blob',
    functionCall: 'leaf',
    functionResponse: 'functionResponse',
    executableCode: 'leaf',
    codeExecutionResult: 'leaf',
  },
  functionResponse: { parts: ['part'] },
  // :embedContent's body, and :batchEmbedContents' (`"output_dimensionality"`, `"task_type"` as Google's guide writes them).
  embedRequest: { content: 'content' },
  batchEmbedRequest: { requests: ['embedRequest'] },
  tool: { functionDeclarations: ['leaf'] },
  toolConfig: { functionCallingConfig: 'functionCallingConfig' },
  generationConfig: { thinkingConfig: 'leaf' },
  // Messages whose own keys are renamed but which hold no further messages.
  functionCallingConfig: {},
  blob: {},
  leaf: {},
};

/** For each message, its enum fields: their values are upper-cased, the form the codec compares. */
const ENUMS: Record<string, ReadonlySet<string>> = { functionCallingConfig: new Set(['mode']) };

const snakeToCamel = (key: string): string =>
  key.includes('_') ? key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : key;

function normalizeMessage(value: unknown, kind: string): unknown {
  if (!isRecord(value)) return value;
  const children = MESSAGES[kind] ?? {};
  const out: JsonObject = {};
  for (const [rawKey, v] of Object.entries(value)) {
    const key = snakeToCamel(rawKey);
    // When both spellings are present the camelCase one wins; it is what Google's own SDKs send.
    if (key !== rawKey && key in value) continue;
    const child = children[key];
    if (child === undefined) out[key] = typeof v === 'string' && ENUMS[kind]?.has(key) ? v.toUpperCase() : v;
    else if (Array.isArray(child)) out[key] = asList(v)?.map((x) => normalizeMessage(x, child[0])) ?? v;
    else out[key] = normalizeMessage(v, child);
  }
  return out;
}

/** A repeated message field's value as a list (a lone object is a list of one), or undefined when it is neither. */
export function asList(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : isRecord(v) ? [v] : undefined;
}

/** The request with every proto field name in camelCase; anything that is not an object is returned as is. */
export function normalizeRequest(body: unknown): unknown {
  return normalizeMessage(body, 'request');
}

/** An embedContent or batchEmbedContents body, read by the same rules as a generate request's. */
export function normalizeEmbedRequest(body: unknown, batch: boolean): unknown {
  return normalizeMessage(body, batch ? 'batchEmbedRequest' : 'embedRequest');
}
