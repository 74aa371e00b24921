import { isRecord, type JsonObject } from '../../util/json.ts';
import { pointerTarget } from '../../util/json-pointer.ts';

const COMBINATORS = ['anyOf', 'oneOf', 'allOf'] as const;

const WHICH: Record<(typeof COMBINATORS)[number], string> = {
  anyOf: 'at least one',
  oneOf: 'exactly one',
  allOf: 'all',
};

const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : []);

/**
 * A function's parameters → a tool `input_schema` the Messages API accepts. It must be an object, and
 * a schema that says "one of these argument sets" at its root is a 400 for every request that declares
 * the tool: "tools.N.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the
 * top level" (anthropics/claude-code#5319, mobile-next/mobile-mcp#344: MCP servers whose zod unions
 * become a root oneOf; OpenAI and Gemini take them). The branches' properties join the root's, a name
 * every branch requires (any branch, for allOf) stays required, and the rule itself goes to the
 * schema's description, where the model still reads it. A branch that is a reference into the schema's
 * own definitions (pydantic's root `Union[A, B]`: `anyOf` of `$ref`s) counts as the schema it names.
 * Pure: the input is never mutated.
 */
export function anthropicInputSchema(parameters: Record<string, unknown>): JsonObject {
  const schema: JsonObject = { ...parameters, type: 'object' };
  const found = COMBINATORS.filter((k) => Array.isArray(parameters[k]));
  if (found.length === 0) return schema;
  const properties: JsonObject = isRecord(parameters.properties) ? { ...parameters.properties } : {};
  const required = new Set(names(parameters.required));
  const rules: string[] = [];
  for (const key of found) {
    const branches = (parameters[key] as unknown[]).map((b) => resolved(b, parameters)).filter(isRecord);
    delete schema[key];
    for (const b of branches) {
      if (!isRecord(b.properties)) continue;
      for (const [name, p] of Object.entries(b.properties)) if (!(name in properties)) properties[name] = p;
    }
    const each = branches.map((b) => names(b.required));
    const kept = key === 'allOf' ? each.flat() : (each[0] ?? []).filter((n) => each.every((r) => r.includes(n)));
    for (const n of kept) required.add(n);
    rules.push(`${WHICH[key]} of ${JSON.stringify(parameters[key])}`);
  }
  schema.properties = properties;
  if (required.size > 0) schema.required = [...required];
  const said = typeof parameters.description === 'string' && parameters.description !== '' ? `${parameters.description}\n\n` : '';
  schema.description = `${said}The arguments must match ${rules.join(', and ')}.`;
  return schema;
}

/** Most references followed from one branch (`Alias` → `ByPath` → …); a cycle ends there too. */
const MAX_HOPS = 8;

/** A branch `{$ref: "#/$defs/X"}` as the schema it points at in `root`; anything else, or a reference to nothing, as it is. */
function resolved(branch: unknown, root: Record<string, unknown>): unknown {
  let node = branch;
  for (let hop = 0; hop < MAX_HOPS && isRecord(node) && typeof node.$ref === 'string'; hop++) node = pointerTarget(node.$ref, root);
  return isRecord(node) ? node : branch;
}
