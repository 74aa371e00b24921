/**
 * Google API error bodies as the Gemini API (generativelanguage.googleapis.com) sends them:
 * `{"error":{"code","message","status","details"?}}` (protocols.md §3.5). Messages quoted here were
 * observed on the real API (issue threads cited in the mock's report); the rest follow the same style.
 */

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

/** A mock HTTP answer: status, JSON (or raw text) body and extra headers. */
export interface MockHttpError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const CANONICAL_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleError(code: number, message: string, details?: unknown[], status?: string): GoogleErrorBody {
  const error: GoogleErrorBody['error'] = { code, message, status: status ?? CANONICAL_STATUS[code] ?? 'UNKNOWN' };
  if (details && details.length > 0) error.details = details;
  return { error };
}

export const invalidArgument = (message: string, details?: unknown[]): MockHttpError => ({
  status: 400,
  body: googleError(400, message, details),
});

/** Proto-parse failures carry one BadRequest field violation per problem, and all of them in the message. */
export interface FieldViolation {
  /** Snake-case proto path (`generation_config.thinking_config`); absent for the request root. */
  field?: string;
  description: string;
}

export function badRequestViolations(violations: FieldViolation[]): MockHttpError {
  return invalidArgument(violations.map((v) => v.description).join('\n'), [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
  ]);
}

export const API_KEY_INVALID_MESSAGE = 'API key not valid. Please pass a valid API key.';

export function apiKeyInvalid(): MockHttpError {
  return invalidArgument(API_KEY_INVALID_MESSAGE, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: API_KEY_INVALID_MESSAGE },
  ]);
}

/** What Google answers when no API key (and no OAuth token) came with the request at all. */
export function unregisteredCaller(): MockHttpError {
  return {
    status: 403,
    body: googleError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ),
  };
}

/** A Bearer token that is not an OAuth access token (e.g. the API key sent the OpenAI way). */
export function invalidOAuthToken(): MockHttpError {
  return {
    status: 401,
    body: googleError(
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com', method: 'google.ai.generativelanguage.v1beta.GenerativeService' },
        },
      ],
    ),
  };
}

export function modelNotFound(model: string, method: string): MockHttpError {
  return {
    status: 404,
    body: googleError(
      404,
      `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
    ),
  };
}

/** Paths the API does not serve get Google's HTML 404 page, not a JSON error. */
export function htmlNotFound(path: string): MockHttpError {
  return {
    status: 404,
    body: `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${path}</code> was not found on this server.  <ins>That’s all we know.</ins>\n`,
    headers: { 'content-type': 'text/html; charset=UTF-8' },
  };
}

/**
 * A 429 the way the free tier answers it: QuotaFailure + RetryInfo, and no Retry-After header
 * (the delay lives only in the body). Queue it with `mock.queue({ error: geminiQuotaError('37s') })`.
 * A spent daily quota comes the same way, its quotaId naming the day (`…PerDayPerProjectPerModel-FreeTier`)
 * and its RetryInfo still some 30 s (diegosouzapw/OmniRoute#9504).
 */
export function geminiQuotaError(retryDelay = '37s', model = 'gemini-2.5-flash', quotaId = 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier'): MockHttpError {
  return {
    status: 429,
    body: googleError(
      429,
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
      [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
              quotaId,
              quotaDimensions: { location: 'global', model },
              quotaValue: '10',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
      ],
    ),
  };
}

/** The in-band error a stream ends with when the model fails after output started. */
export const MID_STREAM_ERROR: GoogleErrorBody = googleError(503, 'The model is overloaded. Please try again later.');
