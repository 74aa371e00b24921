import { isRecord } from '../../util/json.ts';

/**
 * Whether OpenAI's strict mode (Chat Completions `function.strict`, the Responses API's `strict`) takes
 * a tool's parameters: an object at the root, and every object schema closed (`additionalProperties:
 * false`) with each of its properties in `required`. Anthropic's strict tool use asks only the first two,
 * so a tool an Anthropic client marks strict may leave parameters optional (Claude Code's Read has
 * `offset` and `limit`: Gitlawb/openclaude#471), and OpenAI answers it 400 invalid_function_parameters
 * "Invalid schema for function 'x': In context=(), 'required' is required to be supplied and to be an
 * array including every key in properties. Missing 'limit'." (laravel/ai#506). Such a tool goes without
 * strict mode rather than with every optional parameter made required, which the model would then fill.
 */
export function takesStrict(schema: Record<string, unknown>): boolean {
  return schema.type === 'object' && closedAndRequired(schema, 0);
}

/** Deeper than this is a schema no model can use; strict mode is not asked for it. */
const MAX_DEPTH = 32;
const SCHEMA_MAPS = ['$defs', 'definitions'];
const SUBSCHEMAS = ['items', 'prefixItems', 'anyOf', 'allOf', 'oneOf'];

function closedAndRequired(node: unknown, depth: number): boolean {
  if (Array.isArray(node)) return node.every((n) => closedAndRequired(n, depth + 1));
  if (!isRecord(node)) return true;
  if (depth > MAX_DEPTH) return false;
  const properties = isRecord(node.properties) ? node.properties : undefined;
  const object = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || properties !== undefined;
  if (object) {
    if (node.additionalProperties !== false) return false;
    const required = Array.isArray(node.required) ? node.required : [];
    if (properties && Object.keys(properties).some((k) => !required.includes(k))) return false;
  }
  if (properties && !Object.values(properties).every((p) => closedAndRequired(p, depth + 1))) return false;
  for (const key of SCHEMA_MAPS) {
    const map = node[key];
    if (isRecord(map) && !Object.values(map).every((s) => closedAndRequired(s, depth + 1))) return false;
  }
  return SUBSCHEMAS.every((key) => closedAndRequired(node[key], depth + 1));
}
