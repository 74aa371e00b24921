import { isRecord, type JsonObject } from '../../util/json.ts';
import { defsName, pointerTarget } from '../../util/json-pointer.ts';

/**
 * JSON Schema → the OpenAPI-3.0 subset Gemini accepts in `functionDeclarations[].parameters`
 * (protocols.md §7 items 6-7). Gemini answers 400 to `$ref`, `additionalProperties`, `const`, type
 * arrays, `type` beside `anyOf`, non-string enums and more; what cannot be kept is either rewritten
 * into an equivalent form or described in `description`, so the model still sees the constraint.
 * Pure: the input is never mutated.
 */
export function cleanSchema(schema: Record<string, unknown>): JsonObject {
  const defs: JsonObject = {
    ...(isRecord(schema.definitions) ? schema.definitions : {}),
    ...(isRecord(schema.$defs) ? schema.$defs : {}),
  };
  return clean(schema, { root: schema, defs, refs: [], written: { nodes: 0 } }, 0);
}

interface Ctx {
  /** The whole schema, which `#/…` pointers other than into the definitions are read from. */
  root: JsonObject;
  defs: JsonObject;
  /** $ref names being expanded on the current path, to stop cycles. */
  refs: string[];
  /** Schema nodes written so far in the whole schema (see MAX_NODES). */
  written: { nodes: number };
}

/** Deeper than this is either a cycle we failed to see or a schema no model can use. */
const MAX_DEPTH = 32;
/**
 * More schema nodes than any real tool schema has. Each inlined reference copies its target, so a
 * definition used by many references (or definitions that each use the next a few times) multiplies the
 * schema: a 400 KB one became 333 MB in 3.5 s, the event loop blocked. Past this, a reference is an open
 * object, as an unresolvable one is; the rest of the schema is written as it is.
 */
const MAX_NODES = 50_000;

const TYPE_NAMES: Record<string, string> = {
  string: 'STRING',
  number: 'NUMBER',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  array: 'ARRAY',
  object: 'OBJECT',
};

