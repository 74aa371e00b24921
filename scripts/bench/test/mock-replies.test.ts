import { describe, expect, test } from 'bun:test';
import { codecs } from '../../../src/protocols/index.ts';
import type { StreamEvent } from '../../../src/core/index.ts';
import { decodeChunks } from '../../../test/helpers/sse.ts';
import { renderReplies } from '../mock-replies.ts';

const replies = renderReplies({ chunks: 7, unaryBytes: 600 });
const decoder = new TextDecoder();

const textOf = (events: StreamEvent[]): string =>
  events.map((e) => (e.type === 'text' ? e.text : '')).join('');

/** The mock's replies must be valid wire format, or the benchmark would measure error paths. */
describe('mock replies decode with aiproxy’s own codecs', () => {
  for (const protocol of ['openai', 'anthropic', 'gemini'] as const) {
    test(`${protocol}: the non-streaming reply is a ~600-byte answer ending with stop`, () => {
      const r = replies[protocol];
      expect(Math.abs(r.unary.byteLength - 600)).toBeLessThanOrEqual(5);
      const res = codecs[protocol].decodeResponse(JSON.parse(decoder.decode(r.unary)));
      expect(res.finishReason).toBe('stop');
      const text = res.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
      expect(text.length).toBeGreaterThan(100);
      expect(res.usage.outputTokens).toBeGreaterThan(0);
    });

    test(`${protocol}: the stream has the configured deltas, then a clean finish`, () => {
      const r = replies[protocol];
      const events = decodeChunks(codecs[protocol].createStreamDecoder(), r.stream);
      expect(events[0]!.type).toBe('start');
      expect(events.filter((e) => e.type === 'text').length).toBe(7);
      expect(textOf(events)).toBe(' Hello from the mock upstream, streaming');
      expect(events[events.length - 1]!.type).toBe('finish');
    });

    test(`${protocol}: firstToken points at the event carrying the first text`, () => {
      const r = replies[protocol];
      const before = decodeChunks(codecs[protocol].createStreamDecoder(), r.stream.slice(0, r.firstToken));
      const through = decodeChunks(codecs[protocol].createStreamDecoder(), r.stream.slice(0, r.firstToken + 1));
      expect(textOf(before)).toBe('');
      expect(textOf(through)).toBe(' Hello');
    });
  }

  test('openai: the include_usage variant adds a usage chunk before [DONE]', () => {
    const events = decodeChunks(codecs.openai.createStreamDecoder(), replies.openai.streamWithUsage!);
    const finish = events.find((e) => e.type === 'finish');
    expect(finish?.type === 'finish' && finish.usage.inputTokens).toBe(24);
    expect(decoder.decode(replies.openai.streamWithUsage!.at(-1)!)).toBe('data: [DONE]\n\n');
  });

  test('gemini: the JSON-array form concatenates to one JSON array of the same chunks', () => {
    const whole = replies.gemini.jsonArray!.map((c) => decoder.decode(c)).join('');
    const parsed = JSON.parse(whole) as unknown[];
    expect(parsed).toHaveLength(7);
    expect(JSON.stringify(parsed[6])).toContain('"finishReason":"STOP"');
  });

  test('a stream without chunks is refused', () => {
    expect(() => renderReplies({ chunks: 0, unaryBytes: 600 })).toThrow();
  });
});
