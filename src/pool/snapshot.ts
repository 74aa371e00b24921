import type { ProviderName } from '../config/providers.ts';
import type { Pool } from './pool.ts';

/** What /pools shows of a member: its state, never its credentials. */
export interface MemberView {
  name: string;
  health: 'healthy' | 'cooling' | 'unhealthy' | 'disabled';
  cooldown_remaining_ms: number;
  model_cooldowns_ms: Record<string, number>;
  in_flight: number;
  errors: number;
  last_error: { status: number; message: string; at: string } | null;
  requests_served: number;
  last_used: string | null;
  weight: number;
  max_concurrency: number | null;
}

export function poolsView(pools: ReadonlyMap<ProviderName, Pool>, now = Date.now()): Record<string, { strategy: string; members: MemberView[] }> {
  const out: Record<string, { strategy: string; members: MemberView[] }> = {};
  for (const [name, pool] of pools) {
    out[name] = {
      strategy: pool.settings.strategy,
      members: pool.members.map((m) => ({
        name: m.name,
        health: m.spec.disabled ? 'disabled' : m.state.health,
        cooldown_remaining_ms: Math.max(0, m.state.cooldownUntil - now),
        // Per-model rate limits still running (Google's per-model quotas): model → milliseconds left.
        model_cooldowns_ms: Object.fromEntries(
          Object.entries(m.state.modelCooldowns ?? {}).flatMap(([model, until]) => (until > now ? [[model, until - now]] : [])),
        ),
        in_flight: m.inflight,
        errors: m.recentErrors(now, pool.settings),
        last_error: m.state.lastError ? { ...m.state.lastError, at: new Date(m.state.lastError.at).toISOString() } : null,
        requests_served: m.state.served,
        last_used: m.state.lastUsed ? new Date(m.state.lastUsed).toISOString() : null,
        weight: m.spec.weight,
        max_concurrency: m.spec.maxConcurrency ?? null,
      })),
    };
  }
  return out;
}

/** Configured providers that have no healthy member right now. */
export function degradedProviders(pools: ReadonlyMap<ProviderName, Pool>, configured: readonly ProviderName[]): ProviderName[] {
  return configured.filter((p) => {
    const pool = pools.get(p);
    return pool !== undefined && !pool.hasHealthyMember();
  });
}
