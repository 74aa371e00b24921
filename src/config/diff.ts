import type { Config } from './types.ts';

/** Fields derived from others or from where the file was found: a change in them is not a setting change. */
const DERIVED = new Set(['apiKeyIsDefault', 'configFile', 'warnings']);
/** Sections compared whole and reported under their config.yaml name. */
const WHOLE: Record<string, string> = { pools: 'provider_pools', pool: 'pool', fallbacks: 'fallbacks' };

/** `openai.baseUrl` → `openai.base_url`: the name an operator wrote in config.yaml. */
function fileKey(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The config.yaml keys whose values differ between two configurations, in a stable order. Only names
 * come out, never values, so the result can be logged even when a secret changed. Lists compare whole.
 */
export function changedKeys(prev: Config, next: Config): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string, depth: number): void => {
    if (isPlainObject(a) && isPlainObject(b) && depth < 8) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of [...keys].sort()) {
        if (depth === 0 && DERIVED.has(k)) continue;
        if (depth === 0 && k in WHOLE) {
          if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(WHOLE[k]!);
          continue;
        }
        walk(a[k], b[k], path ? `${path}.${k}` : k, depth + 1);
      }
      return;
    }
    if (a === b) return;
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(fileKey(path));
  };
  walk(prev, next, '', 0);
  return out;
}
