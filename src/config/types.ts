import type { PoolsConfig } from '../pool/config.ts';
import type { PoolSettings } from '../pool/settings.ts';
import type { ClientKeyConfig } from './api-keys.ts';
import type { LogFormat, PromptLogMode, SystemPromptMode } from './operational-settings.ts';
import type { ProviderName } from './providers.ts';

/** The resolved configuration: every source merged, validated and defaulted. Read-only after start-up. */
export interface Config {
  host: string;
  port: number;
  apiKey: string;
  /** True when no source set the proxy key and the public default is in use. */
  apiKeyIsDefault: boolean;
  modelProviders: ProviderName[];
  /** The config file that was read, if any. */
  configFile?: string;
  /**
   * What was read but left unused without stopping start-up (the original project's pools file: its
   * providers aiproxy does not serve, keys it does not read). Logged at start-up and reload; never values.
   */
  warnings?: string[];
  /** `proxyUrl`: an HTTP(S) proxy the section's requests go through (settings.ts proxyUrl). */
  openai: { apiKey?: string; baseUrl: string; proxyUrl?: string };
  claude: { apiKey?: string; baseUrl: string; proxyUrl?: string };
  gemini: {
    apiKey?: string;
    baseUrl: string;
    proxyUrl?: string;
    oauthCredsFile: string;
    /** The credentials file as base64 (GEMINI_OAUTH_CREDS_BASE64); wins over oauthCredsFile. */
    oauthCredsBase64?: string;
    /** The OAuth client that issued the refresh token (default: the Gemini CLI's public installed-app client). */
    oauthClientId: string;
    oauthClientSecret: string;
    projectId?: string;
    codeAssistBaseUrl: string;
    oauthTokenUrl: string;
  };
  logLevel: LogLevel;
  /** How long a graceful shutdown waits for requests in flight before it ends them. */
  shutdownTimeoutMs: number;
  /**
   * Media URLs fetched for an upstream that cannot fetch them (Gemini) may point at loopback, private or
   * link-local addresses; off, such a URL is refused so a client cannot reach the proxy's own network.
   */
  allowPrivateMediaUrls: boolean;
  /**
   * Browser origins allowed to call the proxy (CORS), as browsers serialise them; `['*']` for any, empty
   * for CORS off: a proxy on localhost must not be callable from any web page its user visits.
   */
  corsOrigin: string[];
  /** Members per provider (provider_pools / provider_pools_file); a provider without one is a pool of one. */
  pools: PoolsConfig;
  pool: PoolSettings;
  /** Providers to try, in order, when a whole pool is unavailable. */
  fallbacks: Partial<Record<ProviderName, ProviderName[]>>;
  limits: {
    /** Largest request body, after decompression. */
    maxBodyBytes: number;
    /** Deepest nesting of objects and arrays in a request body. */
    maxJsonDepth: number;
    /** Resident memory (MB) beyond which the memory guard collects garbage at once; 0 = off. */
    softMemoryMb: number;
  };
  /** Upstream deadlines in ms; 0 = none. */
  timeouts: { connectMs: number; headersMs: number; idleMs: number };
  /** Keep-alive interval while a started stream is silent; 0 = none. */
  keepaliveMs: number;
  /** Requests served at once; 0 = unlimited. */
  maxInflight: number;
  logFormat: LogFormat;
  /**
   * Client keys besides api_key, each with a name and optional limits. When set and api_key is not,
   * only these keys are accepted (the public default is not).
   */
  apiKeys: ClientKeyConfig[];
  systemPromptFile?: string;
  systemPromptMode: SystemPromptMode;
  logPrompts: PromptLogMode;
  promptLogFile: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type { ClientKeyConfig, LogFormat, PromptLogMode, SystemPromptMode };
