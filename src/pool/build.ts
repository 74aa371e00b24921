import { createHash } from 'node:crypto';
import type { ProviderName } from '../config/providers.ts';
import type { Config } from '../config/types.ts';
import { createProvider, type ProviderEnv } from '../providers/registry.ts';
import type { MemberConfig } from './config.ts';
import { Member } from './member.ts';
import { Pool } from './pool.ts';

/**
 * A pool per provider that requests can reach: the configured ones and their fallbacks. A provider
 * without provider_pools is a pool of one member built from its config section. Members of `previous`
 * (a reload) that kept their name and credentials keep their health state and requests in flight, and
 * sessions keep their member.
 */
export function createPools(config: Config, previous?: ReadonlyMap<ProviderName, Pool>, env?: ProviderEnv): Map<ProviderName, Pool> {
  const names = new Set<ProviderName>(config.modelProviders);
  for (const chain of Object.values(config.fallbacks)) for (const p of chain ?? []) names.add(p);
  const out = new Map<ProviderName, Pool>();
  for (const provider of names) {
    const pooled = config.pools[provider] !== undefined;
    const specs: MemberConfig[] = config.pools[provider] ?? [
      { name: provider, weight: 1, modelMap: {}, disabled: false, credentials: {} },
    ];
    const members = specs.map((m) => {
      const member = new Member({
        name: m.name,
        provider,
        adapter: createProvider(provider, config, m.credentials, env),
        weight: m.weight,
        models: m.models ? new Set(m.models) : undefined,
        excludedModels: m.excludedModels ? new Set(m.excludedModels) : undefined,
        modelMap: m.modelMap,
        maxConcurrency: m.maxConcurrency,
        disabled: m.disabled,
        healthCheckModel: m.healthCheckModel,
        alwaysAvailable: !pooled,
        fingerprint: fingerprint(provider, config, m),
      });
      const old = previous?.get(provider)?.members.find((o) => o.name === m.name && o.spec.fingerprint === member.spec.fingerprint);
      if (old) member.succeed(old);
      return member;
    });
    out.set(provider, new Pool(provider, members, config.pool, previous?.get(provider)));
  }
  return out;
}

/** A digest of what makes a member the same account (credentials, endpoint), without keeping the secrets. */
function fingerprint(provider: ProviderName, config: Config, m: MemberConfig): string {
  const section = provider === 'openai-custom' || provider === 'openaiResponses-custom' ? config.openai : provider === 'claude-custom' ? config.claude : config.gemini;
  return createHash('sha256').update(JSON.stringify([provider, section, m.credentials])).digest('hex').slice(0, 16);
}
