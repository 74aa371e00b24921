import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { badRequest } from '../../core/errors.ts';

/** Compiled once per schema: validation runs on every request. */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compile<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<T>;
}

/**
 * Asserts `value` matches `schema`, or throws a 400 naming the JSON path of the first problem,
 * e.g. `messages.2.role: expected one of "system", "user"`. `path` prefixes nested validations.
 */
export function expectShape<T extends TSchema>(schema: T, value: unknown, path = ''): Static<T> {
  const check = compile(schema);
  if (check.Check(value)) return value;
  const error = check.Errors(value).First();
  if (!error) throw badRequest(`${path || 'body'}: invalid value`);
  const first = innermost(error);
  const where = joinPath(path, first.path);
  throw badRequest(`${where || 'body'}: ${describeError(first)}`, where || undefined);
}

/** Joins a dotted prefix and a TypeBox JSON pointer (`/messages/2/role`) into `messages.2.role`. */
export function joinPath(prefix: string, pointer: string): string {
  const tail = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  if (!prefix) return tail;
  return tail ? `${prefix}.${tail}` : prefix;
}

/**
 * For a union (e.g. `number | null`) the useful error is the one of the variant the value was meant
 * to be: `temperature: 3` should say "less or equal to 2", not "expected number or null".
 */
function innermost(e: ValueError): ValueError {
  if (e.type !== ValueErrorType.Union) return e;
  const variants: TSchema[] = Array.isArray(e.schema.anyOf) ? e.schema.anyOf : [];
  if (variants.every((v) => v.const !== undefined)) return e; // an enum: "expected one of …" says it all
  const kind = jsonKind(e.value);
  const i = variants.findIndex((v) => accepts(v, kind));
  const inner = i >= 0 ? e.errors[i]?.First() : undefined;
  return inner ? innermost(inner) : e;
}

type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'other';

function jsonKind(v: unknown): JsonKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : 'other';
}

/** Whether a schema is the variant meant for values of this JSON kind. */
function accepts(schema: TSchema, kind: JsonKind): boolean {
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((v: TSchema) => accepts(v, kind));
  if (schema.const !== undefined) return jsonKind(schema.const) === kind;
  if (schema.type === 'integer') return kind === 'number';
  return schema.type === kind;
}

function describeError(e: ValueError): string {
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.Union:
      return `expected ${describeUnion(e.schema)}, got ${describeValue(e.value)}`;
    case ValueErrorType.Literal:
      return `expected ${JSON.stringify(e.schema.const)}, got ${describeValue(e.value)}`;
    case ValueErrorType.StringMinLength:
      return 'must not be empty';
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${String(e.schema.minItems)} item(s)`;
    default:
      // TypeBox's own wording ("Expected integer", "Expected number to be less or equal to 2") is clear enough.
      return `${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}, got ${describeValue(e.value)}`;
  }
}

function describeUnion(schema: TSchema): string {
  const options: TSchema[] = Array.isArray(schema.anyOf) ? schema.anyOf : [];
  const consts = options.filter((o) => o.const !== undefined);
  if (consts.length === options.length) return `one of ${consts.map((o) => JSON.stringify(o.const)).join(', ')}`;
  return options.map(describeSchema).join(' or ');
}

function describeSchema(schema: TSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return describeUnion(schema);
  if (schema.type === 'array') return 'an array';
  if (schema.type === 'object') return 'an object';
  return typeof schema.type === 'string' ? schema.type : 'a valid value';
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 40)}…"` : JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}
