import { isRecord, type JsonObject } from '../../util/json.ts';
import { pointerTarget } from '../../util/json-pointer.ts';

/**
 * A structured-output JSON Schema from another protocol (OpenAI `response_format.json_schema`, Anthropic
 * `output_config.format`, Responses `text.format`) → one Gemini's `responseJsonSchema` takes. It takes
 * plain JSON Schema, but "If $ref is set on a sub-schema, no other properties, except for those starting
 * as a $, may be set" (its API reference), and answers 400 "schema at properties.draft can only contain
 * properties starting with '$' when $ref is present" (google-gemini/gemini-cli#4758). Pydantic writes
 * just that for a field of a model type with a description (`{"$ref": "#/$defs/Hero", "description": …}`,
 * defog-ai/defog#244). Such a reference is inlined, its siblings kept over the target's own keywords;
 * one inside its own target (a cycle) keeps only the reference. Pure: the input is never mutated.
 */
export function geminiResponseSchema(schema: Record<string, unknown>): JsonObject {
  return walk(schema, schema, [], 0) as JsonObject;
}

/** Deeper than this is a schema no model can use; it is left as it is. */
const MAX_DEPTH = 32;
/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = ['properties', '$defs', 'definitions'];
/** Keywords whose value is a schema or a list of schemas. */
const SUBSCHEMAS = ['items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not'];

/** `inlining`: the references being inlined on the way here, so a cycle is not followed again. */
function walk(node: unknown, root: Record<string, unknown>, inlining: readonly string[], depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => walk(n, root, inlining, depth + 1));
  if (!isRecord(node) || depth > MAX_DEPTH) return node;
  const ref = node.$ref;
  if (typeof ref === 'string' && Object.keys(node).some((k) => !k.startsWith('$'))) {
    const target = pointerTarget(ref, root);
    if (isRecord(target) && !inlining.includes(ref)) {
      const { $ref: _ref, ...siblings } = node;
      return walk({ ...target, ...siblings }, root, [...inlining, ref], depth + 1);
    }
    return Object.fromEntries(Object.entries(node).filter(([k]) => k.startsWith('$')));
  }
  const out: JsonObject = { ...node };
  for (const key of SCHEMA_MAPS) {
    const map = node[key];
    if (isRecord(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, walk(v, root, inlining, depth + 1)]));
  }
  for (const key of SUBSCHEMAS) if (key in node) out[key] = walk(node[key], root, inlining, depth + 1);
  return out;
}
