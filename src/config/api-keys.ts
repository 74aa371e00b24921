import { isRecord } from '../util/json.ts';
import { ConfigError } from './errors.ts';
import { isProviderName, PROVIDER_NAMES, type ProviderName } from './providers.ts';

/**
 * One client key from `api_keys`: teams get their own key, a name the logs and metrics show (the key
 * itself never appears), and optionally a narrower set of providers and models.
 */
export interface ClientKeyConfig {
  name: string;
  key: string;
  /** Providers this key may use; undefined = all configured. */
  allowedProviders?: ProviderName[];
  /** Client model names this key may ask for (`prefix*` matches a prefix); undefined = any. */
  allowedModels?: string[];
}

const KNOWN = new Set(['key', 'name', 'allowed_providers', 'allowed_models']);

/** Reads `api_keys`. Errors name the entry by position and name, never by its key. */
export function parseApiKeys(raw: unknown, where: string): ClientKeyConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigError(`${where}: expected a list of {key, name, allowed_providers, allowed_models}`);
  const names = new Set<string>();
  const keys = new Set<string>();
  return raw.map((entry, i): ClientKeyConfig => {
    const at = `${where}[${i}]`;
    if (!isRecord(entry)) throw new ConfigError(`${at}: expected a mapping with key and name`);
    for (const k of Object.keys(entry)) if (!KNOWN.has(k)) throw new ConfigError(`${at}.${k}: unknown key`);
    if (typeof entry.name !== 'string' || !entry.name.trim()) throw new ConfigError(`${at}.name: must be a non-empty string`);
    const name = entry.name.trim();
    if (typeof entry.key !== 'string' || !entry.key.trim()) {
      // YAML reads a key of digits as a number: say to quote it, never echo it.
      const quote = typeof entry.key === 'number' || typeof entry.key === 'boolean' ? `, got a ${typeof entry.key}: put the value in quotes` : '';
      throw new ConfigError(`${at}.key: must be a non-empty string (${name})${quote}`);
    }
    const key = entry.key.trim();
    if (names.has(name)) throw new ConfigError(`${at}.name: two keys are named "${name}"`);
    if (keys.has(key)) throw new ConfigError(`${at}.key: the key of "${name}" is also used by another entry`);
    names.add(name);
    keys.add(key);
    const out: ClientKeyConfig = { name, key };
    if (entry.allowed_providers !== undefined) {
      const list = strings(entry.allowed_providers, `${at}.allowed_providers`);
      for (const p of list) {
        if (!isProviderName(p)) throw new ConfigError(`${at}.allowed_providers: unknown provider "${p}"; known providers: ${PROVIDER_NAMES.join(', ')}`);
      }
      out.allowedProviders = list as ProviderName[];
    }
    if (entry.allowed_models !== undefined) out.allowedModels = strings(entry.allowed_models, `${at}.allowed_models`);
    return out;
  });
}

function strings(raw: unknown, at: string): string[] {
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list)) throw new ConfigError(`${at}: expected a list of strings`);
  return list.map((v) => {
    if (typeof v !== 'string' || !v.trim()) throw new ConfigError(`${at}: expected a list of non-empty strings`);
    return v.trim();
  });
}
