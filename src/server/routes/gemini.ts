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

/**
 * The owner of an id that has one, a path segment of its own before it: vLLM and SGLang serve a
 * Hugging Face model under its repo id by default (Qwen/Qwen3-8B), LM Studio names its models so
 * (openai/gpt-oss-20b), and @google/genai puts the id in the path slash and all.
 */
const OWNER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const ACTIONS = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'];

/**
 * POST /v1beta/models/{model}:{generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents},
 * the model's owner, when its id has one, as a segment before it.
 */
export async function modelAction(ctx: AppContext, args: RouteArgs): Promise<Response> {
  const { request, params } = args;
  const first = decodePathSegment(params.modelAction ?? '');
  const owner = params.ownedAction === undefined ? undefined : first;
  const segment = params.ownedAction === undefined ? first : decodePathSegment(params.ownedAction);
  const colon = segment.lastIndexOf(':');
  const name = colon > 0 ? segment.slice(0, colon) : segment;
  const action = colon > 0 ? segment.slice(colon + 1) : '';
  const model = owner === undefined ? name : `${owner}/${name}`;
  // Each segment on its own: a slash encoded inside one (`a%2Fb`) is not an owner's.
  if (!MODEL_ID.test(name) || (owner !== undefined && !OWNER.test(owner))) {
    throw badRequest(`invalid model name in path: ${JSON.stringify(model.slice(0, 80))}`);
  }
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
