import { isIP, isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { GEMINI_CLI_OAUTH_CLIENT_ID, GEMINI_CLI_OAUTH_CLIENT_SECRET } from '../auth/google/oauth-constants.ts';
import { ConfigError } from './errors.ts';
import { isProviderName, PROVIDER_NAMES, type ProviderName } from './providers.ts';
import { OPERATIONAL_SETTINGS } from './operational-settings.ts';
import { flag, geminiCredsFile, integer, milliseconds, nonEmpty, path, show, showUrl, typeName } from './parsers.ts';
import type { LogLevel } from './types.ts';

/**
 * Every setting once: where it lives in config.yaml, its flag, its environment variable, how a raw value
 * is checked, and its default. Flags, env and the file are all read through this one table, so the
 * three sources cannot drift apart. The names are a public contract (README "Configuration").
 */
export interface Setting<T = unknown> {
  /** Dotted path in config.yaml. */
  key: string;
  flag?: string;
  env?: string;
  parse: (raw: unknown) => T;
  /** A function is given the environment (empty values unset), for defaults that follow another program's variables. */
  default?: T | ((env: (name: string) => string | undefined) => T);
  /** Never echoed in an error message or log. */
  secret?: boolean;
  /** A comma-separated list: its flag given twice adds to it (`--cors-origin a --cors-origin b`). */
  list?: boolean;
  /** One line for --help. */
  help: string;
}

const port = integer(0, 65535, 'a port number');

// Underscores are allowed: container and compose service names carry them and resolve.
const DNS_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/**
 * The address to listen on: an IPv4 or IPv6 address (`0.0.0.0` and `::` listen on all), `localhost`, or a
 * host name. Checked here so that a typo stops start-up naming the key, not with the listen error Bun
 * gives for it (which, for `256.1.1.1`, is "Is port … in use?").
 */
const host = (raw: unknown): string => {
  let s = nonEmpty(raw);
  // `[::1]`, as in a URL.
  if (/^\[.*\]$/.test(s) && isIPv6(s.slice(1, -1))) s = s.slice(1, -1);
  if (isIP(s)) return s;
  const labels = s.replace(/\.$/, '').split('.');
  // An all-digit last label is a mistyped IPv4 address (`256.1.1.1`, `10.0.0`), never a DNS name.
  const ok = s.length <= 253 && labels.every((l) => DNS_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!);
  // A URL pasted here may carry its user:password@.
  if (!ok) throw new Error(`${showUrl(raw)} is not an IPv4 or IPv6 address or a host name`);
  return s;
};

/** A base URL; a path is kept (`http://host:8080/prefix/v1`), a trailing slash is not. */
export const baseUrl = (raw: unknown): string => {
  const s = nonEmpty(raw);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`${showUrl(raw)} is not a valid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${showUrl(raw)} must be an http(s) URL`);
  // Shown without them: a URL pasted with its query may carry a key (`?key=…`).
  if (u.search || u.hash) throw new Error(`${show(u.origin + u.pathname)} must not contain a query or fragment`);
  return s.replace(/\/+$/, '');
};

/**
 * The Anthropic base URL, to which `/v1/messages` is appended. The original project appended only
 * `/messages`, so its users' CLAUDE_BASE_URL / --claude-base-url end in `/v1` (a relay's
 * `https://relay.example/v1` too); kept, that would call `/v1/v1/messages` and get 404. No Anthropic-shaped
 * API lives under `/v1/v1`, so the trailing `/v1` is dropped, and so is the endpoint when it was pasted
 * whole (`…/v1/messages`, see openaiBaseUrl).
 */
export const claudeBaseUrl = (raw: unknown): string => baseUrl(raw).replace(/\/messages$/i, '').replace(/\/v1$/i, '');

