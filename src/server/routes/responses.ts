import { isCompactionTrigger } from '../../protocols/responses/compact.ts';
import type { AppContext } from '../../proxy/context.ts';
import { generateBody, serveGenerate } from './generate-body.ts';
import { compactOnTrigger } from './responses-compact.ts';
import { serveCountTokens } from './count-tokens.ts';
import type { RouteArgs } from './types.ts';

/** POST /v1/responses: OpenAI's Responses API (Codex CLI): relayed to a Responses upstream, converted for any other. */
export async function responses(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const body = await generateBody(ctx, args, 'responses');
  if (isCompactionTrigger(body.json)) return compactOnTrigger(ctx, args, body);
  return serveGenerate(ctx, args, 'responses', body, body.json.stream === true);
}

/** POST /v1/responses/input_tokens: what a Responses request's input costs, counted by the routed upstream. */
export function responsesInputTokens(ctx: AppContext, args: RouteArgs): Promise<Response> {
  return serveCountTokens(ctx, args, 'responses');
}
