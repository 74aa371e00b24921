import type { AppContext } from '../proxy/context.ts';
import { startHealthChecks } from './health-check.ts';
import { persistPoolState } from './state-file.ts';

/** Background work of the pools (active checks, state file); returns a stop function for reloads. */
export function startPoolTasks(ctx: AppContext): () => void {
  const stops = [startHealthChecks({ pools: ctx.pools, fetch: ctx.fetch, log: ctx.log, intervalMs: ctx.config.pool.healthCheckIntervalMs })];
  if (ctx.config.pool.stateFile) stops.push(persistPoolState(ctx.config.pool.stateFile, ctx.pools, ctx.log));
  return () => {
    for (const stop of stops) stop();
  };
}
