import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { kindForStatus } from '../../../src/core/errors.ts';
import { retryAfterFromHeaders as retryAfterSeconds } from '../../../src/util/retry-after.ts';

describe('anthropic encodeError', () => {
  const cases: Array<[number, string]> = [
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [501, 'api_error'],
    [502, 'api_error'],
    [503, 'overloaded_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
  ];
  for (const [status, type] of cases) {
    test(`${status} → ${type}`, () => {
      expect(anthropicCodec.encodeError({ status, kind: kindForStatus(status), message: 'boom' })).toEqual({
        type: 'error',
        error: { type, message: 'boom' },
      });
    });
  }
});

describe('anthropic decodeError', () => {
  const none = new Headers();

  test('the API error body keeps message, status and kind', () => {
    const body = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}';
    expect(anthropicCodec.decodeError(529, body, none)).toEqual({ status: 529, kind: 'overloaded', message: 'Overloaded' });
    const auth = '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}';
    expect(anthropicCodec.decodeError(401, auth, none)).toEqual({ status: 401, kind: 'authentication', message: 'invalid x-api-key' });
  });

  test('an unknown error type falls back to the status', () => {
    const body = '{"type":"error","error":{"type":"shiny_new_error","message":"odd"}}';
    expect(anthropicCodec.decodeError(503, body, none)).toEqual({ status: 503, kind: 'overloaded', message: 'odd' });
  });

  test('other JSON shapes, HTML, plain text and empty bodies', () => {
    expect(anthropicCodec.decodeError(400, '{"error":{"message":"OpenAI style"}}', none).message).toBe('OpenAI style');
    expect(anthropicCodec.decodeError(500, '{"message":"flat"}', none).message).toBe('flat');
    const html = '<html><head><title>413 Request Entity Too Large</title></head><body><center>cloudflare</center></body></html>';
    expect(anthropicCodec.decodeError(413, html, none)).toEqual({
      status: 413,
      kind: 'request_too_large',
      message: 'upstream returned HTTP 413: 413 Request Entity Too Large',
    });
    expect(anthropicCodec.decodeError(502, 'Bad gateway\n', none)).toEqual({ status: 502, kind: 'api_error', message: 'Bad gateway' });
    expect(anthropicCodec.decodeError(504, '', none)).toEqual({ status: 504, kind: 'timeout', message: 'upstream returned HTTP 504' });
    expect(anthropicCodec.decodeError(500, 'x'.repeat(2000), none).message.length).toBeLessThan(600);
  });

  test('retry-after in seconds, as an HTTP date, and retry-after-ms', () => {
    const body = '{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}';
    expect(anthropicCodec.decodeError(429, body, new Headers({ 'retry-after': '17' }))).toEqual({
      status: 429,
      kind: 'rate_limit',
      message: 'Rate limited',
      retryAfter: 17,
    });
    expect(anthropicCodec.decodeError(429, body, new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' })).retryAfter).toBe(2);
    expect(anthropicCodec.decodeError(429, body, new Headers({ 'retry-after': '0.3' })).retryAfter).toBe(1);
    expect(anthropicCodec.decodeError(429, body, new Headers({ 'retry-after': 'soon' })).retryAfter).toBeUndefined();
    expect(anthropicCodec.decodeError(429, body, none)).not.toHaveProperty('retryAfter');
    const now = Date.parse('2025-10-20T19:14:08Z');
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'Mon, 20 Oct 2025 19:14:38 GMT' }), now)).toBe(30);
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'Mon, 20 Oct 2025 19:00:00 GMT' }), now)).toBe(0);
  });
});
