import { describe, expect, test } from 'bun:test';
import { protocolOf } from '../../src/server/protocol-of.ts';

const h = (init: Record<string, string> = {}): Headers => new Headers(init);

describe('protocolOf on the shared /v1/models', () => {
  test.each([
    ['/v1/models', {}, '', 'openai'],
    ['/v1/models', { authorization: 'Bearer k' }, '', 'openai'],
    ['/v1/models', { 'anthropic-version': '2023-06-01' }, '', 'anthropic'],
    ['/v1/models', { 'x-api-key': 'k' }, '', 'anthropic'],
    ['/v1/models', { 'x-goog-api-key': 'k' }, '', 'gemini'],
    ['/openai-custom/v1/models/gpt-4o', { 'x-goog-api-key': 'k' }, '', 'gemini'],
    ['/v1/models', {}, 'key=k', 'gemini'],
    ['/v1/models/gpt-4o', {}, 'pageSize=5&key=k', 'gemini'],
    ['/v1/models', {}, 'client_version=1', 'openai'],
    // Another protocol's own auth header wins over a Gemini key next to it.
    ['/v1/models', { authorization: 'Bearer k', 'x-goog-api-key': 'k' }, '', 'openai'],
    ['/v1/models', { 'x-api-key': 'k' }, 'key=k', 'anthropic'],
    // Not a models path: the key changes nothing.
    ['/v1/chat/completions', { 'x-goog-api-key': 'k' }, 'key=k', 'openai'],
  ] as const)('%s %j ?%s → %s', (path, headers, query, want) => {
    expect(protocolOf(path, h(headers), query)).toBe(want);
  });
});
