import type { ProviderName } from '../config/providers.ts';
import type { Config } from '../config/types.ts';
import type { MemberCredentials } from '../pool/config.ts';
import { Logger } from '../util/log.ts';
import { claudeCustom } from './claude-custom.ts';
import { geminiCli } from './gemini-cli.ts';
import { geminiCliOauth } from './gemini-cli-oauth/adapter.ts';
import { openaiCustom } from './openai-custom.ts';
import { openaiResponsesCustom } from './openai-responses-custom.ts';
import type { ProviderAdapter } from './types.ts';

/**
 * The adapter for one provider account: the provider's config section, with a pool member's own
 * credentials and endpoint laid over it.
 */
export function createProvider(name: ProviderName, config: Config, creds: MemberCredentials = {}): ProviderAdapter {
  const set = <T extends object>(base: T, over: Partial<T>): T => {
    const out = { ...base };
    for (const [k, v] of Object.entries(over)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    return out;
  };
  switch (name) {
    case 'openai-custom':
      return openaiCustom(set(config.openai, { apiKey: creds.apiKey, baseUrl: creds.baseUrl }));
    case 'openaiResponses-custom':
      return openaiResponsesCustom(set(config.openai, { apiKey: creds.apiKey, baseUrl: creds.baseUrl }));
    case 'claude-custom':
      return claudeCustom(set(config.claude, { apiKey: creds.apiKey, baseUrl: creds.baseUrl }));
    case 'gemini-cli':
      return geminiCli(set(config.gemini, { apiKey: creds.apiKey, baseUrl: creds.baseUrl }));
    case 'gemini-cli-oauth':
      // Background token refreshes happen outside any request, so the adapter logs on its own.
      return geminiCliOauth(
        set(creds.oauthCredsFile && !creds.oauthCredsBase64 ? { ...config.gemini, oauthCredsBase64: undefined } : config.gemini, {
          oauthCredsFile: creds.oauthCredsFile,
          oauthCredsBase64: creds.oauthCredsBase64,
          projectId: creds.projectId,
          codeAssistBaseUrl: creds.baseUrl,
        }),
        { log: new Logger(config.logLevel) },
      );
  }
}
