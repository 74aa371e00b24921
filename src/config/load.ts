import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { parseFallbacks, parsePools, parsePoolSettings } from '../pool/config.ts';
import { parseApiKeys } from './api-keys.ts';
import { ConfigError } from './errors.ts';
import { originalConfigHint } from './original-config.ts';
import type { ProviderName } from './providers.ts';
import { ConfigFileSchema } from './schema.ts';
import { DEFAULT_API_KEY, parseSetting, SETTINGS, type Setting } from './settings.ts';
import type { Config } from './types.ts';
import { findDuplicateKey } from './yaml-duplicates.ts';

export interface ConfigSources {
  /** Flag name (with --) → raw value, from parseArgs. */
  flags: Map<string, string>;
  env: Record<string, string | undefined>;
  /** Where a relative default config path is looked up. */
  cwd?: string;
}

/**
 * Merges flags > environment > config file > defaults into a validated Config.
 * Throws ConfigError naming the key and source of the first bad value; nothing is half-applied.
 */
export function loadConfig(src: ConfigSources): Config {
  const env = (name: string | undefined): string | undefined => {
    if (!name) return undefined;
    const v = src.env[name];
    // An empty variable (common in container env files) means "not set".
    return v === undefined || v === '' ? undefined : v;
  };

  const explicitFile = src.flags.get('--config') ?? env('AIPROXY_CONFIG');
  const configPath = explicitFile
    ? parseSetting(SETTINGS.configFile, explicitFile, src.flags.has('--config') ? '--config' : 'AIPROXY_CONFIG')
    : `${src.cwd ?? process.cwd()}/config.yaml`;
  const file = readConfigFile(configPath, explicitFile !== undefined, src.env);
  const fileLabel = explicitFile ? configPath : 'config.yaml';

  function resolve<T>(s: Setting<T>): T | undefined {
    if (s.flag && src.flags.has(s.flag)) return parseSetting(s, src.flags.get(s.flag), s.flag);
    const fromEnv = env(s.env);
    if (fromEnv !== undefined) return parseSetting(s, fromEnv, s.env!);
    const fromFile = file ? lookup(file, s.key) : undefined;
    if (fromFile !== undefined) return parseSetting(s, fromFile, `${fileLabel}: ${s.key}`);
    return typeof s.default === 'function' ? (s.default as (e: typeof env) => T)(env) : s.default;
  }

  const apiKey = resolve(SETTINGS.apiKey);
  const poolsFile = resolve(SETTINGS.providerPoolsFile);
  const warnings: string[] = [];
  const pools = poolsFile
    ? parsePools(readPoolsFile(poolsFile, src.env), poolsFile, warnings)
    : file?.provider_pools !== undefined
      ? parsePools(file.provider_pools, `${fileLabel}: provider_pools`, warnings)
      : {};
  // Both given: the pools file is the one read (a flag or environment variable beats the file, and a
  // provider_pools_file in the file names where the pools are). Said, as the members of provider_pools
  // otherwise vanish without a word.
  if (poolsFile && file?.provider_pools !== undefined) {
    const from = src.flags.has('--provider-pools-file') ? '--provider-pools-file' : env('AIPROXY_PROVIDER_POOLS_FILE') !== undefined ? 'AIPROXY_PROVIDER_POOLS_FILE' : 'provider_pools_file';
    warnings.push(`${fileLabel}: provider_pools is not used: the pools come from ${poolsFile} (${from}) alone`);
  }
  // model_providers unset: its default, openai-custom, is only served when something configures it. A
  // pools file alone (the original project's, say, with only gemini-cli-oauth or claude-custom accounts)
  // otherwise left it first, and every model without a family of its own went to api.openai.com keyless.
  const pooled = Object.keys(pools) as ProviderName[];
  const listed = resolve({ ...SETTINGS.modelProviders, default: undefined });
  const openaiConfigured = resolve(SETTINGS.openaiApiKey) !== undefined || resolve({ ...SETTINGS.openaiBaseUrl, default: undefined }) !== undefined;
  const providers = listed ?? (pooled.length > 0 && !openaiConfigured ? [] : SETTINGS.modelProviders.default);
  return {
    host: resolve(SETTINGS.host)!,
    port: resolve(SETTINGS.port)!,
    apiKey: apiKey ?? DEFAULT_API_KEY,
    apiKeyIsDefault: apiKey === undefined,
    // A provider with a pool is configured even when model_providers does not list it.
    modelProviders: [...new Set([...providers, ...pooled])],
    configFile: file ? configPath : undefined,
    warnings,
    logLevel: resolve(SETTINGS.logLevel)!,
    shutdownTimeoutMs: resolve(SETTINGS.shutdownTimeoutMs)!,
    allowPrivateMediaUrls: resolve(SETTINGS.allowPrivateMediaUrls)!,
    corsOrigin: resolve(SETTINGS.corsOrigin)!,
    pools,
    pool: parsePoolSettings(file?.pool, `${fileLabel}: pool`),
    fallbacks: parseFallbacks(file?.fallbacks, `${fileLabel}: fallbacks`),
    limits: {
      maxBodyBytes: resolve(SETTINGS.maxBodyBytes)!,
      maxJsonDepth: resolve(SETTINGS.maxJsonDepth)!,
      softMemoryMb: resolve(SETTINGS.softMemoryMb)!,
    },
    timeouts: {
      connectMs: resolve(SETTINGS.connectTimeoutMs)!,
      headersMs: resolve(SETTINGS.headersTimeoutMs)!,
      idleMs: resolve(SETTINGS.idleTimeoutMs)!,
    },
    keepaliveMs: resolve(SETTINGS.keepaliveMs)!,
    maxInflight: resolve(SETTINGS.maxInflight)!,
    logFormat: resolve(SETTINGS.logFormat)!,
    apiKeys: parseApiKeys(file?.api_keys, `${fileLabel}: api_keys`),
    systemPromptFile: resolve(SETTINGS.systemPromptFile),
    systemPromptMode: resolve(SETTINGS.systemPromptMode)!,
    logPrompts: resolve(SETTINGS.logPrompts)!,
    promptLogFile: resolve(SETTINGS.promptLogFile)!,
    openai: { apiKey: resolve(SETTINGS.openaiApiKey), baseUrl: resolve(SETTINGS.openaiBaseUrl)!, proxyUrl: resolve(SETTINGS.openaiProxyUrl) },
    claude: { apiKey: resolve(SETTINGS.claudeApiKey), baseUrl: resolve(SETTINGS.claudeBaseUrl)!, proxyUrl: resolve(SETTINGS.claudeProxyUrl) },
    gemini: {
      apiKey: resolve(SETTINGS.geminiApiKey),
      baseUrl: resolve(SETTINGS.geminiBaseUrl)!,
      proxyUrl: resolve(SETTINGS.geminiProxyUrl),
      oauthCredsFile: resolve(SETTINGS.geminiOauthCredsFile)!,
      oauthCredsBase64: resolve(SETTINGS.geminiOauthCredsBase64),
      oauthClientId: resolve(SETTINGS.geminiOauthClientId)!,
      oauthClientSecret: resolve(SETTINGS.geminiOauthClientSecret)!,
      projectId: resolve(SETTINGS.geminiProjectId),
      codeAssistBaseUrl: resolve(SETTINGS.geminiCodeAssistBaseUrl)!,
      oauthTokenUrl: resolve(SETTINGS.geminiOauthTokenUrl)!,
    },
  };
}

