import { badRequest } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { handleCountTokens, type CountInput } from '../../proxy/count-tokens.ts';
import { codecs } from '../../protocols/index.ts';
import { wrappedCountRequest } from '../../protocols/gemini/index.ts';
import { resolveProvider } from '../../proxy/generate.ts';
import type { JsonObject } from '../../util/json.ts';
import { readJsonBody } from '../body.ts';
import { checkModelName } from '../check-request.ts';
import { applySystemPrompt, systemPromptFor } from '../system-prompt.ts';
import { allowFor } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * Serves a count-tokens request the same way for each protocol: body read within the limits, the model
 * (from a Gemini URL, or the body) allowed for the caller's key, one log line. `pathModel` is the
 * model from a Gemini URL.
 */
export async function serveCountTokens(ctx: AppContext, args: RouteArgs, protocol: CountInput['protocol'], pathModel?: string): Promise<Response> {
  const { text, json } = await readJsonBody(args.request, ctx.config.limits);
  args.bodyRead?.();
  const model = pathModel ?? json.model;
  if (typeof model !== 'string' || !model) throw badRequest('model: Field required', 'model');
  checkModelName(model);
  allowFor(ctx, args, model);
  // Counted as it will be sent: with the operator's system prompt.
  const withPrompt = withSystemPrompt(ctx, protocol, json);
  const body = withPrompt ?? json;
  const bodyText = withPrompt ? JSON.stringify(withPrompt) : text;
  const res = await handleCountTokens(ctx, { protocol, request: args.request, bodyText, body, model, prefix: args.prefix, allowedProviders: args.caller?.allowedProviders });
  // A refused count is logged with its reason, as a refused generate is. Error bodies are small and already
  // read (the upstream call buffers them), so a copy costs little; they are in the client's protocol.
  const error = res.ok ? undefined : codecs[protocol].decodeError(res.status, await res.clone().text(), res.headers).message;
  args.log({ status: res.status, error, model, provider: resolveProvider(ctx, { request: args.request, prefix: args.prefix, model }).name });
  return res;
}

/** The body with the operator's system prompt, or undefined when there is none or no place for it. */
function withSystemPrompt(ctx: AppContext, protocol: CountInput['protocol'], json: JsonObject): JsonObject | undefined {
  const sp = systemPromptFor(ctx.config);
  if (!sp) return undefined;
  if (protocol !== 'gemini') return applySystemPrompt(protocol, json, sp);
  // Gemini's countTokens takes a system instruction only inside generateContentRequest.
  const inner = wrappedCountRequest(json);
  if (!inner) return undefined;
  const { generate_content_request: _, ...rest } = json;
  return { ...rest, generateContentRequest: applySystemPrompt('gemini', inner, sp) };
}

