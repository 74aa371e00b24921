/**
 * An upstream that sent its whole answer and then broke off (a reset before the chunked terminator) or
 * went quiet: the client got everything, so its stream ends as a complete one, not with an error after
 * `[DONE]`, `message_stop` or the finishing chunk (the SDKs raise that error and lose the answer).
 */
import { describe, expect, test } from 'bun:test';
import { codecs } from '../../src/protocols/index.ts';
import { convertStream, relayStream, unwrapStream, type StreamEnd } from '../../src/proxy/stream-pipeline.ts';

/** Gives `frames` one per pull, then fails the read (a broken connection) or, with `hang`, never answers again. */
function source(frames: string[], hang = false): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < frames.length) return c.enqueue(new TextEncoder().encode(frames[i++]!));
      if (hang) return new Promise<void>(() => {});
      c.error(new Error('ECONNRESET: The socket connection was closed unexpectedly'));
    },
  });
}

async function read(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

const geminiChunk = (text: string, finish?: string) =>
  JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(finish ? { finishReason: finish } : {}) }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 } });

const RELAYED = {
  openai: ['data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n', 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'],
  anthropic: ['event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\n\n', 'event: message_stop\ndata: {"type":"message_stop"}\n\n'],
  gemini: [`data: ${geminiChunk('hi')}\r\n\r\n`, `data: ${geminiChunk('', 'STOP')}\r\n\r\n`],
  responses: ['event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":0,"delta":"hi"}\n\n', 'event: response.completed\ndata: {"type":"response.completed","sequence_number":1,"response":{"id":"resp_1","status":"completed","output":[]}}\n\n'],
} as const;

describe('relayed: the end marker went out, then the upstream failed', () => {
  for (const [protocol, frames] of Object.entries(RELAYED)) {
    for (const hang of [false, true]) {
      test(`${protocol}, ${hang ? 'idle' : 'broken'}: relayed as it came, nothing added, not a failure`, async () => {
        let end: StreamEnd | undefined;
        const body = relayStream(source([...frames], hang), { protocol: protocol as keyof typeof RELAYED, format: 'sse', idleMs: hang ? 50 : 0, keepaliveMs: 0 }, (e) => (end = e));
        expect(await read(body)).toBe(frames.join(''));
        expect(end?.error).toBeUndefined();
      });
    }
  }

  test('the same failure before the end marker still ends with the in-band error', async () => {
    let end: StreamEnd | undefined;
    const body = relayStream(source([RELAYED.openai[0]]), { protocol: 'openai', format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
    expect(await read(body)).toContain('broke off mid-stream');
    expect(end?.error).toContain('broke off mid-stream');
  });
});

describe('converted: the upstream’s finish came, then it failed', () => {
  // Gemini has no end sentinel: its finish is only known for sure once the stream ends.
  test('Gemini → OpenAI: finished with [DONE], usage kept, not a failure', async () => {
    let end: StreamEnd | undefined;
    const enc = codecs.openai.createStreamEncoder({ model: 'gemini-2.5-flash', includeUsage: true, format: 'sse' });
    const body = convertStream(source([...RELAYED.gemini]), codecs.gemini.createStreamDecoder(), enc, (e) => (end = e), { idleMs: 0, keepaliveMs: 0 });
    const text = await read(body);
    expect(text).toContain('"finish_reason":"stop"');
    expect(text).toContain('"completion_tokens":2');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('error');
    expect(end?.error).toBeUndefined();
  });

  test('OpenAI (finish_reason, [DONE] lost) → Anthropic, idle: finished with message_stop', async () => {
    const enc = codecs.anthropic.createStreamEncoder({ model: 'gpt-4o', format: 'sse' });
    const frames = [RELAYED.openai[0], 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'];
    const body = convertStream(source(frames, true), codecs.openai.createStreamDecoder(), enc, undefined, { idleMs: 50, keepaliveMs: 0 });
    const text = await read(body);
    expect(text).toContain('"stop_reason":"end_turn"');
    expect(text.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
    expect(text).not.toContain('event: error');
  });

  test('before the finish, the failure is still the in-band error', async () => {
    const enc = codecs.openai.createStreamEncoder({ model: 'gemini-2.5-flash', format: 'sse' });
    const body = convertStream(source([RELAYED.gemini[0]]), codecs.gemini.createStreamDecoder(), enc, undefined, { idleMs: 0, keepaliveMs: 0 });
    expect(await read(body)).toContain('broke off mid-stream');
  });
});

describe('unwrapped (Code Assist): the finishing chunk came, then the upstream failed', () => {
  const unwrap = (json: unknown): unknown => (json as { response?: unknown }).response ?? json;
  const wrapped = (text: string, finish?: string) => `data: {"response":${geminiChunk(text, finish)},"traceId":"t"}\r\n\r\n`;
  for (const format of ['sse', 'json-array'] as const) {
    test(`${format}: ends as complete, not a failure`, async () => {
      let end: StreamEnd | undefined;
      const body = unwrapStream(source([wrapped('hi'), wrapped('', 'STOP')]), unwrap, { protocol: 'gemini', format, idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
      const text = await read(body);
      expect(text).not.toContain('error');
      if (format === 'json-array') expect(JSON.parse(text)).toHaveLength(2);
      expect(end?.error).toBeUndefined();
    });
  }
});