/**
 * The OpenAI-compatible base URL, to which `/chat/completions` (and `/responses`, `/embeddings`, `/models`)
 * is appended. The endpoint itself is what many tools ask for and what users paste (claude-code-router's
 * api_base_url is the full `…/chat/completions`): kept, it would be called as
 * `/v1/chat/completions/chat/completions`, a 404 (harry0703/MoneyPrinterTurbo#57, lidge-jun/opencodex#1582).
 */
export const openaiBaseUrl = (raw: unknown): string => baseUrl(raw).replace(/\/(chat\/completions|responses)$/i, '');

/**
 * The Gemini API base URL, to which `/v1beta/models/…` is appended: one written with its API version
 * (Google's endpoint is often given as https://generativelanguage.googleapis.com/v1beta,
 * snailyp/gemini-balance#317) would ask for /v1beta/v1beta/models/…, a 404, so the version is dropped.
 */
export const geminiBaseUrl = (raw: unknown): string => baseUrl(raw).replace(/\/v1(beta)?$/, '');

/**
 * An outbound proxy for one provider's requests. Bun's fetch speaks HTTP proxies only (a SOCKS URL fails
 * every request with UnsupportedProxyProtocol), so anything else is refused here. Never echoed: a proxy
 * URL may carry its user and password.
 */
export const proxyUrl = (raw: unknown): string => {
  const s = nonEmpty(raw);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error('is not a valid URL');
  }
  if (/^socks/i.test(u.protocol)) {
    throw new Error(`${u.protocol}// proxies are not supported (Bun's fetch speaks only HTTP proxies): give an http:// or https:// proxy, e.g. one that forwards to the SOCKS one`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`must be an http:// or https:// proxy URL, not ${u.protocol}//`);
  return s;
};

const providers = (raw: unknown): ProviderName[] => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) throw new Error(`expected a list of provider names, got ${typeName(raw)}`);
  const names = items.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
  if (names.length === 0) throw new Error(`must name at least one provider (${PROVIDER_NAMES.join(', ')})`);
  for (const n of names) {
    if (typeof n !== 'string' || !isProviderName(n))
      throw new Error(`unknown provider ${show(n)}; known providers: ${PROVIDER_NAMES.join(', ')}`);
  }
  return [...new Set(names as ProviderName[])];
};

/**
 * A credentials file as base64, checked at start-up so a truncated paste fails there and not on the first
 * request. The value itself is kept as given; the token manager decodes it.
 */
const base64Json = (raw: unknown): string => {
  const s = nonEmpty(raw).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) throw new Error('is not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s, 'base64').toString('utf8'));
  } catch {
    throw new Error('is not base64 of a JSON credentials file');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('is not base64 of a JSON object');
  return s;
};

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const logLevel = (raw: unknown): LogLevel => {
  const s = nonEmpty(raw).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(s)) throw new Error(`${show(raw)} is not one of ${LOG_LEVELS.join(', ')}`);
  return s as LogLevel;
};

/**
 * cors_origin: `*`, or origins as a browser sends them in its Origin header (scheme://host[:port]). Kept
 * in that serialised form (lower case, default port dropped) so that a request is checked by one exact
 * lookup. Empty (the default) turns CORS off.
 */
const corsOrigins = (raw: unknown): string[] => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) throw new Error(`expected * or a comma-separated list of origins, got ${typeName(raw)}`);
  const given = items.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
  if (given.includes('*')) {
    if (given.length > 1) throw new Error('* already allows every origin: give it alone, or list the origins without it');
    return ['*'];
  }
  return [...new Set(given.map(corsOrigin))];
};

const corsOrigin = (raw: unknown): string => {
  const bad = () => new Error(`${showUrl(raw)} is not an origin: give scheme://host[:port] with no path (e.g. https://app.example.com), or *`);
  // A lone trailing slash is tolerated: it is how an address bar shows an origin, and names no path.
  if (typeof raw !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@\s]+\/?$/.test(raw)) throw bad();
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad();
  }
  // URL.origin is "null" for schemes such as chrome-extension: or app:, whose Origin header is still scheme://host.
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : `${u.protocol}//${u.host}`;
};