/** The pool file: our YAML/JSON format or the original project's provider_pools.json. */
function readPoolsFile(path: string, env: Record<string, string | undefined>): unknown {
  if (!existsSync(path)) throw new ConfigError(`provider pools file ${path} does not exist${fromWorkingDirectory(path)}`);
  try {
    // A byte-order mark, as Windows editors and PowerShell's `-Encoding UTF8` write one, is not JSON:
    // JSON.parse refused the whole file with "Unrecognized token" and an invisible character.
    const text = readText(path, 'provider pools file').replace(/^\uFEFF/, '');
    // JSON.parse, too, keeps the last of two equal keys; a JSON pools file is not checked for them.
    return expandEnv(path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, path), env, path, '');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // JSON.parse quotes the token it choked on, which may be an unquoted key: never echoed.
    throw new ConfigError(`${path}: cannot be parsed: ${(e as Error).message.replace(/"[^"]*"/g, '(hidden)')}`);
  }
}

/**
 * A file's text, or a ConfigError saying why it cannot be had, rather than "invalid YAML: EISDIR…": `docker
 * run -v $PWD/config.yaml:/etc/aiproxy/config.yaml` makes a directory of a host file that does not exist
 * and mounts that (deviantony/docker-elk#103), and a host file of mode 0600 is unreadable to the image's user.
 */
function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') {
      throw new ConfigError(`${what} ${path} is a directory, not a file (a container's bind mount of a host file that does not exist makes one)`);
    }
    throw new ConfigError(`${what} ${path} cannot be read: ${code ?? (e as Error).message}`);
  }
}

/**
 * Where a relative path was looked for: the working directory, not the config file's (under systemd that
 * is the unit's WorkingDirectory, /var/lib/aiproxy, while the file sits in /etc/aiproxy).
 */
export function fromWorkingDirectory(path: string): string {
  return isAbsolute(path) ? '' : ` (a relative path is taken from the working directory, ${process.cwd()})`;
}

