/**
 * An envelope upstream's stream (Code Assist) relayed without its envelope: one cut before its last
 * chunk must end with an in-band truncation error, whatever the text of the chunk it was cut after.
 */
import { describe, expect, test } from 'bun:test';
import { unwrapStream, type StreamEnd } from '../../src/proxy/stream-pipeline.ts';

const unwrap = (json: unknown): unknown => (json as { response?: unknown }).response ?? json;
const chunk = (parts: unknown[], finish?: string) =>
  `data: ${JSON.stringify({ response: { candidates: [{ content: { role: 'model', parts }, index: 0, ...(finish ? { finishReason: finish } : {}) }] }, traceId: 't' })}\r\n\r\n`;

async function relay(frames: string[], format: 'sse' | 'json-array'): Promise<{ text: string; end: StreamEnd }> {
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const f of frames) c.enqueue(new TextEncoder().encode(f));
      c.close();
    },
  });
  let end: StreamEnd = {};
  const body = unwrapStream(source, unwrap, { protocol: 'gemini', format, idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
  return { text: await new Response(body).text(), end };
}

describe('unwrapStream: a cut stream is told from a finished one', () => {
  const call = (args: Record<string, unknown>) => [{ functionCall: { name: 'report_status', args } }];
  for (const format of ['sse', 'json-array'] as const) {
    test(`cut after a call whose arguments hold an "error" key: truncated (${format})`, async () => {
      const { text, end } = await relay([chunk([{ text: 'Reporting.' }]), chunk(call({ error: 'disk full' }))], format);
      expect(text).toContain('"disk full"');
      expect(text).toContain('the answer is truncated');
      expect(end.error).toContain('truncated');
    });

    test(`a finished stream is not (${format})`, async () => {
      const { text, end } = await relay([chunk(call({ error: 'disk full' })), chunk([{ text: '' }], 'STOP')], format);
      expect(text).not.toContain('truncated');
      expect(end.error).toBeUndefined();
    });

    test(`an upstream error that ends it is relayed as the failure (${format})`, async () => {
      const { text, end } = await relay([chunk([{ text: 'a' }]), `data: ${JSON.stringify({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } })}\r\n\r\n`], format);
      expect(text).toContain('overloaded');
      expect(text).not.toContain('truncated');
      expect(end.error).toBe('overloaded');
    });
  }
});
