import { describe, expect, test } from 'bun:test';
import type { ProxyErrorInfo } from '../../src/core/errors.ts';
import { cuttableBody } from '../../src/server/cuttable-body.ts';
import { createLifecycle } from '../../src/server/lifecycle.ts';
import { parseSSE } from '../../src/util/sse.ts';
import { manualSource, readChunks, readRest } from '../helpers/manual-stream.ts';

const ERROR: ProxyErrorInfo = { status: 503, kind: 'overloaded', message: 'shutting down' };
/** Reads the wrapped stream to its end (bounded by the number of reads). */
const drain = (stream: ReadableStream<Uint8Array>, maxReads = 100): Promise<string> => readRest(stream.getReader(), maxReads);

describe('cuttableBody', () => {
  test('passes chunks through untouched and reports its end once', async () => {
    const src = manualSource();
    let ends = 0;
    const body = cuttableBody(src.stream, 'openai', 'sse', () => ends++);
    src.push('data: {"a":1}\n\n');
    src.push('data: [DONE]\n\n');
    src.close();
    expect(await drain(body.stream)).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
    expect(ends).toBe(1);
    expect(body.cut(ERROR, true)).toBe(true); // already over: nothing to do
    expect(ends).toBe(1);
  });

  test('a cut between events appends the protocol error and cancels the source', async () => {
    const src = manualSource();
    let ends = 0;
    const body = cuttableBody(src.stream, 'anthropic', 'sse', () => ends++);
    const reader = body.stream.getReader();
    src.push('event: ping\r\ndata: {"type":"ping"}\r\n\r\n');
    await readChunks(reader, 1);
    expect(body.cut(ERROR, false)).toBe(true);
    expect(ends).toBe(1);
    expect(src.cancelled()).toBe(true);
    let rest = '';
    for (let i = 0; i < 5; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(parseSSE(rest)).toEqual([{ event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"shutting down"}}' }]);
  });

  test('a cut in the middle of an event waits for the chunk that completes it', async () => {
    const src = manualSource();
    const body = cuttableBody(src.stream, 'openai', 'sse', () => {});
    const reader = body.stream.getReader();
    src.push('data: {"choices":[{"delta":');
    await readChunks(reader, 1);
    expect(body.cut(ERROR, false)).toBe(false);
    src.push('{"content":"hi"}}]}\n');
    src.push('\n');
    src.push('data: {"never":"sent"}\n\n');
    let out = 'data: {"choices":[{"delta":';
    for (let i = 0; i < 10; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    const events = parseSSE(out);
    expect(events.map((e) => JSON.parse(e.data))).toEqual([
      { choices: [{ delta: { content: 'hi' } }] },
      { error: { message: 'shutting down', type: 'server_error', param: null, code: null } },
    ]);
    expect(src.cancelled()).toBe(true);
  });

  test('a forced cut mid-event terminates the half-sent event so the error still parses as its own', async () => {
    const src = manualSource();
    const body = cuttableBody(src.stream, 'gemini', 'sse', () => {});
    const reader = body.stream.getReader();
    src.push('data: {"candidates":[');
    await readChunks(reader, 1);
    expect(body.cut(ERROR, false)).toBe(false);
    expect(body.cut(ERROR, true)).toBe(true);
    const { value } = await reader.read();
    const events = parseSSE(`data: {"candidates":[${new TextDecoder().decode(value)}`);
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ error: { code: 503, message: 'shutting down', status: 'UNAVAILABLE' } });
  });

  test('a Gemini JSON array stays a valid array whether the cut comes before, inside or after it', async () => {
    const cases: Array<[string[], unknown[]]> = [
      [[], []],
      [['['], []],
      [['[{"a":1}', ',\r\n{"a":2}'], [{ a: 1 }, { a: 2 }]],
    ];
    for (const [chunks, items] of cases) {
      const src = manualSource();
      const body = cuttableBody(src.stream, 'gemini', 'json-array', () => {});
      const reader = body.stream.getReader();
      for (const c of chunks) src.push(c);
      const sent = await readChunks(reader, chunks.length);
      expect(body.cut(ERROR, false)).toBe(true);
      let rest = '';
      for (let i = 0; i < 5; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += new TextDecoder().decode(value);
      }
      expect(JSON.parse(sent + rest)).toEqual([...items, { error: { code: 503, message: 'shutting down', status: 'UNAVAILABLE' } }]);
    }
  });
});

describe('createLifecycle', () => {
  test('counts a streamed response until its body ends; a plain one until it returns', async () => {
    const lc = createLifecycle();
    const src = manualSource();
    const streamed = await lc.track('openai', '/v1/chat/completions', async () =>
      new Response(src.stream, { headers: { 'content-type': 'text/event-stream' } }),
    );
    expect(lc.inFlight).toBe(1);
    await lc.track('openai', '/v1/chat/completions', async () => Response.json({ ok: true }));
    expect(lc.inFlight).toBe(1);
    src.push('data: [DONE]\n\n');
    src.close();
    expect(await streamed.text()).toBe('data: [DONE]\n\n');
    expect(lc.inFlight).toBe(0);
    await expect(lc.track('openai', '/x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lc.inFlight).toBe(0);
  });

  test('at the deadline a request still waiting gets a 503 in its protocol, and a stream its in-band error', async () => {
    const lc = createLifecycle();
    const waiting = lc.track('anthropic', '/v1/messages', () => new Promise<Response>(() => {}));
    const src = manualSource();
    const streamed = await lc.track('gemini', '/v1beta/models/g:streamGenerateContent', async () =>
      new Response(src.stream, { headers: { 'content-type': 'application/json' } }),
    );
    expect(lc.inFlight).toBe(2);
    lc.beginDrain();
    expect(lc.draining).toBe(true);
    expect(lc.refuse('openai').status).toBe(503);
    expect(lc.cut(false)).toBe(2);
    const res = await waiting;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(JSON.parse(await streamed.text())).toEqual([{ error: { code: 503, message: expect.stringContaining('shutting down'), status: 'UNAVAILABLE' } }]);
    expect(lc.inFlight).toBe(0);
  });
});
