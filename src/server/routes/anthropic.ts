import { badRequest } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { serveCountTokens } from './count-tokens.ts';
import { generateBody, serveGenerate } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * Client headers that are forwarded to an Anthropic upstream: plain tokens and comma lists. Anything
 * else would be refused upstream (or, with control characters, by the HTTP client), so it is refused here.
 */
const FORWARDABLE = /^[A-Za-z0-9._,: -]{1,1024}$/;

function checkForwardedHeaders(request: Request): void {
  for (const name of ['anthropic-beta', 'anthropic-version']) {
    const v = request.headers.get(name);
    if (v !== null && !FORWARDABLE.test(v)) throw badRequest(`${name} header: expected a comma-separated list of names`);
  }
}

/** POST /v1/messages */
export async function messages(ctx: AppContext, args: RouteArgs): Promise<Response> {
  checkForwardedHeaders(args.request);
  const body = await generateBody(ctx, args, 'anthropic');
  return serveGenerate(ctx, args, 'anthropic', body, body.json.stream === true);
}

/** POST /v1/messages/count_tokens */
export async function countTokens(ctx: AppContext, args: RouteArgs): Promise<Response> {
  checkForwardedHeaders(args.request);
  return serveCountTokens(ctx, args, 'anthropic');
}
