import { ProxyError } from '../../core/errors.ts';
import { compactionResponse, summaryRequest, triggeredResponse } from '../../protocols/responses/compact.ts';
import type { AppContext } from '../../proxy/context.ts';
import { generateBody, serveGenerate, type GenerateBody } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * Codex's remote compaction, served by asking the routed model for a summary
 * (src/protocols/responses/compact.ts). Routing, pools, failover and errors are a generate request's;
 * only the answer is reshaped.
 */

const noSummary = (): ProxyError =>
  new ProxyError({ kind: 'api_error', status: 502, message: 'the upstream model wrote no summary to compact the conversation into' });

/** The summarising request's Response object, or the error response to relay. */
async function summarise(ctx: AppContext, args: RouteArgs, body: GenerateBody): Promise<unknown | Response> {
  const json = summaryRequest(body.json);
  const res = await serveGenerate(ctx, args, 'responses', { raw: JSON.stringify(json), json, model: body.model }, false);
  return res.ok ? await res.json() : res;
}

/** POST /v1/responses/compact. */
export async function responsesCompact(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const body = await generateBody(ctx, args, 'responses');
  const answer = await summarise(ctx, args, body);
  if (answer instanceof Response) return answer;
  const compacted = compactionResponse(body.json, answer);
  if (!compacted) throw noSummary();
  return Response.json(compacted);
}

/** A /v1/responses request whose input ends with a compaction_trigger item. */
export async function compactOnTrigger(ctx: AppContext, args: RouteArgs, body: GenerateBody): Promise<Response> {
  const answer = await summarise(ctx, args, body);
  if (answer instanceof Response) return answer;
  const stream = body.json.stream === true;
  const text = triggeredResponse(answer, stream);
  if (text === undefined) throw noSummary();
  return new Response(text, { headers: { 'content-type': stream ? 'text/event-stream; charset=utf-8' : 'application/json' } });
}
