import { isRecord } from '../../util/json.ts';
import { defsName, pointerKey, pointerTarget } from '../../util/json-pointer.ts';
import { anthropicInputSchema } from '../anthropic/input-schema.ts';

/**
 * Moonshot's Kimi checks tool parameters against its own "moonshot flavored json schema" and answers
 * 400 to the whole request ("tools.function.parameters is not a valid moonshot flavored json schema,
 * details: <At path '…': …>") for what every other server takes:
 * - a `$ref` anywhere but into the root's `$defs`: draft-07 `#/definitions/X` (NousResearch/hermes-agent#14802)
 *   and the pointers zod writes for a reused schema, `#/properties/start` ("references must start with
 *   #/$defs/", Softeria/ms-365-mcp-server#458);
 * - a `$ref` beside other keywords than its description ("when using $ref, type should be defined in the
 *   referenced schema instead of the parent schema": Codex's own automation_update tool, lidge-jun/opencodex#2673);
 * - parameters without `type: "object"` at the root (farion1231/cc-switch#5125);
 * - a type beside an `anyOf` ("when using anyOf, type should be defined in anyOf items instead of the
 *   parent schema": Notion's MCP tools, MoonshotAI/kimi-code#2661; Apollo's, openclaw/openclaw#113130).
 * Every local reference is moved into `$defs` (a pointer's target is copied there), a reference with
 * keywords beside it is replaced by its target with those keywords on top (a recursive one keeps only the
 * reference), a type beside an anyOf goes into its branches, and the root gets its type; a root that
 * needs both its type and an anyOf becomes one object schema, as for Claude (anthropicInputSchema).
 * Undefined when the schema already passes: it then goes as it came.
 */
export function moonshotParameters(original: Record<string, unknown>): Record<string, unknown> | undefined {
  // The root must say object, so an anyOf cannot stay beside it.
  const flattened = Array.isArray(original.anyOf) ? anthropicInputSchema(original) : undefined;
  const schema = flattened ?? original;
  const st: State = { root: schema, source: {}, order: [], hoisted: new Map(), changed: flattened !== undefined, written: 0 };
  for (const [k, container] of [['definitions', schema.definitions], ['$defs', schema.$defs]] as const) {
    if (!isRecord(container)) continue;
    if (k === 'definitions') st.changed = true;
    for (const [name, def] of Object.entries(container)) register(st, name, def);
  }
  const out = fixSchema(schema, st, [], 0, true) as Record<string, unknown>;
  const defs: Record<string, unknown> = {};
  // A def being fixed may point at more targets, which join the queue.
  for (let i = 0; i < st.order.length; i++) {
    const name = st.order[i]!;
    defs[name] = fixSchema(st.source[name], st, [name], 0, true);
  }
  if (Object.keys(defs).length > 0) out.$defs = defs;
  if (out.type === undefined) {
    out.type = 'object';
    st.changed = true;
  }
  return st.changed ? out : undefined;
}

interface State {
  root: Record<string, unknown>;
  /** The definitions as the client wrote them, and pointer targets copied in: name → schema. */
  source: Record<string, unknown>;
  /** Names in `source`, in the order their fixed form is written to `$defs`. */
  order: string[];
  /** A pointer other than into the definitions → the name its target got. */
  hoisted: Map<string, string>;
  changed: boolean;
  /** Schema nodes written so far (see MAX_NODES). */
  written: number;
}

/** Keywords whose value is data, not a schema: never walked. */
const DATA = new Set(['enum', 'const', 'default', 'examples', 'example']);
/** Keywords whose value maps names to schemas. */
const MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
/** Keywords a `$ref` may stand beside. */
const REF_SIBLINGS = new Set(['$ref', 'description']);

function register(st: State, name: string, schema: unknown): void {
  if (!Object.hasOwn(st.source, name)) st.order.push(name);
  st.source[name] = schema;
}

/** Deeper than any real tool schema; a hostile one is left as it is below this. */
const MAX_DEPTH = 64;
/**
 * More schema nodes than any real tool schema has. Each inlining copies its definition, so a definition
 * used by many references with keywords beside them, or definitions that each use the next a few times,
 * multiply the schema (a 2 KB one made 574 MB in 32 s, the event loop blocked); past this, references
 * stay references, keywords beside them dropped.
 */
const MAX_NODES = 50_000;

