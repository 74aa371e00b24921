import { ProxyError } from '../../core/errors.ts';
import { compactionResponse, summaryRequest } from '../../protocols/responses/compact.ts';
import type { AppContext } from '../../proxy/context.ts';
import { generateBody, serveGenerate } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * POST /v1/responses/compact: Codex's remote compaction, served by asking the routed model for a
 * summary (src/protocols/responses/compact.ts). Routing, pools, failover and errors are a generate
 * request's; only the answer is reshaped.
 */
export async function responsesCompact(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const body = await generateBody(ctx, args, 'responses');
  const json = summaryRequest(body.json);
  const res = await serveGenerate(ctx, args, 'responses', { raw: JSON.stringify(json), json, model: body.model }, false);
  if (!res.ok) return res;
  const compacted = compactionResponse(body.json, await res.json());
  if (!compacted) {
    throw new ProxyError({ kind: 'api_error', status: 502, message: 'the upstream model wrote no summary to compact the conversation into' });
  }
  return Response.json(compacted);
}
