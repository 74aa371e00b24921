import { isRecord, type JsonObject } from '../../util/json.ts';

/**
 * A JSON Schema from another protocol's structured output (OpenAI `response_format.json_schema`, Gemini
 * `responseJsonSchema`, Responses `text.format`) → one Anthropic's `output_config.format` accepts. Its
 * constrained decoding takes a subset and answers 400 to the rest, whatever `strict` said:
 * - every object must close itself: "For 'object' type, 'additionalProperties' must be explicitly set
 *   to false" (ax-llm/ax#458, veryfront/veryfront-code#3918), and `true` is refused too
 *   (BerriAI/litellm#35808). OpenAI's non-strict mode and Gemini never required it.
 * - value bounds: "For 'number' type, properties maximum, minimum are not supported"
 *   (sherifkozman/the-llm-council#55), minLength/maxLength and "For 'array' type, 'minItems' values
 *   other than 0 or 1 are not supported" (laravel/ai#715, ghostlobster/memorize-everything#93).
 * Objects are closed; the bounds leave the schema for its description, so the model still reads them.
 * Pure: the input is never mutated.
 */
export function anthropicOutputSchema(schema: Record<string, unknown>): JsonObject {
  return close(schema, 0) as JsonObject;
}

/** Deeper than this is a schema no model can use; it is left as it is. */
const MAX_DEPTH = 32;

/** Bounds the API refuses; minItems only above 1. */
const BOUNDS = [
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
];
/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = ['properties', '$defs', 'definitions'];
/** Keywords whose value is a schema or a list of schemas. */
const SUBSCHEMAS = ['items', 'prefixItems', 'anyOf', 'allOf', 'oneOf', 'not'];

/** Only a declared object: closing an untyped branch of an anyOf beside its parent's properties would make it unsatisfiable. */
const isObjectSchema = (s: Record<string, unknown>): boolean => s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'));

function close(node: unknown, depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => close(n, depth + 1));
  if (!isRecord(node) || depth > MAX_DEPTH) return node;
  const out: JsonObject = { ...node };
  for (const key of SCHEMA_MAPS) {
    const map = node[key];
    if (isRecord(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, close(v, depth + 1)]));
  }
  for (const key of SUBSCHEMAS) if (key in node) out[key] = close(node[key], depth + 1);

  const hints: string[] = [];
  for (const key of BOUNDS) {
    const v = node[key];
    if (v === undefined || (key === 'minItems' && (v === 0 || v === 1))) continue;
    hints.push(`${key}: ${JSON.stringify(v)}`);
    delete out[key];
  }
  if (hints.length > 0) {
    const said = typeof node.description === 'string' && node.description !== '' ? `${node.description}\n\n` : '';
    out.description = `${said}{${hints.join(', ')}}`;
  }
  if (isObjectSchema(node)) {
    out.additionalProperties = false;
    delete out.patternProperties;
  }
  return out;
}
