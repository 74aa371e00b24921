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
  return walk(schema, schema, [], 0, { left: INLINE_BUDGET }) as JsonObject;
}

/**
 * Schema nodes that inlining may write. Definitions that refer to each other several times, each with a
 * description beside the reference (pydantic's way), multiply at every level: 2.5 KB of schema became
 * 126 MB in 9 s. Past the budget a reference is kept as `{…its keywords, anyOf: [{$ref}]}`, which Gemini
 * takes as well and which stays the size it was.
 */
const INLINE_BUDGET = 2_000;

/** Deeper than this is a schema no model can use; it is left as it is. */
const MAX_DEPTH = 32;
/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = ['properties', '$defs', 'definitions'];
/** Keywords whose value is a schema or a list of schemas. */
const SUBSCHEMAS = ['items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not'];

/** `inlining`: the references being inlined on the way here, so a cycle is not followed again. */
function walk(node: unknown, root: Record<string, unknown>, inlining: readonly string[], depth: number, budget: { left: number }): unknown {
  if (Array.isArray(node)) return node.map((n) => walk(n, root, inlining, depth + 1, budget));
  if (!isRecord(node) || depth > MAX_DEPTH) return node;
  budget.left--;
  const ref = node.$ref;
  if (typeof ref === 'string' && Object.keys(node).some((k) => !k.startsWith('$'))) {
    const target = pointerTarget(ref, root);
    const { $ref: _ref, ...siblings } = node;
    if (isRecord(target) && !inlining.includes(ref)) {
      if (budget.left > 0) return walk({ ...target, ...siblings }, root, [...inlining, ref], depth + 1, budget);
      if (!('anyOf' in siblings)) return walk({ ...siblings, anyOf: [{ $ref: ref }] }, root, inlining, depth + 1, budget);
    }
    return Object.fromEntries(Object.entries(node).filter(([k]) => k.startsWith('$')));
  }
  const out: JsonObject = { ...node };
  for (const key of SCHEMA_MAPS) {
    const map = node[key];
    if (isRecord(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, walk(v, root, inlining, depth + 1, budget)]));
  }
  for (const key of SUBSCHEMAS) if (key in node) out[key] = walk(node[key], root, inlining, depth + 1, budget);
  return out;
}
