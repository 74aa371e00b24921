import { ConfigError } from '../config/errors.ts';
import { isProviderName, PROVIDER_NAMES, type ProviderName } from '../config/providers.ts';
import { baseUrl, claudeBaseUrl, geminiBaseUrl, openaiBaseUrl, proxyUrl } from '../config/settings.ts';
import { isRecord } from '../util/json.ts';
import { flag, path as filePath } from '../config/parsers.ts';
import { STRATEGIES, DEFAULT_POOL_SETTINGS, type PoolSettings, type Strategy } from './settings.ts';

/** Credentials and endpoint of one member; unset fields come from the provider's own config section. */
export interface MemberCredentials {
  apiKey?: string;
  baseUrl?: string;
  /** An HTTP(S) proxy for this member's requests, instead of its section's. */
  proxyUrl?: string;
  oauthCredsFile?: string;
  oauthCredsBase64?: string;
  projectId?: string;
}

export interface MemberConfig {
  name: string;
  weight: number;
  models?: string[];
  /** Client model names this member is never given (the original project's `notSupportedModels`). */
  excludedModels?: string[];
  modelMap: Record<string, string>;
  maxConcurrency?: number;
  disabled: boolean;
  healthCheckModel?: string;
  credentials: MemberCredentials;
}

export type PoolsConfig = Partial<Record<ProviderName, MemberConfig[]>>;

const CREDENTIAL_KEYS: Record<string, keyof MemberCredentials> = {
  api_key: 'apiKey',
  base_url: 'baseUrl',
  proxy_url: 'proxyUrl',
  oauth_creds_file: 'oauthCredsFile',
  oauth_creds_base64: 'oauthCredsBase64',
  project_id: 'projectId',
};

/** The original project's provider_pools.json keys, so its users can move over without rewriting it. */
const ORIGINAL_KEYS: Record<string, keyof MemberCredentials> = {
  OPENAI_API_KEY: 'apiKey',
  OPENAI_BASE_URL: 'baseUrl',
  CLAUDE_API_KEY: 'apiKey',
  CLAUDE_BASE_URL: 'baseUrl',
  GEMINI_API_KEY: 'apiKey',
  GEMINI_BASE_URL: 'baseUrl',
  GEMINI_OAUTH_CREDS_FILE_PATH: 'oauthCredsFile',
  GEMINI_OAUTH_CREDS_BASE64: 'oauthCredsBase64',
  PROJECT_ID: 'projectId',
};
/** The original's member fields read here besides its credential keys. */
const ORIGINAL_FIELDS = new Set(['customName', 'checkModelName', 'isDisabled', 'concurrencyLimit', 'notSupportedModels', 'supportedModels']);
/** Runtime state the original wrote into its pool file; meaningless as configuration. */
const ORIGINAL_STATE_KEYS = new Set([
  'uuid', 'isHealthy', 'lastUsed', 'usageCount', 'errorCount', 'lastErrorTime', 'lastErrorMessage', 'lastHealthCheckTime',
  'lastHealthCheckModel', 'scheduledRecoveryTime', 'needsRefresh', 'refreshCount', '_lastSelectionSeq', 'checkHealth',
  'queueLimit', 'lastRefreshTime', 'cooldownUntil',
]);

/**
 * The original project's providers that aiproxy does not serve. Its own example provider_pools.json
 * lists some (Kiro, Qwen, and since its 2026 releases Novita as `openai-novita`): their accounts are left
 * out rather than the whole file refused.
 */
const ORIGINAL_ONLY_PROVIDERS = new Set([
  'claude-kiro-oauth', 'openai-qwen-oauth', 'gemini-antigravity', 'openai-iflow', 'openai-codex-oauth',
  'forward-api', 'grok-custom', 'openai-lmarena-bridge', 'kimi-oauth', 'openai-novita', 'claude-orchids-oauth',
]);

const MEMBER_KEYS = new Set(['name', 'weight', 'models', 'model_map', 'max_concurrency', 'disabled', 'health_check_model', ...Object.keys(CREDENTIAL_KEYS)]);

/**
 * Reads `provider_pools` (ours, snake_case) or the original project's provider_pools.json (UPPER_SNAKE
 * keys). `where` names the source in error messages (`config.yaml: provider_pools`).
 */
