import { isRecord, type JsonObject } from '../../util/json.ts';

/**
 * Gemini's int64 Schema fields: proto3 JSON writes int64 as a string, and the genai SDK types them as
 * strings (`minItems: "1"`). JSON Schema wants integers; OpenAI and Anthropic reject a string there.
 */
const INT64_FIELDS = new Set(['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties']);

/**
 * Gemini's OpenAPI-style `Schema` (upper-case `OBJECT`, `nullable`) → plain JSON Schema, so a tool
 * declared by a Gemini client can be sent to OpenAI or Anthropic, which expect lower-case types.
 * The inverse of schema-clean.ts for everything that cleaning keeps.
 */
export function schemaToJson(schema: unknown, depth = 0): JsonObject {
  if (!isRecord(schema)) return {};
  // Deeper than any real tool schema; stops hostile input from recursing without bound.
  if (depth > 64) return {};
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    switch (k) {
      case 'type':
        out.type = typeof v === 'string' ? v.toLowerCase() : v;
        break;
      case 'properties':
        if (isRecord(v)) {
          const props: JsonObject = {};
          for (const [name, sub] of Object.entries(v)) props[name] = schemaToJson(sub, depth + 1);
          out.properties = props;
        }
        break;
      case 'items':
        out.items = schemaToJson(v, depth + 1);
        break;
      case 'anyOf':
        if (Array.isArray(v)) out.anyOf = v.map((s) => schemaToJson(s, depth + 1));
        break;
      case 'nullable':
      case 'propertyOrdering': // Gemini-only ordering hint; meaningless elsewhere
        break;
      case 'format':
        if (v !== 'enum') out.format = v; // `format: enum` is OpenAPI's marker, implied by `enum` in JSON Schema
        break;
      default:
        out[k] = INT64_FIELDS.has(k) && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    }
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }];
  }
  return out;
}
