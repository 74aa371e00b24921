import { describe, expect, test } from 'bun:test';
import { jsonArrayBoundary, sseBoundary } from '../../src/proxy/event-boundary.ts';
import { StreamClock } from '../../src/proxy/stream-clock.ts';
import { StreamTail } from '../../src/proxy/stream-tail.ts';
import { jsonDepthExceeds } from '../../src/util/json-depth.ts';
import { Logger } from '../../src/util/log.ts';
import { runInRequest } from '../../src/util/request-context.ts';
import { eventually } from '../helpers/stack.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('jsonDepthExceeds', () => {
  test('counts nesting outside strings only, escapes included', () => {
    expect(jsonDepthExceeds('[[[1]]]', 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[1]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[{{{{' }), 2)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: 'a\\"[[[[[' }), 2)).toBe(false);
    expect(jsonDepthExceeds('{"a":"\\\\"}', 1)).toBe(false);
    expect(jsonDepthExceeds('['.repeat(100_000), 64)).toBe(true);
  });
});

describe('event boundaries', () => {
  test('SSE: only after a blank line (LF, CRLF or CR)', () => {
    const b = sseBoundary();
    expect(b.atBoundary()).toBe(true);
    b.push(bytes('data: {"a"'));
    expect([b.atBoundary(), b.lead()]).toEqual([false, '\n\n']);
    b.push(bytes(':1}\n'));
    expect([b.atBoundary(), b.lead()]).toEqual([false, '\n']);
    b.push(bytes('\n'));
    expect(b.atBoundary()).toBe(true);
    b.push(bytes('data: x\r\n\r\n'));
    expect(b.atBoundary()).toBe(true);
  });

  test('JSON array: between elements, never inside a string that looks like a boundary', () => {
    const b = jsonArrayBoundary();
    expect(b.lead()).toBe('[');
    b.push(bytes('['));
    expect([b.atBoundary(), b.lead()]).toEqual([true, '']);
    b.push(bytes('{"t":"a}, {\\"b'));
    expect(b.atBoundary()).toBe(false);
    b.push(bytes('"}'));
    expect([b.atBoundary(), b.lead()]).toEqual([true, ',']);
    b.push(bytes(',\r\n{"n":{"m":[1]}'));
    expect(b.atBoundary()).toBe(false);
    b.push(bytes('}'));
    expect(b.atBoundary()).toBe(true);
  });
});

describe('StreamTail: a clean end is not always a complete stream', () => {
  const tail = (...chunks: string[]): StreamTail => {
    const t = new StreamTail();
    for (const c of chunks) t.push(bytes(c));
    return t;
  };
  test('each protocol’s end marker, an upstream error, and their absence', () => {
    expect(tail('data: {"a":1}\n\n', 'data: [DONE]\n\n').complete('openai', 'sse')).toBe(true);
    expect(tail('data: {"a":1}\n\n').complete('openai', 'sse')).toBe(false);
    expect(tail('data: {"error":{"message":"x"}}\n\n').complete('openai', 'sse')).toBe(true);
    expect(tail('event: message_stop\ndata: {"type":"message_stop"}\n\n', ': trailing comment\n\n').complete('anthropic', 'sse')).toBe(true);
    expect(tail('event: content_block_delta\ndata: {}\n\n').complete('anthropic', 'sse')).toBe(false);
    expect(tail('event: error\ndata: {"type":"error"}\n\n').complete('anthropic', 'sse')).toBe(true);
    expect(tail('data: {"candidates":[{"finishReason":"STOP"}]}\r\n\r\n').complete('gemini', 'sse')).toBe(true);
    expect(tail('data: {"candidates":[{"content":{}}]}\n\n').complete('gemini', 'sse')).toBe(false);
    expect(tail('data: {"promptFeedback":{"blockReason":"SAFETY"}}\n\n').complete('gemini', 'sse')).toBe(true);
    expect(tail('[{"a":1}', ',\r\n{"b":2}]\n').complete('gemini', 'json-array')).toBe(true);
    expect(tail('[{"a":1}').complete('gemini', 'json-array')).toBe(false);
    expect(tail('').complete('openai', 'sse')).toBe(false);
  });

  test('a Responses stream ends with its final event, named by the event line or only by the data type', () => {
    expect(tail('event: response.output_text.delta\ndata: {}\n\n', 'event: response.completed\ndata: {"type":"response.completed"}\n\n').complete('responses', 'sse')).toBe(true);
    expect(tail('data: {"type":"response.incomplete","response":{}}\n\n').complete('responses', 'sse')).toBe(true);
    expect(tail('event: response.output_text.delta\ndata: {"type":"response.output_text.delta"}\n\n').complete('responses', 'sse')).toBe(false);
    // A failed response is complete, and what the request's log line reports is its error.
    const failed = tail('event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"boom"}}}\n\n');
    expect(failed.complete('responses', 'sse')).toBe(true);
    expect(failed.error).toBe('boom');
    const completed = tail('event: response.completed\ndata: {"type":"response.completed"}\n\n');
    completed.complete('responses', 'sse');
    expect(completed.error).toBeUndefined();
  });

  test('a last event split over chunks, or followed by many comments, is judged whole', () => {
    const x = 'x'.repeat(700);
    // The marker sits in an early chunk of a long last event: the last chunks alone do not show it.
    expect(tail('data: {"a":1}\n\n', 'data: {"candidates":[{"finishReason":"STOP","text":"', x, '"}]}\n\n').complete('gemini', 'sse')).toBe(true);
    expect(tail('data: {"a":1}\n\n', 'data: {"candidates":[{"text":"', x, '"}]}\n\n').complete('gemini', 'sse')).toBe(false);
    const pings = Array.from({ length: 100 }, () => ': ping\n\n');
    expect(tail('event: message_stop\ndata: {"type":"message_stop"}\n\n', ...pings).complete('anthropic', 'sse')).toBe(true);
    expect(tail('event: content_block_delta\ndata: {}\n\n', ...pings).complete('anthropic', 'sse')).toBe(false);
    expect(tail(`data: {"c":"${x}"}\n\n`, 'data: [DONE]\n\n').complete('openai', 'sse')).toBe(true);
    expect(tail('data: [DONE]\n\n', `data: {"c":"${x}"}\n\n`).complete('openai', 'sse')).toBe(false);
    expect(tail('[{"a":1}]', '\r\n', '  ').complete('gemini', 'json-array')).toBe(true);
    expect(tail('[{"a":"]"}', '\r\n').complete('gemini', 'json-array')).toBe(false);
  });

  test('a last event longer than the window is given the benefit of the doubt', () => {
    const t = new StreamTail();
    t.push(bytes('data: {"choices":[{"delta":{"content":"'));
    for (let i = 0; i < 20; i++) t.push(bytes('x'.repeat(8192)));
    expect(t.complete('gemini', 'sse')).toBe(true);
  });
});

describe('StreamClock', () => {
  test('idle fires only while a read is pending; keep-alives at the interval; stop() leaves nothing behind', async () => {
    let idle = 0;
    let keepalive = 0;
    const clock = new StreamClock({ idleMs: 400, keepaliveMs: 30 }, { idle: () => idle++, keepalive: () => keepalive++, stalled: () => {} });
    await Bun.sleep(80); // no read pending: nothing counts
    expect([idle, keepalive]).toEqual([0, 0]);
    clock.readStarted();
    await Bun.sleep(100);
    expect(idle).toBe(0);
    expect(keepalive).toBeGreaterThanOrEqual(1);
    clock.readEnded();
    clock.readStarted();
    await eventually(() => idle === 1, 2000);
    const after = keepalive;
    await Bun.sleep(80);
    expect(keepalive).toBe(after); // stopped by the idle deadline

    const quiet = new StreamClock({ idleMs: 30, keepaliveMs: 10 }, { idle: () => idle++, keepalive: () => keepalive++, stalled: () => {} });
    quiet.readStarted();
    quiet.stop();
    await Bun.sleep(60);
    expect(idle).toBe(1);
  });

  test('a client that asks for nothing for idleMs after a read (what was read waits for it) is given up; one that asks now and then is not', async () => {
    const idleMs = 150;
    let stalledAt = 0;
    let idle = 0;
    let keepalive = 0;
    const handlers = { idle: () => idle++, keepalive: () => keepalive++, stalled: () => (stalledAt = performance.now()) };
    const stalled = new StreamClock({ idleMs, keepaliveMs: 40 }, handlers);
    stalled.readStarted();
    await Bun.sleep(20);
    stalled.readEnded();
    const heldFrom = performance.now();
    await eventually(() => stalledAt > 0, 2000);
    // Never sooner than idleMs after the client stopped asking, at most about twice that.
    expect(stalledAt - heldFrom).toBeGreaterThanOrEqual(idleMs - 1);
    expect(stalledAt - heldFrom).toBeLessThan(3 * idleMs);
    expect(idle).toBe(0);
    const keepalives = keepalive;
    await Bun.sleep(100);
    expect(keepalive).toBe(keepalives); // stopped: nothing fires after

    // A slow but steady client: asks again within idleMs each time, over many times idleMs.
    stalledAt = 0;
    const steady = new StreamClock({ idleMs, keepaliveMs: 0 }, handlers);
    for (let i = 0; i < 12; i++) {
      steady.readStarted();
      await Bun.sleep(5);
      steady.readEnded();
      await Bun.sleep(idleMs - 40);
    }
    expect(stalledAt).toBe(0);
    // A read pending on a slow upstream is the idle deadline's, not this: the client is waiting.
    steady.readStarted();
    await eventually(() => idle === 1, 2000);
    expect(stalledAt).toBe(0);

    // Without an idle deadline (idle_ms 0) nothing is given up.
    const unlimited = new StreamClock({ idleMs: 0, keepaliveMs: 20 }, handlers);
    unlimited.readStarted();
    unlimited.readEnded();
    await Bun.sleep(100);
    unlimited.stop();
    expect(stalledAt).toBe(0);
  });
});

describe('Logger', () => {
  test('json lines carry the request id; secrets are blanked out; fields cannot forge the level', () => {
    const lines: string[] = [];
    const log = new Logger('info', (l) => lines.push(l), 'json');
    log.setSecrets(['sk-very-secret-key', 'short']);
    runInRequest({ id: 'req_1', upstreamMs: 0 }, () => log.warn('upstream said sk-very-secret-key', { level: 'debug', n: 1, short: 'short' }));
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'warn', msg: 'upstream said [redacted]', rid: 'req_1', n: 1, short: 'short' });
    log.setFormat('text');
    log.info('plain', { a: 'x y' });
    expect(lines[1]).toMatch(/ INFO  plain a="x y"$/);
  });

  test('secrets are blanked out of every string value, in both formats, even where quoting would escape them', () => {
    const lines: string[] = [];
    const log = new Logger('info', (l) => lines.push(l), 'text');
    // A key with a quote: in a finished JSON line it would read a\"b…, no longer the configured text.
    log.setSecrets(['sk-very-secret-key', 'a"b-secret-value']);
    const fields = { error: 'upstream echoed a"b-secret-value back', model: 'sk-very-secret-key', n: 12345678 };
    log.warn('request', fields);
    log.setFormat('json');
    log.warn('request', fields);
    expect(lines[0]).not.toContain('secret');
    expect(lines[0]).toContain('error="upstream echoed [redacted] back" model=[redacted] n=12345678');
    expect(JSON.parse(lines[1]!)).toMatchObject({ error: 'upstream echoed [redacted] back', model: '[redacted]', n: 12345678 });
    expect(lines[1]).not.toContain('secret');
  });
});
