import type { Config } from './types.ts';

/**
 * Every secret value in a configuration: the proxy and client keys, upstream keys, outbound proxy URLs
 * (they may hold a password), pool members' credentials.
 */
export function configSecrets(config: Config): string[] {
  const out: Array<string | undefined> = [
    config.apiKey,
    ...config.apiKeys.map((k) => k.key),
    config.openai.apiKey,
    config.claude.apiKey,
    config.gemini.apiKey,
    config.gemini.oauthCredsBase64,
    config.openai.proxyUrl,
    config.claude.proxyUrl,
    config.gemini.proxyUrl,
  ];
  for (const members of Object.values(config.pools)) {
    for (const m of members ?? []) out.push(m.credentials.apiKey, m.credentials.oauthCredsBase64, m.credentials.proxyUrl);
  }
  return out.filter((s): s is string => typeof s === 'string' && s.length > 0);
}