function fixSchema(node: unknown, st: State, stack: string[], depth: number, top = false): unknown {
  if (!isRecord(node) || depth > MAX_DEPTH) return node;
  st.written++;
  if (typeof node.$ref === 'string') {
    const fixed = fixRef(node, st, stack, depth);
    if (fixed !== undefined) return fixed;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    // The root's (and each definition's) containers are written once, as the root's `$defs`.
    if (top && (k === '$defs' || k === 'definitions')) continue;
    if (DATA.has(k)) out[k] = v;
    else if (MAPS.has(k) && isRecord(v)) {
      const map: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(v)) map[name] = fixSchema(sub, st, stack, depth + 1);
      out[k] = map;
    } else if (Array.isArray(v)) out[k] = v.map((item) => fixSchema(item, st, stack, depth + 1));
    else out[k] = isRecord(v) ? fixSchema(v, st, stack, depth + 1) : v;
  }
  // The root keeps its type (anthropicInputSchema took its anyOf away); every other node, a definition too, may move it.
  if (node !== st.root) typeIntoBranches(out, st);
  return out;
}

/**
 * `{type, anyOf: [...]}` → `{anyOf: [{type, ...}, ...]}`: the same values, in the form Kimi takes. Left
 * as it is when a branch names another type or is a bare reference (a type beside it is refused too).
 */
function typeIntoBranches(out: Record<string, unknown>, st: State): void {
  const branches = out.anyOf;
  if (out.type === undefined || !Array.isArray(branches)) return;
  const same = (t: unknown): boolean => t === undefined || JSON.stringify(t) === JSON.stringify(out.type);
  if (!branches.every((b) => isRecord(b) && b.$ref === undefined && same(b.type))) return;
  out.anyOf = branches.map((b) => ({ type: out.type, ...(b as Record<string, unknown>) }));
  delete out.type;
  st.changed = true;
}

/** A node with a `$ref`: pointed into `$defs`, or inlined when other keywords stand beside it. */
function fixRef(node: Record<string, unknown>, st: State, stack: string[], depth: number): Record<string, unknown> | undefined {
  const ref = node.$ref as string;
  const name = defName(ref, st);
  if (name === undefined) return undefined; // not a local reference: nothing can be done for it
  const target = `#/$defs/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  const { $ref: _, ...siblings } = node;
  const plain = Object.keys(node).every((k) => REF_SIBLINGS.has(k));
  if (plain || stack.includes(name) || st.written >= MAX_NODES) {
    if (target !== ref || !plain) st.changed = true;
    return typeof siblings.description === 'string' ? { $ref: target, description: siblings.description } : { $ref: target };
  }
  st.changed = true;
  const inlined = fixSchema(st.source[name], st, [...stack, name], depth + 1, true);
  const rest = fixSchema(siblings, st, stack, depth);
  return { ...(isRecord(inlined) ? inlined : {}), ...(isRecord(rest) ? rest : {}) };
}

/** The `$defs` name a local reference resolves to, registering a pointer's target; undefined if none. */
function defName(ref: string, st: State): string | undefined {
  const direct = defsName(ref);
  if (direct !== undefined && Object.hasOwn(st.source, direct)) return direct;
  const known = st.hoisted.get(ref);
  if (known !== undefined) return known;
  const target = pointerTarget(ref, st.root);
  if (!isRecord(target)) return undefined;
  const last = ref === '#' ? 'root' : ref.slice(ref.lastIndexOf('/') + 1);
  const base = (pointerKey(last) ?? '').replace(/[^A-Za-z0-9_]/g, '_') || 'ref';
  let name = base;
  for (let i = 2; Object.hasOwn(st.source, name); i++) name = `${base}_${i}`;
  st.hoisted.set(ref, name);
  register(st, name, target);
  return name;
}

/**
 * A Chat Completions client's tools, relayed as they came, made what Kimi takes (moonshotParameters).
 * Undefined when no tool needs it.
 */
export function withMoonshotSchemas(body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!Array.isArray(body.tools)) return undefined;
  let changed = false;
  const tools = body.tools.map((t: unknown) => {
    if (!isRecord(t) || !isRecord(t.function) || !isRecord(t.function.parameters)) return t;
    const parameters = moonshotParameters(t.function.parameters);
    if (parameters === undefined) return t;
    changed = true;
    return { ...t, function: { ...t.function, parameters } };
  });
  // The model the upstream gets (a model_map alias resolved), as every relay repair writes it.
  return changed ? { ...body, model, tools } : undefined;
}
