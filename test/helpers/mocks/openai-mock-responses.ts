/**
 * `POST /v1/responses` of the OpenAI mock: OpenAI's Responses API, validated the way the real API
 * validates it and answered from the queued MockReply, as a Response object or a typed SSE stream.
 * One route per mock instance: it remembers the encrypted reasoning blobs it issued, so a client
 * that replays them (store: false round trips) is accepted and a made-up blob is refused.
 */
import { randomId } from '../../../src/core/ids.ts';
import {
  jsonResponse,
  replyErrorResponse,
  roughTokens,
  SSE_HEADERS,
  sseBody,
  type MockRequest,
  type MockResult,
} from './mock-util.ts';
import { promptChars, renderCompaction, renderResponse, renderResponsesStream } from './openai-mock-responses-render.ts';
import { validateCompactRequest, validateInputTokensRequest, validateResponsesRequest } from './openai-mock-responses-validate.ts';
import { openaiErrorBody, type OpenAIErrorInfo } from './openai-mock-validate.ts';

export interface ResponsesRoute {
  /** `POST /v1/responses`. */
  handle(r: MockRequest): MockResult;
  /** `POST /v1/responses/input_tokens`; a queued reply's `error`, `headerDelayMs` and `usage.input` apply. */
  countInputTokens(r: MockRequest): MockResult;
  /** `POST /v1/responses/compact`: the user's messages and one compaction item; a queued reply's `error` applies. */
  compact(r: MockRequest): MockResult;
  /**
   * `GET|DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`: what a non-streaming
   * request with `store` not false left in this mock's store.
   */
  stored(r: MockRequest): MockResult | undefined;
  /** Encrypted reasoning blobs this mock handed out (a replayed one must be among them). */
  readonly issued: ReadonlySet<string>;
}

const requestHeaders = (): Record<string, string> => ({ 'x-request-id': `req_${randomId(32)}` });
const errorResult = (e: OpenAIErrorInfo): MockResult => ({
  response: jsonResponse(e.status, openaiErrorBody(e), requestHeaders()),
});

export function createResponsesRoute(): ResponsesRoute {
  const issued = new Set<string>();
  /** Responses created with `store` not false (the API's default), with the input they answered. */
  const store = new Map<string, { response: Record<string, unknown>; input: unknown }>();
  const issue = (blob: string): void => {
    issued.add(blob);
  };

  const handle = (r: MockRequest): MockResult => {
    const invalid = validateResponsesRequest(r.body, issued);
    if (invalid) return errorResult(invalid);
    const body = r.body as Record<string, unknown>;

    const reply = r.takeReply() ?? {};
    if (reply.error) return { response: replyErrorResponse(reply.error, requestHeaders()), headerDelayMs: reply.headerDelayMs };

    if (body.stream !== true) {
      const response = renderResponse(body, reply, issue);
      if (body.store !== false) store.set(String(response.id), { response, input: body.input });
      return { response: jsonResponse(200, response, requestHeaders()), headerDelayMs: reply.headerDelayMs };
    }
    const { frames, errorFrame } = renderResponsesStream(body, reply, issue);
    const stream = sseBody(frames, { reply, errorFrame, call: r.call, settle: r.settle });
    return {
      response: new Response(stream, { status: 200, headers: { ...SSE_HEADERS, ...requestHeaders() } }),
      headerDelayMs: reply.headerDelayMs,
      streaming: true,
    };
  };
  const countInputTokens = (r: MockRequest): MockResult => {
    const invalid = validateInputTokensRequest(r.body, issued);
    if (invalid) return errorResult(invalid);
    const reply = r.takeReply() ?? {};
    if (reply.error) return { response: replyErrorResponse(reply.error, requestHeaders()), headerDelayMs: reply.headerDelayMs };
    const input_tokens = reply.usage?.input ?? Math.max(1, roughTokens(promptChars(r.body as Record<string, unknown>)));
    return {
      response: jsonResponse(200, { object: 'response.input_tokens', input_tokens }, requestHeaders()),
      headerDelayMs: reply.headerDelayMs,
    };
  };
  const compact = (r: MockRequest): MockResult => {
    const invalid = validateCompactRequest(r.body, issued);
    if (invalid) return errorResult(invalid);
    const reply = r.takeReply() ?? {};
    if (reply.error) return { response: replyErrorResponse(reply.error, requestHeaders()), headerDelayMs: reply.headerDelayMs };
    return { response: jsonResponse(200, renderCompaction(r.body as Record<string, unknown>, issue), requestHeaders()), headerDelayMs: reply.headerDelayMs };
  };
  const stored = (r: MockRequest): MockResult | undefined => {
    const m = /^\/v1\/responses\/(resp_[^/]+)(\/input_items)?$/.exec(r.url.pathname);
    if (!m || (r.req.method !== 'GET' && r.req.method !== 'DELETE') || (m[2] && r.req.method !== 'GET')) return undefined;
    const entry = store.get(m[1]!);
    if (!entry) return errorResult({ status: 404, message: `Response with id '${m[1]}' not found.`, type: 'invalid_request_error', param: null, code: null });
    if (r.req.method === 'DELETE') {
      store.delete(m[1]!);
      return { response: jsonResponse(200, { id: m[1], object: 'response', deleted: true }, requestHeaders()) };
    }
    if (!m[2]) return { response: jsonResponse(200, entry.response, requestHeaders()) };
    const items = (typeof entry.input === 'string' ? [{ role: 'user', content: entry.input }] : (entry.input as unknown[])).map((item, i) => ({ id: `msg_${i}`, ...(item as object) }));
    return { response: jsonResponse(200, { object: 'list', data: items, first_id: items[0]?.id ?? null, last_id: items.at(-1)?.id ?? null, has_more: false }, requestHeaders()) };
  };
  return { handle, countInputTokens, compact, stored, issued };
}
