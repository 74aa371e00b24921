import { base64CredentialStore, fileCredentialStore } from '../../auth/google/credential-store.ts';
import { createTokenManager, type TokenManager } from '../../auth/google/token-manager.ts';
import type { Config } from '../../config/types.ts';
import type { Logger } from '../../util/log.ts';

const managers = new Map<string, TokenManager>();

/**
 * The token manager for these credentials, shared across adapters. A config reload builds new adapters;
 * sharing keeps one refresh timer and one single-flight refresh per credentials file instead of one per
 * reload, and two managers can never race to rewrite the same file.
 */
export function tokenManagerFor(cfg: Config['gemini'], log?: Logger): TokenManager {
  const store = cfg.oauthCredsBase64 ? base64CredentialStore(cfg.oauthCredsBase64) : fileCredentialStore(cfg.oauthCredsFile);
  // Not keyed by the proxy: one manager per credentials, so a proxy changed by a reload reaches the
  // token refreshes after a restart.
  const key = [store.id, cfg.oauthClientId, cfg.oauthClientSecret, cfg.oauthTokenUrl].join('\n');
  let manager = managers.get(key);
  if (!manager) {
    manager = createTokenManager({
      store,
      oauth: { clientId: cfg.oauthClientId, clientSecret: cfg.oauthClientSecret, tokenUrl: cfg.oauthTokenUrl, proxy: cfg.proxyUrl },
      log,
    });
    managers.set(key, manager);
  }
  return manager;
}
