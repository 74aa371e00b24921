import { badRequest, ProxyError } from '../../core/errors.ts';
import type { AppContext } from '../../proxy/context.ts';
import { requestTarget } from '../request-target.ts';
import { serveCountTokens } from './count-tokens.ts';
import { serveEmbeddings } from './embeddings.ts';
import { generateBody, serveGenerate } from './generate-body.ts';
import type { RouteArgs } from './types.ts';

/**
 * A model id as it may appear in a path segment; anything else (slashes, dots-only, control bytes) is refused.
 * `:` and `@` belong to ids of other upstreams that Gemini CLI users pass with `-m`: Ollama tags
 * (qwen3:8b), Bedrock ids (…-v2:0), Vertex Claude versions (…@20250929). The action is after the last `:`.
 */
const MODEL_ID = /^(?!\.+$)[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

const ACTIONS = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'];

/** POST /v1beta/models/{model}:{generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents} */
export async function modelAction(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const { request, params } = args;
  const segment = decodePathSegment(params.modelAction ?? '');
  const colon = segment.lastIndexOf(':');
  const model = colon > 0 ? segment.slice(0, colon) : segment;
  const action = colon > 0 ? segment.slice(colon + 1) : '';
  if (!MODEL_ID.test(model)) throw badRequest(`invalid model name in path: ${JSON.stringify(model.slice(0, 80))}`);
  if (!ACTIONS.includes(action)) {
    throw new ProxyError({ kind: 'not_found', message: `unknown method "${action}" for models/${model}; expected ${ACTIONS.slice(0, -1).join(', ')} or ${ACTIONS.at(-1)}` });
  }
  if (action === 'countTokens') return serveCountTokens(ctx, args, 'gemini', model);
  if (action === 'embedContent' || action === 'batchEmbedContents') return serveEmbeddings(ctx, args, 'gemini', model, action);
  const body = await generateBody(ctx, args, 'gemini', model);
  if (action !== 'streamGenerateContent') return serveGenerate(ctx, args, 'gemini', body, false);
  const alt = new URLSearchParams(requestTarget(request.url).query).get('alt');
  return serveGenerate(ctx, args, 'gemini', body, true, alt === 'sse' ? 'sse' : 'json-array');
}

/** A percent-encoded path segment; a malformed escape is the client's mistake, not a crash. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('the model in the path has a malformed percent-escape');
  }
}
