import { describe, expect, setSystemTime, test } from 'bun:test';
import type { ProxyErrorInfo } from '../../../src/core/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { parseDurationSeconds } from '../../../src/util/retry-after.ts';
import { geminiQuotaError } from '../../helpers/mocks/gemini-mock.ts';

const decode = (status: number, body: string, headers: Record<string, string> = {}): ProxyErrorInfo =>
  geminiCodec.decodeError(status, body, new Headers(headers));

describe('gemini encodeError', () => {
  test.each([
    [{ status: 400, kind: 'invalid_request', message: 'bad' }, 'INVALID_ARGUMENT'],
    [{ status: 401, kind: 'authentication', message: 'who' }, 'UNAUTHENTICATED'],
    [{ status: 403, kind: 'permission', message: 'no' }, 'PERMISSION_DENIED'],
    [{ status: 404, kind: 'not_found', message: 'gone' }, 'NOT_FOUND'],
    [{ status: 413, kind: 'request_too_large', message: 'big' }, 'INVALID_ARGUMENT'],
    [{ status: 500, kind: 'api_error', message: 'oops' }, 'INTERNAL'],
    [{ status: 501, kind: 'not_implemented', message: 'later' }, 'UNIMPLEMENTED'],
    [{ status: 503, kind: 'overloaded', message: 'busy' }, 'UNAVAILABLE'],
    [{ status: 504, kind: 'timeout', message: 'slow' }, 'DEADLINE_EXCEEDED'],
  ] as const)('%j → %s', (info, status) => {
    expect(geminiCodec.encodeError(info)).toEqual({ error: { code: info.status, message: info.message, status } });
  });

  test.each([
    // An upstream's type can disagree with its status (an Anthropic api_error sent as 503); Google never does.
    [{ status: 503, kind: 'api_error', message: 'x' }, 503, 'UNAVAILABLE'],
    // Google has no 529: overloaded is a 503, also when it arrives in-band mid-stream.
    [{ status: 529, kind: 'overloaded', message: 'Overloaded' }, 503, 'UNAVAILABLE'],
    [{ status: 502, kind: 'api_error', message: 'bad gateway' }, 502, 'INTERNAL'],
    [{ status: 400, kind: 'authentication', message: 'API key not valid.' }, 400, 'INVALID_ARGUMENT'],
  ] as const)('the HTTP code decides the status name where Google has one: %j', (info, code, status) => {
    expect(geminiCodec.encodeError(info)).toEqual({ error: { code, message: info.message, status } });
  });

  test('a retry hint becomes RetryInfo, which decodeError reads back', () => {
    const info: ProxyErrorInfo = { status: 429, kind: 'rate_limit', message: 'Slow down', retryAfter: 12 };
    const body = geminiCodec.encodeError(info);
    expect(body).toEqual({
      error: {
        code: 429,
        message: 'Slow down',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }],
      },
    });
    expect(decode(429, JSON.stringify(body))).toEqual({ ...info, details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }] });
  });
});

