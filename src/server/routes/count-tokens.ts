import { badRequest } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { handleCountTokens, type CountInput } from '../../proxy/count-tokens.ts';
import { readJsonBody } from '../body.ts';
import { allowFor } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * Serves a count-tokens request the same way for each protocol: body read within the limits, the model
 * (from a Gemini URL, or the body) allowed for the caller's key, one log line. `pathModel` is the
 * model from a Gemini URL.
 */
export async function serveCountTokens(ctx: AppContext, args: RouteArgs, protocol: CountInput['protocol'], pathModel?: string): Promise<Response> {
  const { text, json } = await readJsonBody(args.request, ctx.config.limits);
  const model = pathModel ?? json.model;
  if (typeof model !== 'string' || !model) throw badRequest('model: Field required', 'model');
  allowFor(ctx, args, model);
  const res = await handleCountTokens(ctx, { protocol, request: args.request, bodyText: text, body: json, model, prefix: args.prefix });
  args.log({ status: res.status, model });
  return res;
}