export function parsePools(raw: unknown, where: string, warnings: string[] = []): PoolsConfig {
  if (!isRecord(raw)) throw new ConfigError(`${where}: expected a mapping of provider name → list of members`);
  const out: PoolsConfig = {};
  for (const [provider, list] of Object.entries(raw)) {
    const at = `${where}.${provider}`;
    if (!isProviderName(provider)) {
      if (ORIGINAL_ONLY_PROVIDERS.has(provider) && Array.isArray(list) && list.every(isOriginalOnlyMember)) {
        if (list.length > 0) warnings.push(`${at}: skipped, aiproxy does not serve this provider of the original project (${list.length} account${list.length === 1 ? '' : 's'} not used)`);
        continue;
      }
      throw new ConfigError(`${at}: unknown provider; known providers: ${PROVIDER_NAMES.join(', ')}`);
    }
    if (!Array.isArray(list)) throw new ConfigError(`${at}: expected a list of members`);
    // No members is no pool (a pools file kept for later, accounts all removed): the provider's own
    // section serves it if it is configured, rather than a pool that refuses every request.
    if (list.length === 0) continue;
    const members = list.map((m, i) => parseMember(m, `${at}[${i}]`, provider, i, warnings));
    const names = new Set<string>();
    members.forEach((m, i) => {
      // The original told accounts apart by uuid; its customName is a display label that copied accounts
      // often share. Such a name is made unique (its uuid, else its place) rather than the file refused.
      if (names.has(m.name) && isOriginal(list[i])) {
        const uuid = (list[i] as Record<string, unknown>).uuid;
        m.name = `${m.name} (${typeof uuid === 'string' && uuid && uuid !== m.name ? uuid : `#${i + 1}`})`;
      }
      if (names.has(m.name)) throw new ConfigError(`${at}: two members are named "${m.name}"`);
      names.add(m.name);
    });
    out[provider] = members;
  }
  return out;
}

function parseMember(raw: unknown, at: string, provider: ProviderName, index: number, warnings: string[]): MemberConfig {
  if (!isRecord(raw)) throw new ConfigError(`${at}: expected a mapping`);
  const original = isOriginal(raw);
  const unused = Object.keys(raw).filter((k) => {
    const field = original ? ORIGINAL_KEYS[k] : CREDENTIAL_KEYS[k];
    return field !== undefined && raw[k] !== null && raw[k] !== '' && !USED_CREDENTIALS[provider].has(field);
  });
  // Accepted, as the original did, but said: an account given an api_key where it signs in with Google
  // (or the reverse) otherwise fails later with an error that does not point back here. Names only, never values.
  if (unused.length > 0) warnings.push(`${at}: ${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} not used by ${provider} (${USED_HINT[provider]})`);
  return original ? parseOriginalMember(raw, at, provider, index, warnings) : parseOurMember(raw, at, provider, index);
}

const KEYED = new Set<keyof MemberCredentials>(['apiKey', 'baseUrl', 'proxyUrl']);
/** The credentials each provider's adapter reads (providers/registry.ts). */
const USED_CREDENTIALS: Record<ProviderName, Set<keyof MemberCredentials>> = {
  'openai-custom': KEYED,
  'openaiResponses-custom': KEYED,
  'claude-custom': KEYED,
  'gemini-cli': KEYED,
  'gemini-cli-oauth': new Set(['oauthCredsFile', 'oauthCredsBase64', 'projectId', 'baseUrl', 'proxyUrl']),
};
const USED_HINT: Record<ProviderName, string> = {
  'openai-custom': 'it takes an api_key',
  'openaiResponses-custom': 'it takes an api_key',
  'claude-custom': 'it takes an api_key',
  'gemini-cli': 'it takes an api_key',
  'gemini-cli-oauth': 'it signs in with Google: oauth_creds_file or oauth_creds_base64, and project_id',
};

/** A member written in the original project's format (UPPER_SNAKE credentials, camelCase fields). */
function isOriginal(raw: unknown): boolean {
  return isRecord(raw) && Object.keys(raw).some((k) => k in ORIGINAL_KEYS || k === 'isDisabled' || k === 'checkModelName' || k === 'customName');
}

/** An account of a provider only the original has: its own credential keys (KIRO_OAUTH_CREDS_FILE_PATH…) or its runtime fields. */
function isOriginalOnlyMember(m: unknown): boolean {
  return isRecord(m) && Object.keys(m).some((k) => /_(CREDS_FILE_PATH|API_KEY|BASE_URL)$/.test(k) || ORIGINAL_STATE_KEYS.has(k) || k === 'checkModelName' || k === 'customName' || k === 'notSupportedModels');
}

/** Base URLs whose section's check does more than baseUrl's (drops an API version or endpoint the adapter's paths add). */
const MEMBER_BASE_URL: Partial<Record<ProviderName, (raw: unknown) => string>> = {
  'openai-custom': openaiBaseUrl,
  'openaiResponses-custom': openaiBaseUrl,
  'claude-custom': claudeBaseUrl,
  'gemini-cli': geminiBaseUrl,
};

/**
 * A member's credentials file is a path as gemini.oauth_creds_file is: `~` is the home directory. Its base
 * URL is checked as a section's is, and loses its trailing slash the same way: `https://api.openai.com/v1/`
 * would otherwise be called as `/v1//chat/completions`, which OpenAI answers 404 "Invalid URL" (the
 * original project's axios joined the two without the double slash, so its pool files carry such URLs).
 */
