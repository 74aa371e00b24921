import { badRequest } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { handleCountTokens } from '../../proxy/count-tokens.ts';
import { handleGenerate } from '../../proxy/generate.ts';
import { readJsonBody } from '../body.ts';
import type { RouteArgs } from './types.ts';

/** POST /v1/messages */
export async function messages(ctx: AppContext, { request, prefix, log }: RouteArgs): Promise<Response> {
  const { text, json } = await readJsonBody(request);
  if (typeof json.model !== 'string' || !json.model) throw badRequest('model: Field required', 'model');
  return handleGenerate(ctx, {
    protocol: 'anthropic',
    request,
    bodyText: text,
    body: json,
    model: json.model,
    stream: json.stream === true,
    prefix,
    onDone: (f) => log({ ...f, model: json.model as string }),
  });
}

/** POST /v1/messages/count_tokens */
export async function countTokens(ctx: AppContext, { request, prefix, log }: RouteArgs): Promise<Response> {
  const { text, json } = await readJsonBody(request);
  if (typeof json.model !== 'string' || !json.model) throw badRequest('model: Field required', 'model');
  const res = await handleCountTokens(ctx, { protocol: 'anthropic', request, bodyText: text, body: json, model: json.model, prefix });
  log({ status: res.status, model: json.model });
  return res;
}
