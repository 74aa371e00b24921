import { base64CredentialStore, fileCredentialStore } from '../../auth/google/credential-store.ts';
import { createTokenManager, type TokenManager } from '../../auth/google/token-manager.ts';
import type { Config } from '../../config/types.ts';
import type { Logger } from '../../util/log.ts';

const managers = new Map<string, { manager: TokenManager; proxy: string | undefined }>();

/**
 * The token manager for these credentials, shared across adapters. A config reload builds new adapters;
 * sharing keeps one refresh timer and one single-flight refresh per credentials file instead of one per
 * reload, and two managers can never race to rewrite the same file. A reload that changes
 * gemini.proxy_url replaces the manager (its refreshes go through the proxy) and stops the old one's timer.
 */
export function tokenManagerFor(cfg: Config['gemini'], log?: Logger): TokenManager {
  const store = cfg.oauthCredsBase64 ? base64CredentialStore(cfg.oauthCredsBase64) : fileCredentialStore(cfg.oauthCredsFile);
  const key = [store.id, cfg.oauthClientId, cfg.oauthClientSecret, cfg.oauthTokenUrl].join('\n');
  const known = managers.get(key);
  if (known && known.proxy === cfg.proxyUrl) return known.manager;
  known?.manager.stopBackground();
  const manager = createTokenManager({
    store,
    oauth: { clientId: cfg.oauthClientId, clientSecret: cfg.oauthClientSecret, tokenUrl: cfg.oauthTokenUrl, proxy: cfg.proxyUrl },
    log,
  });
  managers.set(key, { manager, proxy: cfg.proxyUrl });
  return manager;
}
