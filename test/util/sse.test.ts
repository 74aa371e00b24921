import { describe, expect, test } from 'bun:test';
import { SSEReader } from '../../src/util/sse.ts';

/** Reads `text` fed in pieces cut at every `step`-th character from `offset`. */
function read(text: string, step = text.length, offset = 0): { messages: unknown[]; failure?: string } {
  const r = new SSEReader();
  const messages: unknown[] = [];
  const cuts = [0];
  for (let i = offset || step; i < text.length; i += step) cuts.push(i);
  cuts.push(text.length);
  for (let i = 0; i + 1 < cuts.length; i++) messages.push(...r.push(text.slice(cuts[i], cuts[i + 1])));
  messages.push(...r.end());
  return { messages, failure: r.failure };
}

/** The same messages however the text is cut. */
function everyCut(text: string, expected: unknown[]): void {
  expect(read(text)).toEqual({ messages: expected, failure: undefined });
  for (let step = 1; step <= 8; step++) {
    for (let offset = 1; offset <= step; offset++) expect({ step, offset, ...read(text, step, offset) }).toEqual({ step, offset, messages: expected, failure: undefined });
  }
}

describe('SSEReader: lines SSE does not know', () => {
  test('unknown fields and a bad retry are ignored, as the spec says, not the end of the stream', () => {
    everyCut('data: 1\n\nfoo: bar\nretry: soon\nping\n\ndata: 2\n\n', [{ data: '1' }, { data: '2' }]);
  });

  test("llama.cpp's `error:` field (through 2025) is an error event", () => {
    const error = '{"code":400,"message":"the request exceeds the available context size. try increasing the context size or enable context shift","type":"invalid_request_error"}';
    everyCut(`error: ${error}\n\ndata: [DONE]\n\n`, [{ event: 'error', data: error }, { data: '[DONE]' }]);
    everyCut(`error:${error}\r\n\r\n`, [{ event: 'error', data: error }]);
  });

  test("a JSON object without `data:` (Lemonade's forwarded error body) is data, with or without a line break after it", () => {
    const body = '{"error":{"code":400,"message":"request (6009 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error"}}';
    everyCut(body, [{ data: body }]);
    everyCut(`${body}\n`, [{ data: body }]);
  });

  test('fields that start like the ones held back are parsed as usual', () => {
    everyCut('event: e\ndata: {"a":1}\n\nevent:x\ndata:{}\n\n', [
      { event: 'e', data: '{"a":1}' },
      { event: 'x', data: '{}' },
    ]);
  });
});
