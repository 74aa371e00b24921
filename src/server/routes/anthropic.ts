import { badRequest } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { handleCountTokens } from '../../proxy/count-tokens.ts';
import { readJsonBody } from '../body.ts';
import { allowFor, generateBody, serveGenerate } from './generate-body.ts';
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
  const { request, prefix, log } = args;
  checkForwardedHeaders(request);
  const { text, json } = await readJsonBody(request, ctx.config.limits);
  if (typeof json.model !== 'string' || !json.model) throw badRequest('model: Field required', 'model');
  allowFor(ctx, args, json.model);
  const res = await handleCountTokens(ctx, { protocol: 'anthropic', request, bodyText: text, body: json, model: json.model, prefix });
  log({ status: res.status, model: json.model });
  return res;
}
