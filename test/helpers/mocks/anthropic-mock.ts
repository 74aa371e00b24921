/**
 * Strict in-process stand-in for api.anthropic.com (Messages, count_tokens, models).
 * `url` is `http://127.0.0.1:<port>`: the proxy appends `/v1/messages`.
 * Requests the real API would reject get its status and
 * `{"type":"error","error":{type,message},"request_id":…}` body.
 */
import { randomId } from '../../../src/core/ids.ts';
import { isRecord } from '../../../src/util/json.ts';
import {
  anthropicErrorBody,
  anthropicRequestId,
  extraInput,
  surrogateError,
  unparsableBody,
  type AnthropicErrorInfo,
} from './anthropic-mock-errors.ts';
import { ANTHROPIC_STREAM_ERROR, promptChars, renderMessage, renderStreamFrames } from './anthropic-mock-render.ts';
import { validateMessagesRequest } from './anthropic-mock-validate.ts';
import {
  jsonResponse,
  randomBase64,
  replyErrorResponse,
  roughTokens,
  SSE_HEADERS,
  sseBody,
  startMockShell,
  type MockRequest,
  type MockResult,
} from './mock-util.ts';
import type { MockReply, MockServer } from './types.ts';

export { anthropicErrorBody } from './anthropic-mock-errors.ts';

export interface AnthropicMockOptions {
  key?: string;
  /** Models GET /v1/models lists, newest first as the API orders them. */
  models?: Array<{ id: string; displayName: string; createdAt: string }>;
  /**
   * An Anthropic-compatible server without `/v1/messages/count_tokens` (many serve /v1/messages only):
   * the answer it gives that path instead, asked per request.
   */
  noCounter?: () => NonNullable<MockReply['error']> | undefined;
  /**
   * An Anthropic-compatible server that reads the key from `Authorization: Bearer` only, as MiniMax's
   * /anthropic does (NousResearch/hermes-agent#4002): x-api-key alone is its 401.
   */
  bearerOnly?: boolean;
  /**
   * A gateway in front of the API that does not pass `anthropic-beta` on (LiteLLM to Bedrock, Vertex
   * behind Envoy: anthropics/claude-code#49548, #21612): the API then refuses beta fields, as
   * "context_management: Extra inputs are not permitted".
   */
  betasDropped?: boolean;
  /**
   * An Anthropic-compatible server that knows only these thinking types, as omlx knew enabled and disabled
   * (jundot/omlx#56): another one is its pydantic 422, "Input should be 'enabled' or 'disabled'".
   */
  thinkingTypes?: readonly string[];
  /**
   * A gateway whose Claude takes only these `output_config` keys, as Bedrock takes `effort` alone
   * (BerriAI/litellm#28312): another is "output_config.format: Extra inputs are not permitted".
   */
  outputConfigKeys?: readonly string[];
  /**
   * A gateway whose Claude takes no `output_config` at all, as Vertex's Haiku 4.5 (anthropics/claude-code#52312,
   * BerriAI/litellm#21407): "output_config: Extra inputs are not permitted".
   */
  noOutputConfig?: boolean;
  /**
   * A gateway whose Claude has no automatic caching (Bedrock, Vertex): a top-level `cache_control` is
   * "cache_control: Extra inputs are not permitted" (UKGovernmentBEIS/inspect_ai#3851).
   */
  noAutomaticCaching?: boolean;
}

const DEFAULT_MODELS: NonNullable<AnthropicMockOptions['models']> = [
  { id: 'claude-sonnet-4-5-20250929', displayName: 'Claude Sonnet 4.5', createdAt: '2025-09-29T00:00:00Z' },
  { id: 'claude-opus-4-1-20250805', displayName: 'Claude Opus 4.1', createdAt: '2025-08-05T00:00:00Z' },
  { id: 'claude-3-5-haiku-20241022', displayName: 'Claude Haiku 3.5', createdAt: '2024-10-22T00:00:00Z' },
];

