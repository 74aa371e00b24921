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
  /** Encrypted reasoning blobs this mock handed out (a replayed one must be among them). */
  readonly issued: ReadonlySet<string>;
}

const requestHeaders = (): Record<string, string> => ({ 'x-request-id': `req_${randomId(32)}` });
const errorResult = (e: OpenAIErrorInfo): MockResult => ({
  response: jsonResponse(e.status, openaiErrorBody(e), requestHeaders()),
});

export function createResponsesRoute(): ResponsesRoute {
  const issued = new Set<string>();
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
      return { response: jsonResponse(200, renderResponse(body, reply, issue), requestHeaders()), headerDelayMs: reply.headerDelayMs };
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
  return { handle, countInputTokens, compact, issued };
}
