import { badRequest, ProxyError } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { handleCountTokens } from '../../proxy/count-tokens.ts';
import { handleGenerate } from '../../proxy/generate.ts';
import { readJsonBody } from '../body.ts';
import type { RouteArgs } from './types.ts';

/** A model id as it may appear in a path segment; anything else (slashes, dots-only, control bytes) is refused. */
const MODEL_ID = /^(?!\.+$)[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** POST /v1beta/models/{model}:{generateContent|streamGenerateContent|countTokens} */
export async function modelAction(ctx: AppContext, { request, prefix, params, log }: RouteArgs): Promise<Response> {
  const segment = decodeURIComponent(params.modelAction ?? '');
  const colon = segment.lastIndexOf(':');
  const model = colon > 0 ? segment.slice(0, colon) : segment;
  const action = colon > 0 ? segment.slice(colon + 1) : '';
  if (!MODEL_ID.test(model)) throw badRequest(`invalid model name in path: ${JSON.stringify(model.slice(0, 80))}`);
  if (action !== 'generateContent' && action !== 'streamGenerateContent' && action !== 'countTokens') {
    throw new ProxyError({ kind: 'not_found', message: `unknown method "${action}" for models/${model}; expected generateContent, streamGenerateContent or countTokens` });
  }
  const { text, json } = await readJsonBody(request);
  if (action === 'countTokens') {
    const res = await handleCountTokens(ctx, { protocol: 'gemini', request, bodyText: text, body: json, model, prefix });
    log({ status: res.status, model });
    return res;
  }
  const stream = action === 'streamGenerateContent';
  const alt = new URL(request.url).searchParams.get('alt');
  return handleGenerate(ctx, {
    protocol: 'gemini',
    request,
    bodyText: text,
    body: json,
    model,
    stream,
    geminiFormat: stream ? (alt === 'sse' ? 'sse' : 'json-array') : undefined,
    prefix,
    onDone: (f) => log({ ...f, model }),
  });
}
