import type { AppContext } from '../../proxy/context.ts';
import { generateBody, serveGenerate } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const body = await generateBody(ctx, args, 'openai');
  return serveGenerate(ctx, args, 'openai', body, body.json.stream === true);
}