/** Reads and checks config.yaml. A missing default file is fine; a missing explicit one is an error. */
function readConfigFile(
  path: string,
  explicit: boolean,
  env: Record<string, string | undefined>,
): Record<string, unknown> | undefined {
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`config file ${path} does not exist${fromWorkingDirectory(path)}`);
    return undefined;
  }
  // A byte-order mark (Notepad, PowerShell's `-Encoding UTF8`) is skipped by the YAML parser but not by
  // the duplicate-key scan, which then took the first key for another (`\uFEFFport`) and let a second
  // `port:` win without a word.
  const text = readText(path, 'config file').replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = parseYaml(text, path);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${path}: invalid YAML: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) return {}; // an empty file is an empty config
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${path}: expected a mapping of keys at the top level`);
  const expanded = expandEnv(data, env, path, '') as Record<string, unknown>;
  const first = Value.Errors(ConfigFileSchema, expanded).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replaceAll('/', '.');
    const original = originalConfigHint(expanded);
    throw new ConfigError(`${path}: ${key}: ${schemaComplaint(first)}${original ? `; ${original}` : ''}`);
  }
  return expanded;
}

/** Bun.YAML.parse, refusing a key given twice in one mapping: the parser would keep the last one without a word. */
function parseYaml(text: string, path: string): unknown {
  let data: unknown;
  try {
    data = Bun.YAML.parse(text);
  } catch (e) {
    const line = yamlErrorLine(text);
    // `cors_origin: *` (README "Browser clients (CORS)") or `host: ::`: YAML takes a value that begins
    // with *, @, ` or : for syntax, where it is meant as text.
    const quote = /:\s+([*@`]|:+\s*(#.*)?$)/.test(text.split('\n')[line - 1] ?? '')
      ? "; a value beginning with *, @, ` or : must be quoted ('*', '::')"
      : '';
    throw new Error(`${(e as Error).message} (near line ${line})${quote}`);
  }
  const dup = findDuplicateKey(text);
  if (dup) throw new ConfigError(`${path}: ${dup.path}: duplicate key on line ${dup.line} (first given on line ${dup.firstLine})`);
  return data;
}

/**
 * Where a YAML text stops parsing: the line after the longest beginning of it that parses. Bun's parser
 * names no position ("Unexpected token"), and an operator looking for a bare `*` or a stray indent in a
 * long file needs one. A flow list spread over lines fails as a beginning but parses once closed, so it is
 * the last beginning that parses that counts, not the first that fails. Only run on a file that failed.
 */
function yamlErrorLine(text: string): number {
  const lines = text.split('\n');
  for (let n = lines.length - 1; n >= 1; n--) {
    try {
      Bun.YAML.parse(lines.slice(0, n).join('\n'));
      return n + 1;
    } catch {
      // still broken: the fault is at or before line n
    }
  }
  return 1;
}

/** TypeBox's message, but for a union (`port: true`) what would have been accepted and what was found. */
function schemaComplaint(e: ValueError): string {
  if (e.message === 'Unexpected property') return 'unknown key';
  const types = (e.schema as { anyOf?: Array<{ type?: unknown }> }).anyOf?.map((s) => (s.type === 'integer' ? 'a whole number' : s.type === 'string' ? 'a string' : `a ${String(s.type)}`));
  if (types?.length) return `expected ${types.join(' or ')}, got ${e.value === null ? 'null' : Array.isArray(e.value) ? 'a list' : typeof e.value}`;
  // `api_key: 0123456` or `project_id: 123456789`: YAML read a number (or a switch) where text was meant,
  // and the number may already differ from what was written (0123456 → 123456). The value is not echoed.
  if ((e.schema as { type?: unknown }).type === 'string' && (typeof e.value === 'number' || typeof e.value === 'boolean')) {
    return `expected a string, got a ${typeof e.value}: put the value in quotes (YAML reads an unquoted 0123, 1e5 or true as a ${typeof e.value === 'number' ? 'number' : 'switch'})`;
  }
  return e.message.toLowerCase();
}

/** `${NAME}` in a string value is replaced by that environment variable, so secrets can stay out of the file. */
function expandEnv(v: unknown, env: Record<string, string | undefined>, file: string, key: string): unknown {
  if (typeof v === 'string') {
    // A shell form (`${NAME:-default}`, `${NAME-x}`, an unclosed `${NAME`) was kept as literal text, so the
    // reference itself went upstream as the key. Refused; the value is not echoed (it may hold a secret).
    if (/\$\{(?![A-Za-z_][A-Za-z0-9_]*\})/.test(v)) {
      throw new ConfigError(`${file}: ${key}: only \${NAME} is replaced by an environment variable; other forms such as \${NAME:-default} are not read`);
    }
    return v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const val = env[name];
      if (val === undefined) throw new ConfigError(`${file}: ${key}: environment variable ${name} is not set`);
      return val;
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => expandEnv(x, env, file, `${key}[${i}]`));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = expandEnv(x, env, file, key ? `${key}.${k}` : k);
    return out;
  }
  return v;
}

function lookup(obj: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
