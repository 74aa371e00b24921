import { isRecord } from './json.ts';

/** One JSON-pointer segment as a key: percent-decoded (a URI fragment), then `~1` and `~0` unescaped. */
export function pointerKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
  } catch {
    return undefined;
  }
}

/**
 * What a local `$ref` (`#`, `#/properties/start`, `#/$defs/X`) points at in `root`, or undefined. Tool
 * schemas carry such pointers wherever zod reused a schema (modelcontextprotocol/typescript-sdk#2100).
 */
export function pointerTarget(ref: string, root: Record<string, unknown>): unknown {
  if (ref !== '#' && !ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref === '#' ? [] : ref.slice(2).split('/')) {
    const key = pointerKey(raw);
    if (key === undefined) return undefined;
    if (Array.isArray(node)) node = /^\d+$/.test(key) ? node[Number(key)] : undefined;
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** The `$defs` (or `definitions`) name a local reference `#/$defs/X` names, or undefined for any other. */
export function defsName(ref: string): string | undefined {
  const m = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
  return m?.[1] === undefined ? undefined : pointerKey(m[1]);
}