describe('gemini decodeError', () => {
  test('a real 429 quota error with RetryInfo rounds the delay up', () => {
    const body = JSON.stringify({
      error: {
        code: 429,
        message: 'You exceeded your current quota, please check your plan and billing details.',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }],
          },
          { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.539477544s' },
        ],
      },
    });
    expect(decode(429, body)).toMatchObject({
      status: 429,
      kind: 'rate_limit',
      message: 'You exceeded your current quota, please check your plan and billing details.',
      retryAfter: 1,
    });
  });

  test("a quota spent for the day lasts until Google's midnight (Pacific), whatever the RetryInfo says", () => {
    // As Google sends it (diegosouzapw/OmniRoute#9504): a daily quotaId, and a RetryInfo of seconds.
    const body = JSON.stringify(geminiQuotaError('36s', 'gemini-2.5-pro', 'GenerateRequestsPerDayPerProjectPerModel-FreeTier').body);
    setSystemTime(new Date('2026-11-27T16:00:00Z')); // 08:00 in Mountain View (PST)
    try {
      expect(decode(429, body)).toMatchObject({ retryAfter: 16 * 3600, quotaModel: 'gemini-2.5-pro' });
      // Google's OpenAI-compatible endpoint sends the same details.
      const compat = JSON.stringify([{ error: (geminiQuotaError('36s', 'gemini-2.5-pro', 'GenerateRequestsPerDayPerProjectPerModel-FreeTier').body as { error: object }).error }]);
      expect(openaiCodec.decodeError(429, compat, new Headers()).retryAfter).toBe(16 * 3600);
    } finally {
      setSystemTime();
    }
    // A per-minute quota keeps its RetryInfo.
    expect(decode(429, JSON.stringify(geminiQuotaError('36s').body)).retryAfter).toBe(36);
  });

  test('ErrorInfo quotaResetDelay and "reset after" text are fallbacks', () => {
    const quota = JSON.stringify([
      {
        error: {
          code: 429,
          message: 'Quota exceeded',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED', metadata: { quotaResetDelay: '1h2m3.5s' } }],
        },
      },
    ]);
    expect(decode(429, quota).retryAfter).toBe(3724);
    const text = JSON.stringify({ error: { code: 429, message: 'Rate limited; reset after 7s.', status: 'RESOURCE_EXHAUSTED' } });
    expect(decode(429, text).retryAfter).toBe(7);
    // Code Assist writes hours and minutes (earendil-works/pi#2851); the Gemini API "Please retry in"
    // (google-gemini/gemini-cli#12586: some 429s come without RetryInfo).
    const hours = JSON.stringify({
      error: { code: 429, message: 'You have exhausted your capacity on this model. Your quota will reset after 12h34m16s.', status: 'RESOURCE_EXHAUSTED' },
    });
    expect(decode(429, hours).retryAfter).toBe(12 * 3600 + 34 * 60 + 16);
    const retryIn = JSON.stringify({
      error: { code: 429, message: 'You exceeded your current quota, please check your plan and billing details. Please retry in 26.660853464s.', status: 'RESOURCE_EXHAUSTED' },
    });
    expect(decode(429, retryIn).retryAfter).toBe(27);
  });

  test('an invalid API key is an authentication error although Google says 400', () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
      },
    });
    expect(decode(400, body)).toMatchObject({
      status: 400,
      kind: 'authentication',
      message: 'API key not valid. Please pass a valid API key.',
      code: 'invalid_api_key',
    });
  });

  test('a 404 keeps the upstream message', () => {
    const body =
      '{\n  "error": {\n    "code": 404,\n    "message": "models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.",\n    "status": "NOT_FOUND"\n  }\n}\n';
    expect(decode(404, body)).toEqual({
      status: 404,
      kind: 'not_found',
      message: 'models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.',
    });
  });

  test('HTML, plain text and empty bodies still give a readable message', () => {
    const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>Bad Gateway</h1></body></html>';
    const a = decode(502, html);
    expect(a).toMatchObject({ status: 502, kind: 'api_error' });
    expect(a.message).toBe('upstream returned HTTP 502: 502 Bad Gateway Bad Gateway');
    expect(decode(503, 'upstream connect error')).toEqual({
      status: 503,
      kind: 'overloaded',
      message: 'upstream returned HTTP 503: upstream connect error',
    });
    expect(decode(500, '')).toEqual({ status: 500, kind: 'api_error', message: 'upstream returned HTTP 500 with an empty body' });
    expect(decode(500, 'x'.repeat(1000)).message.length).toBeLessThan(400);
  });

  test('retry headers: seconds, HTTP date and milliseconds', () => {
    expect(decode(429, '', { 'retry-after': '30' }).retryAfter).toBe(30);
    expect(decode(429, '', { 'retry-after-ms': '1500' }).retryAfter).toBe(2);
    const date = new Date(Date.now() + 10_000).toUTCString();
    const fromDate = decode(503, '', { 'retry-after': date }).retryAfter!;
    expect(fromDate).toBeGreaterThanOrEqual(8);
    expect(fromDate).toBeLessThanOrEqual(11);
    expect(decode(429, '', { 'retry-after': 'soon' }).retryAfter).toBeUndefined();
  });

  test('durations', () => {
    expect(parseDurationSeconds('37s')).toBe(37);
    expect(parseDurationSeconds('0.53s')).toBe(1);
    expect(parseDurationSeconds('0s')).toBe(0);
    expect(parseDurationSeconds('2m')).toBe(120);
    expect(parseDurationSeconds('1500ms')).toBe(2);
    expect(parseDurationSeconds('abc')).toBeUndefined();
    expect(parseDurationSeconds('5')).toBeUndefined();
  });
});

describe('gemini decodeError: the model a quota belongs to', () => {
  test('Code Assist ErrorInfo metadata.model and the Gemini API QuotaFailure quotaDimensions.model', () => {
    const codeAssist = JSON.stringify({
      error: {
        code: 429,
        message: 'You have exhausted your capacity on this model. Your quota will reset after 19h9m0s.',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED', domain: 'cloudcode-pa.googleapis.com', metadata: { uiMessage: 'true', model: 'gemini-2.5-pro' } },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '68940s' },
        ],
      },
    });
    expect(geminiCodec.decodeError(429, codeAssist, new Headers())).toMatchObject({ status: 429, retryAfter: 68940, quotaModel: 'gemini-2.5-pro' });
    const api = JSON.stringify(geminiQuotaError('37s', 'models/gemini-2.5-flash').body);
    expect(geminiCodec.decodeError(429, api, new Headers()).quotaModel).toBe('gemini-2.5-flash');
    const other = JSON.stringify({ error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT', details: [{ metadata: { model: 'x' } }] } });
    expect(geminiCodec.decodeError(400, other, new Headers()).quotaModel).toBeUndefined();
  });
});


describe('gemini decodeError: details a client may see', () => {
  test('ErrorInfo metadata keeps its reason and model, not the operator project', () => {
    const body = JSON.stringify({
      error: {
        code: 429,
        message: 'quota',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED', metadata: { consumer: 'projects/123456789', model: 'gemini-2.5-pro', project_id: 'my-proj' } }],
      },
    });
    const info = geminiCodec.decodeError(429, body, new Headers());
    expect(info.details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED', metadata: { model: 'gemini-2.5-pro' } }]);
    expect(JSON.stringify(geminiCodec.encodeError(info))).not.toContain('123456789');
  });
});
