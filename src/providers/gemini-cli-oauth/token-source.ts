import { base64CredentialStore, fileCredentialStore } from '../../auth/google/credential-store.ts';
import { createTokenManager, type TokenManager } from '../../auth/google/token-manager.ts';
import type { Config } from '../../config/types.ts';
import type { Logger } from '../../util/log.ts';

interface Entry {
  key: string;
  manager: TokenManager;
  proxy: string | undefined;
  /** The leases using it; an adapter built without one holds it for the life of the process. */
  holders: Set<TokenLease | typeof FOREVER>;
}

const FOREVER = Symbol('no lease');
const managers = new Map<string, Entry>();

/**
 * The token managers one served configuration uses. A reload builds the new configuration under a new
 * lease and then releases the old one; the app releases its last when it stops. A manager no lease holds
 * any more is stopped and forgotten: its timer would otherwise go on spending refresh grants on, and
 * rewriting the file of, an account nobody serves (a pool member the reload removed, an old file name).
 */
export class TokenLease {
  private readonly held = new Set<Entry>();

  hold(entry: Entry): void {
    entry.holders.add(this);
    this.held.add(entry);
  }

  release(): void {
    for (const entry of this.held) {
      entry.holders.delete(this);
      if (entry.holders.size > 0) continue;
      entry.manager.stopBackground();
      // A proxy change may already have put a new manager under this key; that one is not ours to drop.
      if (managers.get(entry.key) === entry) managers.delete(entry.key);
    }
    this.held.clear();
  }
}

/**
 * The token manager for these credentials, shared across adapters. A config reload builds new adapters;
 * sharing keeps one refresh timer and one single-flight refresh per credentials file instead of one per
 * reload, and two managers can never race to rewrite the same file. A reload that changes
 * gemini.proxy_url replaces the manager (its refreshes go through the proxy) and stops the old one's timer.
 */
export function tokenManagerFor(cfg: Config['gemini'], log?: Logger, lease?: TokenLease): TokenManager {
  const store = cfg.oauthCredsBase64 ? base64CredentialStore(cfg.oauthCredsBase64) : fileCredentialStore(cfg.oauthCredsFile);
  const key = [store.id, cfg.oauthClientId, cfg.oauthClientSecret, cfg.oauthTokenUrl].join('\n');
  let entry = managers.get(key);
  if (!entry || entry.proxy !== cfg.proxyUrl) {
    entry?.manager.stopBackground();
    const manager = createTokenManager({
      store,
      oauth: { clientId: cfg.oauthClientId, clientSecret: cfg.oauthClientSecret, tokenUrl: cfg.oauthTokenUrl, proxy: cfg.proxyUrl },
      log,
    });
    entry = { key, manager, proxy: cfg.proxyUrl, holders: new Set() };
    managers.set(key, entry);
  }
  if (lease) lease.hold(entry);
  else entry.holders.add(FOREVER);
  return entry.manager;
}
