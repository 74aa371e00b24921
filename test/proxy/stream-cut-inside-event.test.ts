/**
 * An upstream body that ends cleanly (no reset) inside an event, its blank line never sent: the cut
 * event is dropped, and what came before decides, as at any end: a finish already seen finishes the
 * stream, else it is a truncation, reported as one (not as invalid JSON quoting half a character).
 */
import { describe, expect, test } from 'bun:test';
import { codecs } from '../../src/protocols/index.ts';
import { convertStream, unwrapStream, type StreamEnd } from '../../src/proxy/stream-pipeline.ts';

const geminiChunk = (text: string, finish?: string) =>
  JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(finish ? { finishReason: finish } : {}) }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 } });

async function read(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('the body ending cleanly inside an event', () => {
  // `…` is three bytes: the cut leaves one of them, which decodes to U+FFFD.
  const cut = new TextEncoder().encode(`data: {"candidates":[{"content":{"parts":[{"text":"Let me think…"}]}}]}`).slice(0, -12);
  const bytesSource = (frames: Array<string | Uint8Array>): ReadableStream<Uint8Array> =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const f of frames) c.enqueue(typeof f === 'string' ? new TextEncoder().encode(f) : f);
        c.close();
      },
    });

  test('converted: a truncation, not invalid JSON quoting half a character', async () => {
    let end: StreamEnd | undefined;
    const enc = codecs.openai.createStreamEncoder({ model: 'gemini-2.5-flash', format: 'sse' });
    const body = convertStream(bytesSource([`data: ${geminiChunk('hi')}\n\n`, cut]), codecs.gemini.createStreamDecoder(), enc, (e) => (end = e));
    const text = await read(body);
    expect(text).not.toContain('\uFFFD');
    expect(text).not.toContain('invalid JSON');
    expect(end?.error).toBe('upstream stream ended before completion');
  });

  test('converted: after Gemini’s finishing chunk, the answer was whole and finishes', async () => {
    let end: StreamEnd | undefined;
    const enc = codecs.anthropic.createStreamEncoder({ model: 'gemini-2.5-flash', format: 'sse' });
    const body = convertStream(bytesSource([`data: ${geminiChunk('hi', 'STOP')}\n\n`, cut]), codecs.gemini.createStreamDecoder(), enc, (e) => (end = e));
    expect(await read(body)).toContain('event: message_stop');
    expect(end?.error).toBeUndefined();
  });

  test('converted: a last event whole but without its blank line still counts', async () => {
    const enc = codecs.anthropic.createStreamEncoder({ model: 'gemini-2.5-flash', format: 'sse' });
    const body = convertStream(bytesSource([`data: ${geminiChunk('hi')}\n\n`, `data: ${geminiChunk(' there', 'STOP')}`]), codecs.gemini.createStreamDecoder(), enc);
    const text = await read(body);
    expect(text).toContain('" there"');
    expect(text).toContain('event: message_stop');
  });

  test('unwrapped (Code Assist): truncated without its finishing chunk, complete with it', async () => {
    const unwrap = (json: unknown): unknown => (json as { response?: unknown }).response ?? json;
    const wrapped = (text: string, finish?: string) => `data: {"response":${geminiChunk(text, finish)},"traceId":"t"}\n\n`;
    const opts = { protocol: 'gemini' as const, format: 'sse' as const, idleMs: 0, keepaliveMs: 0 };
    const truncated = await read(unwrapStream(bytesSource([wrapped('hi'), cut]), unwrap, opts));
    expect(truncated).toContain('the answer is truncated');
    expect(truncated).not.toContain('not JSON');
    let end: StreamEnd | undefined;
    const whole = await read(unwrapStream(bytesSource([wrapped('hi', 'STOP'), cut]), unwrap, opts, (e) => (end = e)));
    expect(whole).not.toContain('error');
    expect(end?.error).toBeUndefined();
  });
});
