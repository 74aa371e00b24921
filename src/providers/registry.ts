import type { ProviderName } from '../config/providers.ts';
import type { Config } from '../config/types.ts';
import type { MemberCredentials } from '../pool/config.ts';
import { Logger } from '../util/log.ts';
import { claudeCustom } from './claude-custom.ts';
import { geminiCli } from './gemini-cli.ts';
import { geminiCliOauth } from './gemini-cli-oauth/adapter.ts';
import { TokenLease } from './gemini-cli-oauth/token-source.ts';
import { openaiCustom } from './openai-custom.ts';
import { openaiResponsesCustom } from './openai-responses-custom.ts';
import type { ProviderAdapter } from './types.ts';
import { viaProxy } from './via-proxy.ts';

/**
 * What the adapters of one served configuration share with the app serving it: the app's logger (its
 * format, level and secret blanking, as reloads change them), and what they keep running in the
 * background (token refresh timers), stopped by release() once that configuration is no longer served.
 */
export interface ProviderEnv {
  log: Logger;
  tokens: TokenLease;
  /** The configuration is no longer served (a reload replaced it, or the app stopped): stops what only it used. */
  release(): void;
}

export function createProviderEnv(log: Logger): ProviderEnv {
  const tokens = new TokenLease();
  return { log, tokens, release: () => tokens.release() };
}

/**
 * The adapter for one provider account: the provider's config section, with a pool member's own
 * credentials and endpoint laid over it.
 */
export function createProvider(name: ProviderName, config: Config, creds: MemberCredentials = {}, env?: ProviderEnv): ProviderAdapter {
  const set = <T extends object>(base: T, over: Record<string, unknown>): T => {
    const out = { ...base };
    for (const [k, v] of Object.entries(over)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    return out;
  };
  /** A key-and-URL provider: its section with the member's own key, URL and proxy over it. */
  const keyed = <C extends { proxyUrl?: string }>(section: C, make: (cfg: C) => ProviderAdapter): ProviderAdapter => {
    const cfg = set(section, { apiKey: creds.apiKey, baseUrl: creds.baseUrl, proxyUrl: creds.proxyUrl });
    return viaProxy(make(cfg), cfg.proxyUrl);
  };
  switch (name) {
    case 'openai-custom':
      return keyed(config.openai, openaiCustom);
    case 'openaiResponses-custom':
      return keyed(config.openai, openaiResponsesCustom);
    case 'claude-custom':
      return keyed(config.claude, claudeCustom);
    case 'gemini-cli':
      return keyed(config.gemini, geminiCli);
    case 'gemini-cli-oauth': {
      const cfg = set(creds.oauthCredsFile && !creds.oauthCredsBase64 ? { ...config.gemini, oauthCredsBase64: undefined } : config.gemini, {
        oauthCredsFile: creds.oauthCredsFile,
        oauthCredsBase64: creds.oauthCredsBase64,
        projectId: creds.projectId,
        codeAssistBaseUrl: creds.baseUrl,
        proxyUrl: creds.proxyUrl,
      });
      // Background token refreshes log outside any request, so the adapter needs a logger: the app's, so their
      // lines follow its format, level and secret blanking through reloads; outside an app, one as configured.
      const log = env?.log ?? new Logger(config.logLevel, undefined, config.logFormat);
      return viaProxy(geminiCliOauth(cfg, { log, lease: env?.tokens }), cfg.proxyUrl);
    }
  }
}
