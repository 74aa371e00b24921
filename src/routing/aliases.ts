import type { ProviderName } from '../config/providers.ts';
import type { Pool } from '../pool/pool.ts';

/** A model_map alias → the provider whose pool defines it. */
export type AliasIndex = ReadonlyMap<string, ProviderName>;

/**
 * Which provider each model_map alias belongs to, built once per configuration so routing a request is
 * one lookup. Same owner as the model list gives it (withAliases): the first of model_providers whose
 * enabled members define it, so what a key's list shows under a provider is what it is routed to. The
 * fallbacks' pools are left out: their aliases are for failover, not names clients route by.
 */
export function aliasIndex(pools: ReadonlyMap<ProviderName, Pool>, modelProviders: readonly ProviderName[]): AliasIndex {
  // A Map, not an object: an alias may be named "__proto__".
  const out = new Map<string, ProviderName>();
  for (const provider of modelProviders) {
    for (const member of pools.get(provider)?.members ?? []) {
      if (member.spec.disabled) continue;
      for (const alias of Object.keys(member.spec.modelMap)) if (!out.has(alias)) out.set(alias, provider);
    }
  }
  return out;
}