function checkPaths(credentials: MemberCredentials, at: string, baseUrlKey: string, provider: ProviderName): void {
  if (credentials.oauthCredsFile !== undefined) credentials.oauthCredsFile = filePath(credentials.oauthCredsFile);
  if (credentials.baseUrl !== undefined) {
    try {
      // The section's own check: claude.base_url's and gemini.base_url's drop an API version our paths add.
      credentials.baseUrl = (MEMBER_BASE_URL[provider] ?? baseUrl)(credentials.baseUrl);
    } catch (e) {
      throw new ConfigError(`${at}.${baseUrlKey}: ${(e as Error).message}`);
    }
  }
}

function parseOurMember(raw: Record<string, unknown>, at: string, provider: ProviderName, index: number): MemberConfig {
  for (const k of Object.keys(raw)) if (!MEMBER_KEYS.has(k)) throw new ConfigError(`${at}.${k}: unknown key`);
  const credentials: MemberCredentials = {};
  for (const [key, field] of Object.entries(CREDENTIAL_KEYS)) {
    if (raw[key] !== undefined) credentials[field] = str(raw[key], `${at}.${key}`);
  }
  checkPaths(credentials, at, 'base_url', provider);
  if (credentials.proxyUrl !== undefined) {
    try {
      credentials.proxyUrl = proxyUrl(credentials.proxyUrl);
    } catch (e) {
      throw new ConfigError(`${at}.proxy_url: ${(e as Error).message}`);
    }
  }
  const models = raw.models === undefined ? undefined : strList(raw.models, `${at}.models`);
  // No prototype: aliases are looked up by client-chosen names.
  const modelMap: Record<string, string> = Object.create(null) as Record<string, string>;
  if (raw.model_map !== undefined) {
    if (!isRecord(raw.model_map)) throw new ConfigError(`${at}.model_map: expected a mapping of alias → upstream model`);
    for (const [alias, target] of Object.entries(raw.model_map)) modelMap[alias] = str(target, `${at}.model_map.${alias}`);
  }
  return {
    name: raw.name === undefined ? `${provider}-${index + 1}` : str(raw.name, `${at}.name`),
    weight: raw.weight === undefined ? 1 : positive(raw.weight, `${at}.weight`),
    models,
    modelMap,
    maxConcurrency: raw.max_concurrency === undefined ? undefined : positiveInt(raw.max_concurrency, `${at}.max_concurrency`),
    disabled: raw.disabled === undefined ? false : bool(raw.disabled, `${at}.disabled`),
    healthCheckModel: raw.health_check_model === undefined ? undefined : str(raw.health_check_model, `${at}.health_check_model`),
    credentials,
  };
}

function parseOriginalMember(raw: Record<string, unknown>, at: string, provider: ProviderName, index: number, warnings: string[]): MemberConfig {
  // The original ignored what it did not know; so does aiproxy, but says so, as a mistyped key
  // (OPENAI_APIKEY) otherwise leaves the account keyless without a word. Names only, never values.
  const unread = Object.keys(raw).filter((k) => !(k in ORIGINAL_KEYS) && !ORIGINAL_FIELDS.has(k) && !ORIGINAL_STATE_KEYS.has(k));
  if (unread.length > 0) warnings.push(`${at}: ignored ${unread.join(', ')} (not read by aiproxy)`);
  const credentials: MemberCredentials = {};
  let baseUrlKey = '';
  for (const [key, value] of Object.entries(raw)) {
    const field = ORIGINAL_KEYS[key];
    if (field && value !== null && value !== undefined && value !== '') {
      credentials[field] = str(value, `${at}.${key}`);
      if (field === 'baseUrl') baseUrlKey = key;
    }
  }
  checkPaths(credentials, at, baseUrlKey, provider);
  const name = raw.customName ?? raw.uuid;
  // The original's per-account model filters: `supportedModels`, when it lists any, is all the account
  // gets; otherwise `notSupportedModels` are kept away from it. Its example file sets them, and a request
  // for a model the account lacks would otherwise reach it (and a 403 for that model mark it unhealthy).
  const supported = originalModels(raw.supportedModels, `${at}.supportedModels`);
  const notSupported = originalModels(raw.notSupportedModels, `${at}.notSupportedModels`);
  return {
    name: typeof name === 'string' && name ? name : `${provider}-${index + 1}`,
    weight: 1,
    models: supported,
    excludedModels: supported ? undefined : notSupported,
    modelMap: {},
    maxConcurrency: typeof raw.concurrencyLimit === 'number' && raw.concurrencyLimit > 0 ? Math.floor(raw.concurrencyLimit) : undefined,
    disabled: raw.isDisabled === true,
    healthCheckModel: typeof raw.checkModelName === 'string' && raw.checkModelName ? raw.checkModelName : undefined,
    credentials,
  };
}

