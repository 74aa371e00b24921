import { degradedProviders, poolsView } from '../../pool/snapshot.ts';
import type { AppContext } from '../../proxy/context.ts';
import { VERSION } from '../../version.ts';
import { assertUnlimited } from '../client-keys.ts';
import type { RouteArgs } from './types.ts';

/** GET /health: unauthenticated, for load balancers and systemd watchdogs. Degraded stays 200: the proxy still serves. */
export function health(ctx: AppContext): Response {
  const degraded = degradedProviders(ctx.pools, ctx.config.modelProviders);
  return Response.json({
    status: degraded.length ? 'degraded' : 'ok',
    version: VERSION,
    providers: ctx.config.modelProviders,
    ...(degraded.length ? { degraded } : {}),
  });
}

/** GET /pools (needs an unlimited proxy key): every provider's members and their state, never a secret. */
export async function pools(ctx: AppContext, { caller }: RouteArgs): Promise<Response> {
  assertUnlimited(caller, '/pools');
  return Response.json({ providers: poolsView(ctx.pools) });
}
