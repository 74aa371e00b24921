import { describe, expect, test } from 'bun:test';
import type { ProxyErrorInfo } from '../../src/core/errors.ts';
import { codecs } from '../../src/protocols/index.ts';
import { controlOf } from '../../src/proxy/stream-control.ts';
import { convertStream, relayStream } from '../../src/proxy/stream-pipeline.ts';
import { createLifecycle } from '../../src/server/lifecycle.ts';
import { manualSource, readChunks, readRest as rest } from '../helpers/manual-stream.ts';

const ERROR: ProxyErrorInfo = { status: 503, kind: 'overloaded', message: 'shutting down' };

describe('stream control of the proxy pipeline', () => {
  test('a relay cut mid-event waits for the event to complete, then ends with the in-band error', async () => {
    const src = manualSource();
    let ends = 0;
    const body = relayStream(src.stream, { protocol: 'openai', format: 'sse', idleMs: 0, keepaliveMs: 0 }, () => ends++);
    const control = controlOf(body)!;
    expect(control).toBeDefined();
    let firstBytes = 0;
    control.onFirstByte(() => firstBytes++);
    let listened = 0;
    control.onEnd(() => listened++);
    const reader = body.getReader();
    src.push('data: {"choices":[{"delta":{"content":"He');
    expect(await readChunks(reader, 1)).toBe('data: {"choices":[{"delta":{"content":"He');
    expect(firstBytes).toBe(1);
    expect(control.cut(ERROR, false)).toBe(false); // half an event is out: not now
    src.push('llo"}}]}\n\n');
    const tail = await rest(reader);
    expect(tail.startsWith('llo"}}]}\n\n')).toBe(true);
    const events = tail.slice('llo"}}]}\n\n'.length);
    expect(JSON.parse(events.replace(/^data: /, ''))).toEqual({ error: expect.objectContaining({ message: 'shutting down', type: 'server_error' }) });
    expect(src.cancelled()).toBe(true);
    expect([ends, listened, firstBytes]).toEqual([1, 1, 1]);
  });

  test('a first byte already sent when the server registers for it (read-ahead) is reported at once', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, { protocol: 'openai', format: 'sse', idleMs: 0, keepaliveMs: 0 });
    src.push('data: {"choices":[]}\n\n');
    // The stream reads one chunk ahead by itself; give that read its turn.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    let firstBytes = 0;
    controlOf(body)!.onFirstByte(() => firstBytes++);
    expect(firstBytes).toBe(1);
    const reader = body.getReader();
    expect(await readChunks(reader, 1)).toBe('data: {"choices":[]}\n\n');
    expect(firstBytes).toBe(1);
  });

  test('a forced cut ends a half-sent SSE line first, so the error is an event of its own', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, { protocol: 'anthropic', format: 'sse', idleMs: 0, keepaliveMs: 0 });
    const reader = body.getReader();
    src.push('event: content_block_delta\ndata: {"type":"content_block_delta"');
    await readChunks(reader, 1);
    expect(controlOf(body)!.cut(ERROR, true)).toBe(true);
    const tail = await rest(reader);
    expect(tail.startsWith('\n\nevent: error\n')).toBe(true);
    expect(tail).toContain('overloaded_error');
  });

  test('a converted stream is cut between its (whole) events at once', async () => {
    const src = manualSource();
    const enc = codecs.anthropic.createStreamEncoder({ model: 'gpt-4o', format: 'sse' });
    const body = convertStream(src.stream, codecs.openai.createStreamDecoder(), enc);
    const reader = body.getReader();
    src.push('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}\n\n');
    expect(await readChunks(reader, 1)).toContain('message_start');
    expect(controlOf(body)!.cut(ERROR, false)).toBe(true);
    const tail = await rest(reader);
    expect(tail).toContain('event: error');
    expect(src.cancelled()).toBe(true);
  });

  test('the lifecycle counts a pipeline stream without wrapping it, and cuts it at the deadline', async () => {
    const lc = createLifecycle();
    const src = manualSource();
    const body = relayStream(src.stream, { protocol: 'openai', format: 'sse', idleMs: 0, keepaliveMs: 0 });
    const res = await lc.track('openai', '/v1/chat/completions', async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
    expect(res.body).toBe(body);
    expect(lc.inFlight).toBe(1);
    const reader = res.body!.getReader();
    src.push('data: {"choices":[]}\n\n');
    await readChunks(reader, 1);
    expect(lc.cut(false)).toBe(1);
    expect(await rest(reader)).toContain('aiproxy is shutting down');
    expect(lc.inFlight).toBe(0);
  });
});
