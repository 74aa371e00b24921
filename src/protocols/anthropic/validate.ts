import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { badRequest } from '../../core/errors.ts';
import type { Wire } from './schema.ts';

/**
 * Checks a value against a compiled schema and throws a 400 naming the first problem by its JSON path
 * ("messages.2.role: expected one of user, assistant, system"), the way Anthropic words its own 400s.
 */
export function validate<T extends TSchema>(checker: TypeCheck<T>, value: unknown, path: string): Wire<T> {
  // Sound because every schema object is open: the extra keys Wire<T> admits are really there.
  if (checker.Check(value)) return value as Wire<T>;
  const first = checker.Errors(value).First();
  if (!first) throw badRequest(`${path || 'body'}: invalid value`);
  const where = joinPath(path, first.path);
  throw badRequest(`${where || 'body'}: ${describe(first)}`, where || undefined);
}

/** `messages.2` + `/content/0/type` → `messages.2.content.0.type`. */
function joinPath(prefix: string, pointer: string): string {
  const tail = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
  if (!prefix) return tail;
  return tail ? `${prefix}.${tail}` : prefix;
}

function describe(error: ValueError): string {
  // A missing field: Anthropic's own wording, which SDKs and users recognise.
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'Field required';
  const schema: Record<string, unknown> = error.schema;
  if (typeof schema.errorMessage === 'string') return schema.errorMessage;
  const literals = literalValues(schema);
  if (literals) return `expected one of ${literals.join(', ')}`;
  return error.message.charAt(0).toLowerCase() + error.message.slice(1);
}

function literalValues(schema: Record<string, unknown>): string[] | undefined {
  const variants = schema.anyOf;
  if (!Array.isArray(variants) || variants.length === 0) return undefined;
  const out: string[] = [];
  for (const v of variants) {
    if (typeof v !== 'object' || v === null) return undefined;
    if ('anyOf' in v) {
      // A nullable enum: union of (union of literals) and null.
      const inner = literalValues(v as Record<string, unknown>);
      if (!inner) return undefined;
      out.push(...inner);
    } else if ('const' in v) out.push(String(v.const));
    else if (!('type' in v && v.type === 'null')) return undefined;
  }
  return out.length > 0 ? out : undefined;
}
