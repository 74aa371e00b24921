import type { AppContext } from '../../proxy/context.ts';
import { VERSION } from '../../version.ts';

/** GET /health: unauthenticated, for load balancers and systemd watchdogs. */
export function health(ctx: AppContext): Response {
  return Response.json({ status: 'ok', version: VERSION, providers: ctx.config.modelProviders });
}
