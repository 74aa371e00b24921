/**
 * OpenAI's strict-mode schema check (Structured Outputs), as the Responses API applies it to a
 * function tool with `strict: true` and to `text.format` of type json_schema with `strict: true`:
 * the root is an object, and every object schema closes itself (`additionalProperties: false`) and
 * lists each of its properties in `required`. Problems are worded as the API words them, with the
 * path to the offending schema as a Python tuple: `In context=('properties', 'location'), …`.
 */
import { isRecord } from '../../../src/util/json.ts';

/** `()`, `('items',)`, `('properties', 'city')`: the tuple repr the API prints. */
function context(path: string[]): string {
  if (path.length === 0) return '()';
  const parts = path.map((p) => `'${p}'`);
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

const isObjectSchema = (s: Record<string, unknown>): boolean =>
  s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')) || isRecord(s.properties);

function checkNode(s: unknown, path: string[], depth: number): string | undefined {
  if (!isRecord(s) || depth > 64) return undefined;
  if (isObjectSchema(s)) {
    if (s.additionalProperties !== false) {
      return `In context=${context(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const keys = isRecord(s.properties) ? Object.keys(s.properties) : [];
    const required = Array.isArray(s.required) ? s.required : [];
    const notRequired = keys.find((k) => !required.includes(k));
    if (notRequired !== undefined) {
      return `In context=${context(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${notRequired}'.`;
    }
    for (const k of keys) {
      const err = checkNode((s.properties as Record<string, unknown>)[k], [...path, 'properties', k], depth + 1);
      if (err) return err;
    }
  }
  if (s.items !== undefined) {
    const err = checkNode(s.items, [...path, 'items'], depth + 1);
    if (err) return err;
  }
  for (const key of ['anyOf', 'allOf']) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const err = checkNode(list[i], [...path, key, String(i)], depth + 1);
      if (err) return err;
    }
  }
  for (const key of ['$defs', 'definitions']) {
    const defs = s[key];
    if (!isRecord(defs)) continue;
    for (const [name, def] of Object.entries(defs)) {
      const err = checkNode(def, [...path, key, name], depth + 1);
      if (err) return err;
    }
  }
  return undefined;
}

/** The first strict-mode problem of a schema, worded as the API words it; undefined when compatible. */
export function strictSchemaProblem(schema: unknown): string | undefined {
  if (!isRecord(schema) || schema.type !== 'object') {
    const type = isRecord(schema) && typeof schema.type === 'string' ? schema.type : 'None';
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${type}"'.`;
  }
  return checkNode(schema, [], 0);
}
