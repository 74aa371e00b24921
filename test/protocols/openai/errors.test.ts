import { describe, expect, setSystemTime, test } from 'bun:test';
import type { ErrorKind } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';

const headers = (h: Record<string, string> = {}) => new Headers(h);

describe('openai encodeError', () => {
  test('the error body has message, type, param and code', () => {
    expect(
      openaiCodec.encodeError({ status: 400, kind: 'invalid_request', message: 'messages.1.role: bad', param: 'messages.1.role' }),
    ).toEqual({ error: { message: 'messages.1.role: bad', type: 'invalid_request_error', param: 'messages.1.role', code: null } });
  });

  const expected: Array<[ErrorKind, number, string, string | null]> = [
    ['authentication', 401, 'invalid_request_error', 'invalid_api_key'],
    ['permission', 403, 'request_forbidden', null],
    ['not_found', 404, 'invalid_request_error', null],
    ['request_too_large', 413, 'invalid_request_error', null],
    ['rate_limit', 429, 'requests', 'rate_limit_exceeded'],
    ['api_error', 500, 'server_error', null],
    ['overloaded', 503, 'server_error', null],
    ['timeout', 504, 'server_error', null],
  ];
  for (const [kind, status, type, code] of expected) {
    test(`${kind} → type ${type}`, () => {
      expect(openaiCodec.encodeError({ status, kind, message: 'm' })).toEqual({ error: { message: 'm', type, param: null, code } });
    });
  }

  test('a given code wins; insufficient_quota keeps its own type', () => {
    expect(openaiCodec.encodeError({ status: 404, kind: 'not_found', message: 'The model `x` does not exist', code: 'model_not_found' })).toEqual({
      error: { message: 'The model `x` does not exist', type: 'invalid_request_error', param: null, code: 'model_not_found' },
    });
    expect(openaiCodec.encodeError({ status: 429, kind: 'rate_limit', message: 'quota', code: 'insufficient_quota' })).toEqual({
      error: { message: 'quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' },
    });
  });
});

describe('openai decodeError', () => {
  test('an OpenAI 401 keeps message, status, kind and code', () => {
    const body = JSON.stringify({
      error: {
        message: 'Incorrect API key provided: sk-proj-****MxYA. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(openaiCodec.decodeError(401, body, headers())).toEqual({
      status: 401,
      kind: 'authentication',
      message: 'Incorrect API key provided: sk-proj-****MxYA. You can find your API key at https://platform.openai.com/account/api-keys.',
      code: 'invalid_api_key',
    });
  });

  test('a 400 naming a param', () => {
    const body = '{"error":{"message":"Invalid value for \'temperature\'","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}';
    expect(openaiCodec.decodeError(400, body, headers())).toEqual({
      status: 400,
      kind: 'invalid_request',
      message: "Invalid value for 'temperature'",
      code: 'invalid_value',
      param: 'temperature',
    });
  });

  test('429: retry-after in seconds, retry-after-ms preferred, HTTP date, and the message wording', () => {
    const body = JSON.stringify({
      error: {
        message: 'Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2.5s.',
        type: 'tokens',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    expect(openaiCodec.decodeError(429, body, headers({ 'retry-after': '7' })).retryAfter).toBe(7);
    expect(openaiCodec.decodeError(429, body, headers({ 'retry-after': '7', 'retry-after-ms': '1200' })).retryAfter).toBe(2);
    expect(openaiCodec.decodeError(429, body, headers()).retryAfter).toBe(3);
    const rpd = '{"error":{"message":"Rate limit reached for o4-mini on requests per day (RPD). Please try again in 7m12s.","type":"requests","code":"rate_limit_exceeded"}}';
    expect(openaiCodec.decodeError(429, rpd, headers()).retryAfter).toBe(432);
    const ms = '{"error":{"message":"Please try again in 120ms.","type":"tokens"}}';
    expect(openaiCodec.decodeError(429, ms, headers()).retryAfter).toBe(1);
    // Google's OpenAI-compatible endpoint, a 429 without RetryInfo (the list form it answers errors in).
    const google = '[{"error":{"code":429,"message":"You exceeded your current quota. Please retry in 26.660853464s.","status":"RESOURCE_EXHAUSTED"}}]';
    expect(openaiCodec.decodeError(429, google, headers()).retryAfter).toBe(27);

    // Codex's usage limit says when it resets only in the body (icebear0828/codex-proxy#65).
    const usage = (fields: object) => JSON.stringify({ error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'free', ...fields } });
    expect(openaiCodec.decodeError(429, usage({ resets_at: 1767830400, resets_in_seconds: 602705 }), headers()).retryAfter).toBe(602705);
    expect(openaiCodec.decodeError(429, usage({ resets_in_seconds: 602705 }), headers({ 'retry-after': '60' })).retryAfter).toBe(60);

    setSystemTime(new Date('2026-01-01T00:00:00Z'));
    try {
      expect(openaiCodec.decodeError(429, usage({ resets_at: 1767225630 }), headers()).retryAfter).toBe(30);
      // The same instant in milliseconds, as a gateway writing Date.now() sends it: 30 s, not 56 000 years.
      expect(openaiCodec.decodeError(429, usage({ resets_at: 1767225630000 }), headers()).retryAfter).toBe(30);
      const info = openaiCodec.decodeError(503, '', headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }));
      expect(info.retryAfter).toBe(30);
      expect(info.kind).toBe('overloaded');
    } finally {
      setSystemTime();
    }
  });

  test('non-JSON bodies: HTML title, plain text, empty', () => {
    const html = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';
    expect(openaiCodec.decodeError(502, html, headers())).toEqual({
      status: 502,
      kind: 'api_error',
      message: 'upstream returned an HTML page: 502 Bad Gateway',
    });
    expect(openaiCodec.decodeError(500, 'Internal Server Error', headers()).message).toBe('Internal Server Error');
    expect(openaiCodec.decodeError(504, '', headers())).toEqual({ status: 504, kind: 'timeout', message: 'upstream returned HTTP 504' });
    expect(openaiCodec.decodeError(500, '{"detail":1}', headers()).message).toBe('upstream returned HTTP 500');
    expect(openaiCodec.decodeError(500, 'x'.repeat(2000), headers()).message.length).toBeLessThan(600);
  });

  test('other shapes seen from compatible servers', () => {
    expect(openaiCodec.decodeError(400, '{"error":"model is required"}', headers()).message).toBe('model is required');
    expect(openaiCodec.decodeError(422, '{"message":"bad input","object":"error"}', headers())).toEqual({
      status: 422,
      kind: 'invalid_request',
      message: 'bad input',
    });
    // Google's compat endpoint wraps its errors in a list.
    const google = '[{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}]';
    expect(openaiCodec.decodeError(429, google, headers())).toEqual({
      status: 429,
      kind: 'rate_limit',
      message: 'Resource has been exhausted (e.g. check quota).',
    });
  });
});
