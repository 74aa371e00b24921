import { badRequest } from '../../core/errors.ts';
import type { Protocol } from '../../protocols/types.ts';
import type { RequestBody } from '../../providers/types.ts';
import type { AppContext } from '../../proxy/context.ts';
import { handleGenerate, resolveProvider, type GenerateInput } from '../../proxy/generate.ts';
import { readJsonBody } from '../body.ts';
import { currentRequest } from '../../util/request-context.ts';
import { checkGenerateRequest, checkModelName } from '../check-request.ts';
import { chatBodyFromResponses, isResponsesBody } from '../responses-on-chat.ts';
import { assertAllowed } from '../client-keys.ts';
import { lastUserText } from '../prompt-log.ts';
import { applySystemPrompt, systemPromptFor } from '../system-prompt.ts';
import type { RouteArgs } from './types.ts';

export interface GenerateBody {
  /** The body to forward: the client's bytes, or text re-serialised when the system prompt changed it. */
  raw: RequestBody;
  json: Record<string, unknown>;
  model: string;
}

/**
 * A generate request's body, ready for handleGenerate: read within the limits, checked for what any
 * upstream would refuse, allowed for the caller's key, and with the operator's system prompt in place.
 * `pathModel` is the model from a Gemini URL; other protocols carry it in the body.
 */
export async function generateBody(ctx: AppContext, args: RouteArgs, protocol: Protocol, pathModel?: string): Promise<GenerateBody> {
  const read = await readJsonBody(args.request, ctx.config.limits);
  args.bodyRead?.();
  let json = read.json;
  let bytes: RequestBody = read.bytes;
  const model = pathModel ?? json.model;
  if (typeof model !== 'string' || !model) throw badRequest(protocol === 'anthropic' ? 'model: Field required' : 'model: required string', 'model');
  checkModelName(model);
  if (protocol === 'openai' && isResponsesBody(json)) {
    json = chatBodyFromResponses(json, model);
    bytes = JSON.stringify(json);
  }
  checkGenerateRequest(protocol, json);
  allowFor(ctx, args, model);
  const scope = ctx.config.logPrompts === 'off' ? undefined : currentRequest();
  if (scope) scope.prompt = { text: lastUserText(protocol, json), model };
  const sp = systemPromptFor(ctx.config);
  if (!sp) return { raw: bytes, json, model };
  const withPrompt = applySystemPrompt(protocol, json, sp);
  return { raw: JSON.stringify(withPrompt), json: withPrompt, model };
}

/** Throws a 403 when the caller's key may not use the provider or model this request goes to. */
export function allowFor(ctx: AppContext, args: RouteArgs, model: string): void {
  const key = args.caller;
  if (!key?.allowedProviders && !key?.allowedModels) return;
  assertAllowed(key, resolveProvider(ctx, { request: args.request, prefix: args.prefix, model }).name, model);
}

/**
 * Serves a generate request whose body generateBody read: the same for every protocol but for how it
 * streams. The log line names the model the client asked for.
 */
export function serveGenerate(
  ctx: AppContext,
  args: RouteArgs,
  protocol: Protocol,
  body: GenerateBody,
  stream: boolean,
  geminiFormat?: 'sse' | 'json-array',
  extra: Pick<GenerateInput, 'compact'> = {},
): Promise<Response> {
  const { model } = body;
  return handleGenerate(ctx, {
    protocol,
    request: args.request,
    rawBody: body.raw,
    body: body.json,
    model,
    stream,
    geminiFormat,
    prefix: args.prefix,
    allowedProviders: args.caller?.allowedProviders,
    onDone: (f) => args.log({ ...f, model }),
    ...extra,
  });
}
