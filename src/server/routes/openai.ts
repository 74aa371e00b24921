import type { AppContext } from '../../proxy/context.ts';
import { handleGenerate } from '../../proxy/generate.ts';
import { generateBody } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const { text, json, model } = await generateBody(ctx, args, 'openai');
  return handleGenerate(ctx, {
    protocol: 'openai',
    request: args.request,
    bodyText: text,
    body: json,
    model,
    stream: json.stream === true,
    prefix: args.prefix,
    allowedProviders: args.caller?.allowedProviders,
    onDone: (f) => args.log({ ...f, model }),
  });
}
