import type { ProviderName } from '../config/providers.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { Pool } from './pool.ts';

/** One adapter per provider (the first enabled member), for what is the same across its accounts: model lists, token counts. */
export function representatives(pools: ReadonlyMap<ProviderName, Pool>): Map<ProviderName, ProviderAdapter> {
  const out = new Map<ProviderName, ProviderAdapter>();
  for (const [name, pool] of pools) {
    const m = pool.members.find((x) => !x.spec.disabled) ?? pool.members[0];
    if (m) out.set(name, m.spec.adapter);
  }
  return out;
}
