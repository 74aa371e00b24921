import { badRequest } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { handleGenerate } from '../../proxy/generate.ts';
import { readJsonBody } from '../body.ts';
import type { RouteArgs } from './types.ts';

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: AppContext, { request, prefix, log }: RouteArgs): Promise<Response> {
  const { text, json } = await readJsonBody(request);
  if (typeof json.model !== 'string' || !json.model) throw badRequest('model: required string', 'model');
  return handleGenerate(ctx, {
    protocol: 'openai',
    request,
    bodyText: text,
    body: json,
    model: json.model,
    stream: json.stream === true,
    prefix,
    onDone: (f) => log({ ...f, model: json.model as string }),
  });
}
