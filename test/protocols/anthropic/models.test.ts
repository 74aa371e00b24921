import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';

describe('anthropic model list', () => {
  test('encode: §2.6 shape with RFC 3339 dates', () => {
    const created = Date.parse('2025-09-29T00:00:00Z') / 1000;
    expect(
      anthropicCodec.encodeModelList([
        { id: 'claude-sonnet-4-5-20250929', provider: 'claude', displayName: 'Claude Sonnet 4.5', created, outputTokenLimit: 64000 },
        { id: 'gemini-2.5-pro', provider: 'gemini' },
      ]),
    ).toEqual({
      data: [
        { type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z', max_tokens: 64000 },
        { type: 'model', id: 'gemini-2.5-pro', display_name: 'gemini-2.5-pro', created_at: '1970-01-01T00:00:00Z' },
      ],
      has_more: false,
      first_id: 'claude-sonnet-4-5-20250929',
      last_id: 'gemini-2.5-pro',
    });
    expect(anthropicCodec.encodeModelList([])).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
  });

  test('decode: upstream list, skipping broken entries', () => {
    const body = {
      data: [
        { type: 'model', id: 'claude-opus-4-1', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z', max_input_tokens: 200000, max_tokens: 32000 },
        { type: 'model', display_name: 'no id' },
        'junk',
      ],
      has_more: false,
    };
    expect(anthropicCodec.decodeModelList(body)).toEqual([
      { id: 'claude-opus-4-1', displayName: 'Claude Opus 4.1', created: Date.parse('2025-08-05T00:00:00Z') / 1000, inputTokenLimit: 200000, outputTokenLimit: 32000 },
    ]);
    expect(anthropicCodec.decodeModelList('nope')).toEqual([]);
  });

  test('round trip', () => {
    const models = [{ id: 'claude-haiku-4-5', displayName: 'Claude Haiku 4.5', created: 1760000000 }];
    expect(anthropicCodec.decodeModelList(anthropicCodec.encodeModelList(models.map((m) => ({ ...m, provider: 'p' }))))).toEqual(models);
  });
});