const STRING_FORMATS = new Set(['enum', 'date-time']);
const NUMBER_FORMATS = new Set(['int32', 'int64', 'float', 'double']);
/** Constraints Gemini's Schema has fields for; copied as they are. */
const KEPT_NUMBERS = ['minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'];
/** Constraints it lacks; kept as a description hint. */
const HINTED = ['exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'uniqueItems'];

const geminiType = (t: unknown): string | undefined =>
  typeof t === 'string' ? TYPE_NAMES[t.toLowerCase()] : undefined;

const isNullSchema = (s: unknown): boolean =>
  isRecord(s) &&
  (s.type === 'null' || (Array.isArray(s.type) && s.type.length === 1 && s.type[0] === 'null') || s.const === null);

function clean(node: unknown, ctx: Ctx, depth: number): JsonObject {
  if (!isRecord(node)) return {};
  ctx.written.nodes++;
  if (depth > MAX_DEPTH) return { type: 'OBJECT' };

  if (typeof node.$ref === 'string') {
    const { $ref, ...siblings } = node;
    const defName = defsName($ref);
    const name = defName ?? $ref;
    const target = defName !== undefined ? ctx.defs[defName] : pointerTarget($ref, ctx.root);
    // A cycle cannot be inlined and an unknown ref cannot be resolved; an open object is the honest rest.
    if (!isRecord(target) || ctx.refs.includes(name) || ctx.written.nodes >= MAX_NODES) {
      const description = typeof siblings.description === 'string' ? siblings.description : undefined;
      return description === undefined ? { type: 'OBJECT' } : { type: 'OBJECT', description };
    }
    return clean({ ...target, ...siblings }, { ...ctx, refs: [...ctx.refs, name] }, depth + 1);
  }

  const out: JsonObject = {};
  const hints: string[] = [];
  let nullable = node.nullable === true;

  // type: a string, or an array that may contain "null".
  let types: string[] = [];
  if (typeof node.type === 'string') types = [node.type];
  else if (Array.isArray(node.type)) types = node.type.filter((t): t is string => typeof t === 'string');
  if (types.some((t) => t === 'null')) nullable = true;
  const realTypes = types.map(geminiType).filter((t): t is string => t !== undefined);
  let anyOf: JsonObject[] | undefined;
  if (realTypes.length === 1) out.type = realTypes[0];
  else if (realTypes.length > 1) anyOf = realTypes.map((t) => ({ type: t }));
  else if (types.length > 0 && nullable) out.type = 'STRING'; // `type: "null"` alone: Gemini has no null type

  if (typeof node.title === 'string') out.title = node.title;

  // const and enum: Gemini only knows string enums.
  let values: unknown[] | undefined = Array.isArray(node.enum) ? node.enum : undefined;
  if ('const' in node) values = [node.const];
  if (values) {
    if (values.includes(null)) nullable = true;
    const nonNull = values.filter((v) => v !== null);
    if (out.type === undefined || out.type === 'STRING') {
      out.type = 'STRING';
      const strings = nonNull.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      // Gemini refuses an empty member ("enum[3]: cannot be empty", Smana/runlore#40); the model still reads it.
      if (strings.includes('')) hints.push('or an empty string');
      const kept = strings.filter((v) => v !== '');
      if (kept.length > 0) out.enum = kept;
    } else if (nonNull.length > 0) {
      hints.push(`allowed values: ${nonNull.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }

  if (typeof node.format === 'string') {
    const t = out.type;
    const keep =
      (t === 'STRING' && STRING_FORMATS.has(node.format)) ||
      ((t === 'NUMBER' || t === 'INTEGER') && NUMBER_FORMATS.has(node.format));
    if (keep) out.format = node.format;
    else hints.push(`format: ${node.format}`);
  }

  if (typeof node.pattern === 'string') out.pattern = node.pattern;
  for (const k of KEPT_NUMBERS) if (typeof node[k] === 'number') out[k] = node[k];
  for (const k of HINTED) if (node[k] !== undefined && node[k] !== false) hints.push(`${k}: ${JSON.stringify(node[k])}`);

  if (isRecord(node.properties)) {
    const props: JsonObject = {};
    for (const [k, v] of Object.entries(node.properties)) props[k] = typed(clean(v, ctx, depth + 1), v);
    // Gemini rejects `properties: {}` on an object.
    if (Object.keys(props).length > 0) {
      out.properties = props;
      if (Array.isArray(node.required)) {
        const required = node.required.filter((r): r is string => typeof r === 'string' && r in props);
        if (required.length > 0) out.required = required;
      }
    }
    out.type ??= 'OBJECT';
  }

  if (isRecord(node.items)) out.items = typed(clean(node.items, ctx, depth + 1), node.items);
  else if (Array.isArray(node.items) && node.items.length > 0) {
    const items = node.items.map((i) => typed(clean(i, ctx, depth + 1), i));
    out.items = items.length === 1 ? items[0] : { anyOf: items };
  }
  if (out.items !== undefined) out.type ??= 'ARRAY';
  // Gemini rejects an ARRAY without items; strings are the least surprising element type.
  if (out.type === 'ARRAY' && out.items === undefined) out.items = { type: 'STRING' };

  // anyOf / oneOf: null members become `nullable`, a single remaining member is flattened.
  const alternatives = [
    ...(Array.isArray(node.anyOf) ? node.anyOf : []),
    ...(Array.isArray(node.oneOf) ? node.oneOf : []),
  ];
  if (alternatives.length > 0) {
    if (alternatives.some(isNullSchema)) nullable = true;
    const rest = alternatives.filter((a) => !isNullSchema(a)).map((a) => clean(a, ctx, depth + 1));
    // A member left with no type information (`{required: [...]}` once cleaned) accepts anything, and so
    // does the whole alternative; keeping it would strip the node's own type for nothing.
    if (rest.some(isUntyped)) rest.length = 0;
    if (rest.length === 1) mergeInto(out, rest[0]!);
    else if (rest.length > 1) anyOf = [...(anyOf ?? []), ...rest];
  }
  if (anyOf) {
    // Gemini rejects `type` next to `anyOf`.
    delete out.type;
    out.anyOf = anyOf;
  }

  if (Array.isArray(node.allOf)) {
    for (const part of node.allOf) mergeInto(out, clean(part, ctx, depth + 1));
    if (out.anyOf !== undefined) delete out.type;
  }
  if (Array.isArray(out.anyOf)) moveIntoBranches(out, out.anyOf as JsonObject[]);
  else if (typeof out.type === 'string') withoutOtherTypesKeywords(out, out.type);

  let description = typeof node.description === 'string' ? node.description : undefined;
  if (hints.length > 0) description = description ? `${description} (${hints.join('; ')})` : `(${hints.join('; ')})`;
  if (description === undefined && typeof out.description === 'string') description = out.description;
  if (description !== undefined) out.description = description;
  if (nullable) out.nullable = true;
  return out;
}

const isUntyped = (s: JsonObject): boolean =>
  s.type === undefined && s.anyOf === undefined && s.properties === undefined && s.items === undefined && s.enum === undefined;

/** Keywords that only apply to one type; Gemini rejects them on a node without that type. */
const TYPE_KEYWORDS: Record<string, string[]> = {
  OBJECT: ['properties', 'required', 'minProperties', 'maxProperties'],
  ARRAY: ['items', 'minItems', 'maxItems'],
  STRING: ['enum', 'format', 'pattern', 'minLength', 'maxLength'],
  NUMBER: ['format', 'minimum', 'maximum'],
  INTEGER: ['format', 'minimum', 'maximum'],
};

const ALL_TYPE_KEYWORDS = new Set(Object.values(TYPE_KEYWORDS).flat());

/**
 * A node that names one type keeps only that type's keywords: MCP servers' schemas carry `properties`
 * and `required` on a string (Notion's, anomalyco/opencode#11889), `items` on an object or `minItems` on
 * an object, which Gemini refuses ("properties: only allowed for OBJECT type"). The named type wins.
 */
function withoutOtherTypesKeywords(out: JsonObject, type: string): void {
  const own = TYPE_KEYWORDS[type] ?? [];
  for (const key of ALL_TYPE_KEYWORDS) if (out[key] !== undefined && !own.includes(key)) delete out[key];
}

/**
 * Gemini wants a type on every schema that has no anyOf ("type: must be specified when not using
 * one_of, any_of or all_of fields", danny-avila/LibreChat#6971; Code Assist: "schema didn't specify the
 * schema type field", google-gemini/gemini-cli#2282). A property left without one accepts any value in
 * JSON Schema (`{}`, `true`, `{description}` alone: what zod's any() and unknown() give MCP servers), so
 * any type is a faithful narrowing: a scalar default's own type, else a string, as for untyped items.
 */
function typed(out: JsonObject, source: unknown): JsonObject {
  if (out.type !== undefined || out.anyOf !== undefined) return out;
  const example = isRecord(source) ? source.default : undefined;
  const type = typeof example === 'number' ? 'NUMBER' : typeof example === 'boolean' ? 'BOOLEAN' : 'STRING';
  return { type, ...out };
}

/**
 * A node with `anyOf` has no `type` of its own, so `{type: ["string","array"], items}` or an object with
 * `properties` beside object alternatives would be a 400 ("properties: only allowed for OBJECT type",
 * an ARRAY member without items). Each type's keywords move into the members of that type.
 */
function moveIntoBranches(out: JsonObject, branches: JsonObject[]): void {
  for (const key of ALL_TYPE_KEYWORDS) {
    if (out[key] === undefined) continue;
    for (const b of branches) {
      if (typeof b.type === 'string' && TYPE_KEYWORDS[b.type]?.includes(key)) mergeInto(b, { [key]: out[key] });
    }
    delete out[key];
  }
  for (const b of branches) if (b.type === 'ARRAY' && b.items === undefined) b.items = { type: 'STRING' };
}

/** Adds `src` to `dst`: properties and required are unioned, other keys keep the first value seen. */
function mergeInto(dst: JsonObject, src: JsonObject): void {
  for (const [k, v] of Object.entries(src)) {
    if (k === 'properties' && isRecord(v)) {
      dst.properties = { ...v, ...(isRecord(dst.properties) ? dst.properties : {}) };
    } else if (k === 'required' && Array.isArray(v)) {
      const have = Array.isArray(dst.required) ? (dst.required as unknown[]) : [];
      dst.required = [...new Set([...have, ...v])];
    } else if (k === 'description' && typeof v === 'string' && typeof dst.description === 'string') {
      dst.description = `${dst.description} ${v}`;
    } else if (!(k in dst)) {
      dst[k] = v;
    }
  }
}
