import { badRequest } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { embeddingsPrefix, handleEmbeddings, type EmbedInput } from '../../proxy/embeddings.ts';
import { readJsonBody } from '../body.ts';
import { checkModelName } from '../check-request.ts';
import { allowFor } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * Serves an embeddings request the same way for each protocol: body read within the limits, the model
 * (from a Gemini URL, or the body) allowed for the caller's key, one log line. `pathModel` is the model
 * from a Gemini URL.
 */
export async function serveEmbeddings(
  ctx: AppContext,
  args: RouteArgs,
  protocol: EmbedInput['protocol'],
  pathModel?: string,
  geminiAction?: EmbedInput['geminiAction'],
): Promise<Response> {
  const { bytes, json } = await readJsonBody(args.request, ctx.config.limits);
  args.bodyRead?.();
  const model = pathModel ?? json.model;
  if (typeof model !== 'string' || !model) throw badRequest('model: required string', 'model');
  checkModelName(model);
  // Checked and routed alike: the key's limits apply to the provider that will be asked.
  const prefix = embeddingsPrefix(ctx, args.request, args.prefix, model);
  allowFor(ctx, { ...args, prefix }, model);
  return handleEmbeddings(ctx, {
    protocol,
    request: args.request,
    rawBody: bytes,
    body: json,
    model,
    geminiAction,
    prefix,
    allowedProviders: args.caller?.allowedProviders,
    onDone: (f) => args.log({ ...f, model }),
  });
}

/** POST /v1/embeddings */
export function embeddings(ctx: AppContext, args: RouteArgs): Promise<Response> {
  return serveEmbeddings(ctx, args, 'openai');
}