interface State {
  key: string;
  models: NonNullable<AnthropicMockOptions['models']>;
  /** Every signature this mock issued → the thinking text it signs. Kept across reset(): real ones never expire. */
  signatures: Map<string, string>;
  noCounter?: AnthropicMockOptions['noCounter'];
  bearerOnly?: boolean;
  betasDropped?: boolean;
  thinkingTypes?: readonly string[];
  outputConfigKeys?: readonly string[];
  noOutputConfig?: boolean;
  noAutomaticCaching?: boolean;
}

export function startAnthropicMock(opts: AnthropicMockOptions = {}): Promise<MockServer> {
  const state: State = {
    key: opts.key ?? `sk-ant-mock-${randomId(32)}`,
    models: opts.models ?? DEFAULT_MODELS,
    signatures: new Map(),
    noCounter: opts.noCounter,
    bearerOnly: opts.bearerOnly,
    betasDropped: opts.betasDropped,
    thinkingTypes: opts.thinkingTypes,
    outputConfigKeys: opts.outputConfigKeys,
    noOutputConfig: opts.noOutputConfig,
    noAutomaticCaching: opts.noAutomaticCaching,
  };
  return startMockShell({
    key: state.key,
    baseUrl: (port) => `http://127.0.0.1:${port}`,
    handle: (r) => handle(r, state),
  });
}

function headers(requestId: string): Record<string, string> {
  return { 'request-id': requestId };
}

function errorResult(e: AnthropicErrorInfo): MockResult {
  const id = anthropicRequestId();
  return { response: jsonResponse(e.status, anthropicErrorBody(e.type, e.message, id), headers(id)) };
}

function authError(h: Record<string, string>, key: string, bearerOnly?: boolean): AnthropicErrorInfo | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(h.authorization?.trim() ?? '')?.[1];
  if (bearerOnly && bearer === undefined) {
    return { status: 401, type: 'authentication_error', message: "login fail: Please carry the API secret key in the 'Authorization' field of the request header" };
  }
  const given = bearerOnly ? bearer : (h['x-api-key'] ?? bearer);
  if (given === undefined || given === '') {
    return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
  }
  return given === key ? undefined : { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
}

