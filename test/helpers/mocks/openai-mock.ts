/**
 * Strict in-process stand-in for api.openai.com (Chat Completions, Responses, embeddings, models).
 * `url` is `http://127.0.0.1:<port>/v1`: the proxy appends `/chat/completions`, `/responses`
 * (and `/responses/input_tokens`, `/responses/compact`), `/embeddings` and `/models`.
 * Requests the real API would reject get its status and `{"error":{message,type,param,code}}` body.
 */
import { randomId } from '../../../src/core/ids.ts';
import {
  jsonResponse,
  replyErrorResponse,
  SSE_HEADERS,
  sseBody,
  startMockShell,
  type MockRequest,
  type MockResult,
} from './mock-util.ts';
import { renderEmbeddings, validateEmbeddingsRequest } from './openai-mock-embeddings.ts';
import { OPENAI_STREAM_ERROR, renderCompletion, renderStreamFrames } from './openai-mock-render.ts';
import { createResponsesRoute, type ResponsesRoute } from './openai-mock-responses.ts';
import { openaiErrorBody, unparsableBody, validateChatRequest, type OpenAIErrorInfo } from './openai-mock-validate.ts';
import type { MockServer } from './types.ts';

export interface OpenAIMockOptions {
  key?: string;
  /** Model ids GET /v1/models lists (and GET /v1/models/{id} knows). */
  models?: string[];
}

const DEFAULT_MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3-mini'];
/** Fixed so listings are stable across runs. */
const MODEL_CREATED = 1_715_367_049;

/** `sk-abc12***…***wxyz`: OpenAI echoes a wrong key with all but its first 8 and last 4 characters starred. */
export function maskOpenAIKey(key: string): string {
  if (key.length <= 12) return key;
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

export { openaiErrorBody } from './openai-mock-validate.ts';
export { encryptedReasoningBlob, lastInputTexts } from './openai-mock-responses-render.ts';
export {
  float32Base64,
  OPENAI_MOCK_EMBEDDING_DIMS,
  openaiMockEmbedding,
  openaiMockEmbeddingTokens,
} from './openai-mock-embeddings.ts';

export function startOpenAIMock(opts: OpenAIMockOptions = {}): Promise<MockServer> {
  const key = opts.key ?? `sk-mock-openai-${randomId(32)}`;
  const models = opts.models ?? DEFAULT_MODELS;
  const responses = createResponsesRoute();
  return startMockShell({
    key,
    baseUrl: (port) => `http://127.0.0.1:${port}/v1`,
    handle: (r) => handle(r, key, models, responses),
  });
}

function errorResult(e: OpenAIErrorInfo): MockResult {
  return { response: jsonResponse(e.status, e.body ?? openaiErrorBody(e), requestHeaders()) };
}

const requestHeaders = (): Record<string, string> => ({ 'x-request-id': `req_${randomId(32)}` });

function authError(header: string | undefined, key: string): OpenAIErrorInfo | undefined {
  const m = header === undefined ? null : /^Bearer\s+(.*)$/i.exec(header.trim());
  if (!m || m[1] === '') {
    return {
      status: 401,
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      type: 'invalid_request_error',
      param: null,
      code: null,
    };
  }
  if (m[1] === key) return undefined;
  return {
    status: 401,
    message: `Incorrect API key provided: ${maskOpenAIKey(m[1]!)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  };
}

function handle(r: MockRequest, key: string, models: string[], responses: ResponsesRoute): MockResult {
  const auth = authError(r.headers.authorization, key);
  if (auth) return errorResult(auth);

  const path = r.url.pathname;
  if (r.req.method === 'POST' && path === '/v1/chat/completions') return chat(r);
  if (r.req.method === 'POST' && path === '/v1/responses') return responses.handle(r);
  if (r.req.method === 'POST' && path === '/v1/responses/input_tokens') return responses.countInputTokens(r);
  if (r.req.method === 'POST' && path === '/v1/responses/compact') return responses.compact(r);
  const stored = path.startsWith('/v1/responses/') ? responses.stored(r) : undefined;
  if (stored) return stored;
  if (r.req.method === 'POST' && path === '/v1/embeddings') return embeddings(r);
  if (r.req.method === 'GET' && path === '/v1/models') {
    return {
      response: jsonResponse(200, { object: 'list', data: models.map(modelObject) }, requestHeaders()),
    };
  }
  if (r.req.method === 'GET' && path.startsWith('/v1/models/')) {
    const id = decodeURIComponent(path.slice('/v1/models/'.length));
    if (models.includes(id)) return { response: jsonResponse(200, modelObject(id), requestHeaders()) };
    return errorResult({
      status: 404,
      message: `The model \`${id}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    });
  }
  return errorResult({
    status: 404,
    message: `Invalid URL (${r.req.method} ${path})`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}

const modelObject = (id: string): Record<string, unknown> => ({
  id,
  object: 'model',
  created: MODEL_CREATED,
  owned_by: 'openai',
});

/** `POST /v1/embeddings`; a queued reply's `error`, `headerDelayMs` and `usage.input` apply. */
function embeddings(r: MockRequest): MockResult {
  if (r.body === undefined) return errorResult(unparsableBody());
  const invalid = validateEmbeddingsRequest(r.body);
  if (invalid) return errorResult(invalid);
  const reply = r.takeReply() ?? {};
  if (reply.error) return { response: replyErrorResponse(reply.error, requestHeaders()), headerDelayMs: reply.headerDelayMs };
  const body = renderEmbeddings(r.body as Record<string, unknown>, reply.usage?.input);
  return { response: jsonResponse(200, body, requestHeaders()), headerDelayMs: reply.headerDelayMs };
}

function chat(r: MockRequest): MockResult {
  if (r.body === undefined) return errorResult(unparsableBody());
  const invalid = validateChatRequest(r.body);
  if (invalid) return errorResult(invalid);
  const body = r.body as Record<string, unknown>;

  const reply = r.takeReply() ?? {};
  if (reply.error) return { response: replyErrorResponse(reply.error, requestHeaders()), headerDelayMs: reply.headerDelayMs };

  if (body.stream !== true) {
    return { response: jsonResponse(200, renderCompletion(body, reply), requestHeaders()), headerDelayMs: reply.headerDelayMs };
  }
  const stream = sseBody(renderStreamFrames(body, reply), {
    reply,
    errorFrame: OPENAI_STREAM_ERROR,
    call: r.call,
    settle: r.settle,
  });
  return {
    response: new Response(stream, { status: 200, headers: { ...SSE_HEADERS, ...requestHeaders() } }),
    headerDelayMs: reply.headerDelayMs,
    streaming: true,
  };
}

