import { timingSafeEqual } from 'node:crypto';
import { ProxyError } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import type { Config } from '../config/types.ts';

/** A key a client may present, kept only as a digest. */
export interface ClientKey {
  /** Shown in logs and metrics instead of the key. */
  readonly name: string;
  readonly digest: Uint8Array;
  readonly allowedProviders?: ReadonlySet<ProviderName>;
  /** Exact names, or prefixes (entries that ended in `*`, stored without it). */
  readonly allowedModels?: { exact: ReadonlySet<string>; prefixes: readonly string[] };
}

/** The name api_key is logged under. */
export const DEFAULT_KEY_NAME = 'default';

// Bun's one-shot hash: node:crypto's createHash builds a Hash object per call, on every request.
const digest = (key: string): Uint8Array => Bun.SHA256.hash(key) as Uint8Array;

const tables = new WeakMap<Config, ClientKey[]>();

/**
 * Every key the configuration accepts: api_key (unless only api_keys were configured) and each api_keys
 * entry. Built once per configuration.
 */
export function clientKeysFor(config: Config): ClientKey[] {
  let table = tables.get(config);
  if (table) return table;
  table = [];
  if (!config.apiKeyIsDefault || config.apiKeys.length === 0) table.push({ name: DEFAULT_KEY_NAME, digest: digest(config.apiKey) });
  for (const k of config.apiKeys) {
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const m of k.allowedModels ?? []) {
      if (m.endsWith('*')) prefixes.push(m.slice(0, -1));
      else exact.add(m);
    }
    table.push({
      name: k.name,
      digest: digest(k.key),
      allowedProviders: k.allowedProviders ? new Set(k.allowedProviders) : undefined,
      allowedModels: k.allowedModels ? { exact, prefixes } : undefined,
    });
  }
  tables.set(config, table);
  return table;
}

/**
 * The proxy key a client presented (the first that is one, when it sent several), or undefined.
 * Constant-time per key presented: every entry is compared (digests of equal
 * length), so neither the match's position nor the keys' lengths show in the timing.
 */
export function identifyClient(table: readonly ClientKey[], presented: string | readonly string[] | undefined): ClientKey | undefined {
  if (presented === undefined) return undefined;
  // Several keys (one per header the client filled): the first that is a proxy key names the caller.
  for (const one of typeof presented === 'string' ? [presented] : presented) {
    const d = digest(one);
    let found: ClientKey | undefined;
    for (const k of table) if (timingSafeEqual(d, k.digest) && !found) found = k;
    if (found) return found;
  }
  return undefined;
}

/** Throws a 403 naming what the key may use when it may not use this provider or model. */
export function assertAllowed(key: ClientKey | undefined, provider: ProviderName, model: string): void {
  if (!key) return;
  if (key.allowedProviders && !key.allowedProviders.has(provider)) {
    throw new ProxyError({
      kind: 'permission',
      message: `the key "${key.name}" may not use provider ${provider}; it may use ${[...key.allowedProviders].join(', ')}`,
    });
  }
  if (!modelAllowed(key, model)) throw new ProxyError({ kind: 'permission', message: `the key "${key.name}" may not use model ${model}` });
}

/** Whether the key may use this provider and model: what a model list shows it. */
export function isAllowed(key: ClientKey | undefined, provider: string, model: string): boolean {
  if (!key) return true;
  return (!key.allowedProviders || key.allowedProviders.has(provider as ProviderName)) && modelAllowed(key, model);
}

/**
 * Throws a 403 when a key limited to some providers or models asks for what the whole proxy serves
 * (`/metrics`, `/pools`): other teams' usage and the operator's accounts are not a team key's business.
 */
export function assertUnlimited(key: ClientKey | undefined, what: string): void {
  if (!key || (!key.allowedProviders && !key.allowedModels)) return;
  throw new ProxyError({
    kind: 'permission',
    message: `the key "${key.name}" is limited to some providers or models and may not read ${what}; use a key without allowed_providers or allowed_models`,
  });
}

function modelAllowed(key: ClientKey, model: string): boolean {
  const models = key.allowedModels;
  return !models || models.exact.has(model) || models.prefixes.some((p) => model.startsWith(p));
}
