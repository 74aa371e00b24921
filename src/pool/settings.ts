/** Pool behaviour (config.yaml `pool:`); a public contract, defaults documented in README. */
export type Strategy = 'round_robin' | 'weighted' | 'least_inflight' | 'fill_first';
export const STRATEGIES: readonly Strategy[] = ['round_robin', 'weighted', 'least_inflight', 'fill_first'];

export interface PoolSettings {
  strategy: Strategy;
  /** Members/providers tried for one request, before its first byte. */
  maxAttempts: number;
  /** Cooldown when a 429 carries no retry-after, and the base of the error backoff. */
  cooldownMs: number;
  errorWindowMs: number;
  errorThreshold: number;
  /** 0 = no active checks. */
  healthCheckIntervalMs: number;
  affinity: boolean;
  /** Optional file where member state survives restarts; the user's config is never written. */
  stateFile?: string;
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = {
  strategy: 'round_robin',
  maxAttempts: 3,
  cooldownMs: 60_000,
  errorWindowMs: 60_000,
  errorThreshold: 3,
  healthCheckIntervalMs: 0,
  affinity: false,
};

/** Longest a member stays out after repeated failures, however many. */
export const MAX_BACKOFF_MS = 15 * 60_000;