/** A model list of the original's pool file: null or empty is none. */
function originalModels(v: unknown, at: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = strList(v, at);
  return list.length > 0 ? list : undefined;
}

/** The `pool:` section. */
export function parsePoolSettings(raw: unknown, where: string): PoolSettings {
  if (raw === undefined || raw === null) return { ...DEFAULT_POOL_SETTINGS };
  if (!isRecord(raw)) throw new ConfigError(`${where}: expected a mapping`);
  const known = ['strategy', 'max_attempts', 'cooldown_ms', 'error_window_ms', 'error_threshold', 'health_check_interval_ms', 'affinity', 'state_file'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) throw new ConfigError(`${where}.${k}: unknown key`);
  const s = { ...DEFAULT_POOL_SETTINGS };
  if (raw.strategy !== undefined) {
    if (!STRATEGIES.includes(raw.strategy as Strategy)) throw new ConfigError(`${where}.strategy: expected one of ${STRATEGIES.join(', ')}`);
    s.strategy = raw.strategy as Strategy;
  }
  if (raw.max_attempts !== undefined) s.maxAttempts = positiveInt(raw.max_attempts, `${where}.max_attempts`);
  if (raw.cooldown_ms !== undefined) s.cooldownMs = nonNegativeInt(raw.cooldown_ms, `${where}.cooldown_ms`);
  if (raw.error_window_ms !== undefined) s.errorWindowMs = positiveInt(raw.error_window_ms, `${where}.error_window_ms`);
  if (raw.error_threshold !== undefined) s.errorThreshold = positiveInt(raw.error_threshold, `${where}.error_threshold`);
  if (raw.health_check_interval_ms !== undefined) s.healthCheckIntervalMs = nonNegativeInt(raw.health_check_interval_ms, `${where}.health_check_interval_ms`);
  if (raw.affinity !== undefined) s.affinity = bool(raw.affinity, `${where}.affinity`);
  if (raw.state_file !== undefined) s.stateFile = filePath(str(raw.state_file, `${where}.state_file`));
  return s;
}

/** `fallbacks: {claude-custom: [openai-custom]}`. */
export function parseFallbacks(raw: unknown, where: string): Partial<Record<ProviderName, ProviderName[]>> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new ConfigError(`${where}: expected a mapping of provider → list of providers`);
  const out: Partial<Record<ProviderName, ProviderName[]>> = {};
  for (const [from, list] of Object.entries(raw)) {
    if (!isProviderName(from)) throw new ConfigError(`${where}.${from}: unknown provider`);
    const chain = strList(list, `${where}.${from}`);
    for (const p of chain) if (!isProviderName(p)) throw new ConfigError(`${where}.${from}: unknown provider "${p}"`);
    out[from] = chain as ProviderName[];
  }
  return out;
}

function str(v: unknown, at: string): string {
  // A key of digits is read by YAML as a number (README "Configuration"): say to quote it, never echo it.
  const quote = typeof v === 'number' || typeof v === 'boolean' ? `, got a ${typeof v}: put the value in quotes` : '';
  if (typeof v !== 'string' || !v.trim()) throw new ConfigError(`${at}: expected a non-empty string${quote}`);
  return v.trim();
}
function strList(v: unknown, at: string): string[] {
  if (!Array.isArray(v)) throw new ConfigError(`${at}: expected a list`);
  return v.map((x, i) => str(x, `${at}[${i}]`));
}
/**
 * A number as YAML gives it, or as text: `${NAME}` in config.yaml (README "Configuration") always expands
 * to a string, so `max_attempts: ${POOL_ATTEMPTS}` must read as the number it spells, as a top-level
 * `port: ${PORT}` does. Only plain decimals: `0x10` or `1e3` as text stay refused.
 */
function numeric(v: unknown): unknown {
  return typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
}
/** true/false as YAML gives them, or as text (`${NAME}`, `yes`/`no`, `on`/`off`), as every other switch in config.yaml. */
function bool(v: unknown, at: string): boolean {
  try {
    return flag(v);
  } catch {
    throw new ConfigError(`${at}: expected true or false`);
  }
}
function positive(raw: unknown, at: string): number {
  const v = numeric(raw);
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new ConfigError(`${at}: expected a positive number`);
  return v;
}
function positiveInt(raw: unknown, at: string): number {
  const v = numeric(raw);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${at}: expected a positive whole number`);
  return v;
}
function nonNegativeInt(raw: unknown, at: string): number {
  const v = numeric(raw);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(`${at}: expected a whole number ≥ 0`);
  return v;
}
