import { contextOverflowOf } from '../../core/context-overflow.ts';
import { ProxyError } from '../../core/errors.ts';
import { compactionResponse, summaryRequest, triggeredResponse, trimmedHistory } from '../../protocols/responses/compact.ts';
import type { ProviderAdapter } from '../../providers/types.ts';
import type { AppContext } from '../../proxy/context.ts';
import { resolveProvider } from '../../proxy/generate.ts';
import { codecs } from '../../protocols/index.ts';
import { generateBody, serveGenerate, type GenerateBody } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * Codex's remote compaction. An upstream with OpenAI's own (openaiResponses-custom) gets the request as
 * it came; any other is asked for a summary (src/protocols/responses/compact.ts). Routing, pools,
 * failover and errors are a generate request's; only the answer is reshaped.
 */

/** Responses upstreams found without OpenAI's compaction (servers that copy the API rarely have it). */
const lacksCompaction = new WeakSet<ProviderAdapter>();

/**
 * Whether an error says the upstream has no compaction: a route-level 404/405 from `/responses/compact`
 * (one without an OpenAI error code: `model_not_found` is about the model), or a refusal of the trigger
 * item itself. An error of any other kind is the client's answer.
 */
async function lacksIt(res: Response, trigger: boolean): Promise<boolean> {
  if (trigger ? res.status < 400 || res.status >= 500 : res.status !== 404 && res.status !== 405) return false;
  const text = await res.clone().text();
  const { code } = codecs.responses.decodeError(res.status, text, res.headers);
  if (trigger) return text.includes('compaction_trigger') && (code === 'invalid_value' || code === undefined);
  return code === undefined;
}

/** The upstream the request routes to, when it may have OpenAI's own compaction. */
function nativeCompactor(ctx: AppContext, args: RouteArgs, body: GenerateBody): ProviderAdapter | undefined {
  const { adapter } = resolveProvider(ctx, { request: args.request, prefix: args.prefix, model: body.model });
  return adapter.compact && !lacksCompaction.has(adapter) ? adapter : undefined;
}

/**
 * The request relayed to OpenAI's own compaction (`/responses/compact`, or the trigger in `/responses`),
 * or undefined when the upstream turned out not to have it: a 404/405 from the endpoint, or a 4xx that
 * names the trigger item. That is remembered, and the caller summarises instead; the log line is then
 * the summary's alone.
 */
async function relayCompaction(ctx: AppContext, args: RouteArgs, body: GenerateBody, adapter: ProviderAdapter, trigger: boolean): Promise<Response | undefined> {
  const line = heldLog(args.log);
  const res = trigger
    ? await serveGenerate(ctx, { ...args, log: line.log }, 'responses', body, body.json.stream === true)
    : await serveGenerate(ctx, { ...args, log: line.log }, 'responses', body, false, undefined, { compact: true });
  if (!(await lacksIt(res, trigger))) {
    line.release();
    return res;
  }
  line.drop();
  lacksCompaction.add(adapter);
  await res.body?.cancel();
  return undefined;
}

/**
 * A request log line held back until the caller knows whether the attempt is the request's answer:
 * released, it is written (then, or when the attempt ends, for a stream); dropped, it never is.
 */
function heldLog(write: RouteArgs['log']): { log: RouteArgs['log']; release(): void; drop(): void } {
  let held: Parameters<RouteArgs['log']>[0] | undefined;
  let forward: RouteArgs['log'] | undefined;
  return {
    log: (f) => (forward ? forward(f) : (held ??= f)),
    release() {
      forward = write;
      if (held) write(held);
    },
    drop() {
      forward = () => {};
    },
  };
}

const noSummary = (): ProxyError =>
  new ProxyError({ kind: 'api_error', status: 502, message: 'the upstream model wrote no summary to compact the conversation into' });

/**
 * The summarising request's Response object, or the error response to relay. A history too long for
 * the routed model is summarised again from its newest part, sized by what the overflow error said;
 * the request's log line is then the second attempt's.
 */
async function summarise(ctx: AppContext, args: RouteArgs, body: GenerateBody): Promise<unknown | Response> {
  const ask = (source: Record<string, unknown>, log: RouteArgs['log']): Promise<Response> => {
    const json = summaryRequest(source);
    return serveGenerate(ctx, { ...args, log }, 'responses', { raw: JSON.stringify(json), json, model: body.model }, false);
  };
  const line = heldLog(args.log);
  const first = await ask(body.json, line.log);
  const overflow = first.status === 400 ? contextOverflowOf(codecs.responses.decodeError(400, await first.clone().text(), first.headers).message) : undefined;
  if (!overflow) {
    line.release();
    return first.ok ? await first.json() : first;
  }
  line.drop();
  // Aim below the limit: sizes by character are only a proxy for tokens.
  const second = await ask(trimmedHistory(body.json, (0.7 * overflow.max) / overflow.input), args.log);
  return second.ok ? await second.json() : second;
}

/** POST /v1/responses/compact. */
export async function responsesCompact(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const body = await generateBody(ctx, args, 'responses');
  const native = nativeCompactor(ctx, args, body);
  const relayed = native && (await relayCompaction(ctx, args, body, native, false));
  if (relayed) return relayed;
  const answer = await summarise(ctx, args, body);
  if (answer instanceof Response) return answer;
  const compacted = compactionResponse(body.json, answer);
  if (!compacted) throw noSummary();
  return Response.json(compacted);
}

/** A /v1/responses request whose input ends with a compaction_trigger item. */
export async function compactOnTrigger(ctx: AppContext, args: RouteArgs, body: GenerateBody): Promise<Response> {
  const native = nativeCompactor(ctx, args, body);
  const relayed = native && (await relayCompaction(ctx, args, body, native, true));
  if (relayed) return relayed;
  const answer = await summarise(ctx, args, body);
  if (answer instanceof Response) return answer;
  const stream = body.json.stream === true;
  const text = triggeredResponse(answer, stream);
  if (text === undefined) throw noSummary();
  return new Response(text, { headers: { 'content-type': stream ? 'text/event-stream; charset=utf-8' : 'application/json' } });
}