function handle(r: MockRequest, state: State): MockResult {
  const auth = authError(r.headers, state.key, state.bearerOnly);
  if (auth) return errorResult(auth);
  if (!r.headers['anthropic-version']) {
    return errorResult({ status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' });
  }

  const path = r.url.pathname;
  const method = r.req.method;
  if (method === 'POST' && path === '/v1/messages') return messages(r, state, false);
  if (method === 'POST' && path === '/v1/messages/count_tokens') {
    const missing = state.noCounter?.();
    if (missing) return { response: replyErrorResponse(missing, {}) };
    return messages(r, state, true);
  }
  if (method === 'GET' && path === '/v1/models') return listModels(r, state);
  if (method === 'GET' && path.startsWith('/v1/models/')) {
    const id = decodeURIComponent(path.slice('/v1/models/'.length));
    // "Model identifier or alias": claude-sonnet-4-5, claude-3-5-haiku-latest and claude-sonnet-4-0 answer as their newest dated id.
    const base = `${id.replace(/-latest$|(?<=-\d)-0$/, '')}-`;
    const dated = state.models.filter((m) => m.id.startsWith(base) && /^\d{8}$/.test(m.id.slice(base.length))).sort((a, b) => (a.id < b.id ? 1 : -1));
    const model = state.models.find((m) => m.id === id) ?? dated[0];
    if (model) return ok(modelObject(model));
    return errorResult({ status: 404, type: 'not_found_error', message: `model: ${id}` });
  }
  return errorResult({ status: 404, type: 'not_found_error', message: 'Not Found' });
}

function ok(body: unknown): MockResult {
  const id = anthropicRequestId();
  return { response: jsonResponse(200, body, headers(id)) };
}

const modelObject = (m: State['models'][number]): Record<string, unknown> => ({
  type: 'model',
  id: m.id,
  display_name: m.displayName,
  created_at: m.createdAt,
});

/** Cursor pagination as the API does it: `limit` (default 20), `after_id`, `before_id`. */
function listModels(r: MockRequest, state: State): MockResult {
  const q = r.url.searchParams;
  const limit = Math.min(Math.max(Number(q.get('limit') ?? 20) || 20, 1), 1000);
  let start = 0;
  let end = state.models.length;
  const after = q.get('after_id');
  const before = q.get('before_id');
  if (after !== null) start = state.models.findIndex((m) => m.id === after) + 1;
  if (before !== null) end = Math.max(0, state.models.findIndex((m) => m.id === before));
  const page = before !== null ? state.models.slice(Math.max(start, end - limit), end) : state.models.slice(start, start + limit);
  const hasMore = before !== null ? end - limit > start : start + limit < end;
  return ok({
    data: page.map(modelObject),
    has_more: hasMore,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
  });
}

function messages(r: MockRequest, state: State, countTokens: boolean): MockResult {
  if (r.body === undefined) return errorResult(unparsableBody(r.text));
  const thinking = (r.body as { thinking?: { type?: unknown } } | null)?.thinking?.type;
  if (state.thinkingTypes && thinking !== undefined && !state.thinkingTypes.includes(String(thinking))) {
    const expected = state.thinkingTypes.map((t) => `'${t}'`).join(' or ');
    const detail = [{ type: 'literal_error', loc: ['body', 'thinking', 'type'], msg: `Input should be ${expected}`, input: thinking, ctx: { expected } }];
    return { response: jsonResponse(422, { detail }, headers(anthropicRequestId())) };
  }
  const outputConfig = (r.body as { output_config?: unknown } | null)?.output_config;
  if (state.noOutputConfig && outputConfig !== undefined) return errorResult(extraInput('output_config'));
  if (state.outputConfigKeys && isRecord(outputConfig)) {
    const extra = Object.keys(outputConfig).find((k) => !state.outputConfigKeys!.includes(k));
    if (extra !== undefined) return errorResult(extraInput(`output_config.${extra}`));
  }
  if (state.noAutomaticCaching && isRecord(r.body) && 'cache_control' in r.body) return errorResult(extraInput('cache_control'));
  const bad =
    surrogateError(r.text) ??
    validateMessagesRequest(r.body, {
      signatures: state.signatures,
      betas: state.betasDropped ? [] : (r.headers['anthropic-beta'] ?? '').split(',').map((b) => b.trim()).filter(Boolean),
      countTokens,
    });
  if (bad) return errorResult(bad);
  const body = r.body as Record<string, unknown>;
  if (countTokens) return ok({ input_tokens: Math.max(1, roughTokens(promptChars(body))) });

  const reply = r.takeReply() ?? {};
  const id = anthropicRequestId();
  if (reply.error) return { response: replyErrorResponse(reply.error, headers(id)), headerDelayMs: reply.headerDelayMs };

  const sign = (thinking: string): string => {
    const signature = randomBase64(48);
    state.signatures.set(signature, thinking);
    return signature;
  };
  if (body.stream !== true) {
    return { response: jsonResponse(200, renderMessage(body, reply, sign), headers(id)), headerDelayMs: reply.headerDelayMs };
  }
  const stream = sseBody(renderStreamFrames(body, reply, sign), {
    reply,
    errorFrame: ANTHROPIC_STREAM_ERROR,
    call: r.call,
    settle: r.settle,
  });
  return {
    response: new Response(stream, { status: 200, headers: { ...SSE_HEADERS, ...headers(id) } }),
    headerDelayMs: reply.headerDelayMs,
    streaming: true,
  };
}

