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
  openai: { apiKey?: string; baseUrl: string };
  claude: { apiKey?: string; baseUrl: string };
  gemini: {
    apiKey?: string;
    baseUrl: string;
    oauthCredsFile: string;
    projectId?: string;
    codeAssistBaseUrl: string;
    oauthTokenUrl: string;
  };
  logLevel: LogLevel;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