export const DEFAULT_API_KEY = '123456';

export const SETTINGS = {
  host: { key: 'host', flag: '--host', env: 'AIPROXY_HOST', parse: host, default: 'localhost', help: 'Address to listen on' },
  port: { key: 'port', flag: '--port', env: 'AIPROXY_PORT', parse: port, default: 3000, help: 'Port to listen on (0 = any free port)' },
  apiKey: {
    key: 'api_key', flag: '--api-key', env: 'AIPROXY_API_KEY', parse: nonEmpty, secret: true,
    help: `Key clients must present (default ${DEFAULT_API_KEY}: change it)`,
  },
  modelProviders: {
    key: 'model_providers', flag: '--model-provider', env: 'AIPROXY_MODEL_PROVIDER', parse: providers, list: true,
    default: ['openai-custom'] as ProviderName[], help: `Configured providers, first is the default (${PROVIDER_NAMES.join(', ')})`,
  },
  logLevel: { key: 'log_level', flag: '--log-level', env: 'AIPROXY_LOG_LEVEL', parse: logLevel, default: 'info' as LogLevel, help: 'debug, info, warn or error' },
  providerPoolsFile: {
    key: 'provider_pools_file', flag: '--provider-pools-file', env: 'AIPROXY_PROVIDER_POOLS_FILE', parse: path,
    help: 'Provider pools file (YAML or JSON; also the original project\'s provider_pools.json)',
  },
  shutdownTimeoutMs: {
    key: 'shutdown_timeout_ms', flag: '--shutdown-timeout-ms', env: 'AIPROXY_SHUTDOWN_TIMEOUT_MS', parse: milliseconds, default: 30_000,
    help: 'On SIGTERM/SIGINT, how long requests in flight may finish before they are ended',
  },
  allowPrivateMediaUrls: {
    key: 'allow_private_media_urls', flag: '--allow-private-media-urls', env: 'AIPROXY_ALLOW_PRIVATE_MEDIA_URLS', parse: flag,
    default: false, help: 'Let media URLs aiproxy fetches for Gemini point at loopback or private-network hosts (true/false)',
  },
  corsOrigin: {
    key: 'cors_origin', flag: '--cors-origin', env: 'AIPROXY_CORS_ORIGIN', parse: corsOrigins, default: [] as string[], list: true,
    help: 'Browser origins allowed to call the proxy (CORS): * or a comma-separated list of scheme://host[:port] (default: none, CORS off)',
  },
  ...OPERATIONAL_SETTINGS,
  openaiApiKey: { key: 'openai.api_key', flag: '--openai-api-key', env: 'OPENAI_API_KEY', parse: nonEmpty, secret: true, help: 'Key for openai-custom and openaiResponses-custom' },
  openaiBaseUrl: {
    key: 'openai.base_url', flag: '--openai-base-url', env: 'OPENAI_BASE_URL', parse: openaiBaseUrl,
    default: 'https://api.openai.com/v1', help: 'Base URL of the OpenAI-compatible upstream (with its /v1; openaiResponses-custom too; a trailing /chat/completions or /responses is dropped)',
  },
  openaiProxyUrl: {
    key: 'openai.proxy_url', flag: '--openai-proxy-url', env: 'OPENAI_PROXY_URL', parse: proxyUrl, secret: true,
    help: 'HTTP(S) proxy for openai-custom and openaiResponses-custom requests (else HTTPS_PROXY, if set, applies)',
  },
  claudeApiKey: { key: 'claude.api_key', flag: '--claude-api-key', env: 'CLAUDE_API_KEY', parse: nonEmpty, secret: true, help: 'Key for claude-custom' },
  claudeBaseUrl: {
    key: 'claude.base_url', flag: '--claude-base-url', env: 'CLAUDE_BASE_URL', parse: claudeBaseUrl,
    default: 'https://api.anthropic.com', help: 'Base URL of the Anthropic upstream (without /v1; a trailing /v1 or /v1/messages is dropped)',
  },
  claudeProxyUrl: { key: 'claude.proxy_url', flag: '--claude-proxy-url', env: 'CLAUDE_PROXY_URL', parse: proxyUrl, secret: true, help: 'HTTP(S) proxy for claude-custom requests' },
  geminiApiKey: { key: 'gemini.api_key', flag: '--gemini-api-key', env: 'GEMINI_API_KEY', parse: nonEmpty, secret: true, help: 'Key for gemini-cli' },
  geminiBaseUrl: {
    key: 'gemini.base_url', flag: '--gemini-base-url', env: 'GEMINI_BASE_URL', parse: geminiBaseUrl,
    default: 'https://generativelanguage.googleapis.com', help: 'Base URL of the Gemini API (without /v1beta)',
  },
  geminiProxyUrl: {
    key: 'gemini.proxy_url', flag: '--gemini-proxy-url', env: 'GEMINI_PROXY_URL', parse: proxyUrl, secret: true,
    help: 'HTTP(S) proxy for gemini-cli and gemini-cli-oauth requests (Google sign-in token refreshes included)',
  },
  geminiOauthCredsFile: {
    key: 'gemini.oauth_creds_file', flag: '--gemini-oauth-creds-file', env: 'GEMINI_OAUTH_CREDS_FILE', parse: path,
    // The Gemini CLI's own file, wherever it keeps it: GEMINI_CLI_HOME stands for its home directory.
    default: (env: (name: string) => string | undefined) => geminiCredsFile(env('GEMINI_CLI_HOME') ?? homedir()), help: 'Google OAuth credentials for gemini-cli-oauth',
  },
  geminiOauthCredsBase64: {
    key: 'gemini.oauth_creds_base64', env: 'GEMINI_OAUTH_CREDS_BASE64', parse: base64Json, secret: true,
    help: 'The credentials file as base64 (containers); wins over gemini.oauth_creds_file',
  },
  geminiOauthClientId: {
    key: 'gemini.oauth_client_id', parse: nonEmpty, default: GEMINI_CLI_OAUTH_CLIENT_ID, help: 'OAuth client that issued the refresh token',
  },
  geminiOauthClientSecret: {
    key: 'gemini.oauth_client_secret', parse: nonEmpty, secret: true, default: GEMINI_CLI_OAUTH_CLIENT_SECRET,
    help: 'Secret of that OAuth client',
  },
  geminiProjectId: { key: 'gemini.project_id', flag: '--project-id', env: 'GOOGLE_CLOUD_PROJECT', parse: nonEmpty, help: 'Google Cloud project for gemini-cli-oauth (discovered when unset)' },
  geminiCodeAssistBaseUrl: {
    key: 'gemini.code_assist_base_url', parse: baseUrl, default: 'https://cloudcode-pa.googleapis.com', help: 'Code Assist API base URL',
  },
  geminiOauthTokenUrl: {
    key: 'gemini.oauth_token_url', parse: baseUrl, default: 'https://oauth2.googleapis.com/token', help: 'Google OAuth token endpoint',
  },
  configFile: { key: '', flag: '--config', env: 'AIPROXY_CONFIG', parse: path, help: 'Config file (default ./config.yaml)' },
} satisfies Record<string, Setting>;

/** Runs a setting's parser, turning its complaint into a ConfigError that names the source. */
export function parseSetting<T>(s: Setting<T>, raw: unknown, source: string): T {
  try {
    return s.parse(raw);
  } catch (e) {
    const why = (e as Error).message;
    throw new ConfigError(`${source}: ${s.secret ? why.replace(/"[^"]*"/g, '(hidden)') : why}`);
  }
}
