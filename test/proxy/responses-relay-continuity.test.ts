import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI, { APIError } from 'openai';
import type { ProxyErrorInfo } from '../../src/core/errors.ts';
import { controlOf } from '../../src/proxy/stream-control.ts';
import { relayStream } from '../../src/proxy/stream-pipeline.ts';
import { parseSSE } from '../../src/util/sse.ts';
import { manualSource, readRest } from '../helpers/manual-stream.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

/**
 * A relayed Responses stream (Responses client → openaiResponses-custom) that fails: the `error` and
 * `response.failed` aiproxy appends continue the upstream's numbering and name its response, as
 * OpenAI's own would, rather than starting over at sequence_number 0 with a response of their own.
 */
interface Event {
  type: string;
  sequence_number: number;
  response?: { id: string; created_at: number; model: string; status: string };
}
const eventsOf = (text: string): Event[] => parseSSE(text).map((m) => JSON.parse(m.data) as Event);

const ID = 'resp_0c8e7f6a5b4c3d2e1f';
const CREATED_AT = 1754400000;
const MODEL = 'gpt-5-codex-2025-09-15';

function frame(data: Record<string, unknown>, named: boolean): string {
  return `${named ? `event: ${data.type as string}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

/**
 * A stream as OpenAI sends one to Codex: response.created echoes the request's (long) instructions, and
 * many deltas follow, enough that the start has left the end-of-stream window when it is cut.
 */
function opening(named: boolean, deltas: number): string[] {
  const response = (status: string) => ({ id: ID, object: 'response', created_at: CREATED_AT, status, instructions: 'You are Codex. '.repeat(8000), model: MODEL, output: [] });
  let seq = 0;
  const out = [frame({ type: 'response.created', sequence_number: seq++, response: response('in_progress') }, named)];
  out.push(frame({ type: 'response.in_progress', sequence_number: seq++, response: response('in_progress') }, named));
  out.push(frame({ type: 'response.output_item.added', sequence_number: seq++, output_index: 0, item: { id: 'msg_1', type: 'message', status: 'in_progress', content: [], role: 'assistant' } }, named));
  for (let i = 0; i < deltas; i++) {
    out.push(frame({ type: 'response.output_text.delta', sequence_number: seq++, item_id: 'msg_1', output_index: 0, content_index: 0, delta: `word ${i} "sequence_number":0 `.repeat(20) }, named));
  }
  return out;
}

/** The text split into chunks of `size` bytes, as a slow upstream's would arrive. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function expectContinued(text: string, lastSeq: number): void {
  const events = eventsOf(text);
  const [error, failed] = events.slice(-2);
  expect([error!.type, failed!.type]).toEqual(['error', 'response.failed']);
  expect([error!.sequence_number, failed!.sequence_number]).toEqual([lastSeq + 1, lastSeq + 2]);
  expect(failed!.response).toMatchObject({ id: ID, created_at: CREATED_AT, model: MODEL, status: 'failed' });
  // Numbering strictly increasing over the whole stream, as a client reordering by it expects.
  const seqs = events.map((e) => e.sequence_number);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
}

describe('relayStream of a Responses stream that fails', () => {
  const OPTS = { protocol: 'responses' as const, format: 'sse' as const, idleMs: 0, keepaliveMs: 0 };

  for (const named of [true, false]) {
    test(`ended early by the upstream (${named ? 'with' : 'without'} event: lines): the failure continues the response`, async () => {
      const src = manualSource();
      const body = relayStream(src.stream, OPTS);
      const frames = opening(named, 300);
      // response.created arrives over several chunks (its instructions are ~100 KB).
      for (const p of pieces(frames.join(''), 16 * 1024)) src.push(p);
      src.close();
      const text = await readRest(body.getReader(), 1000);
      expectContinued(text, frames.length - 1);
    });
  }

  // SSE allows any mix of CRLF, LF and CR, and a BOM first; none may cost the failure its response's id.
  for (const [name, named, reframe] of [
    ['blank lines of mixed line endings (CRLF then CR)', true, (f: string) => `${f.slice(0, -2).replace(/\n/g, '\r\n')}\r\n\r`],
    ['a BOM before a first event without an event: line', false, (f: string, i: number) => (i === 0 ? `\uFEFF${f}` : f)],
  ] as const) {
    test(`ended early, ${name}: the failure still names the response`, async () => {
      const src = manualSource();
      const body = relayStream(src.stream, OPTS);
      const frames = opening(named, 3).map((f, i) => reframe(f, i));
      src.push(frames.join(''));
      src.close();
      const text = (await readRest(body.getReader())).replace(/^\uFEFF/, '');
      const failed = eventsOf(text).at(-1)!;
      expect(failed.type).toBe('response.failed');
      expect(failed.sequence_number).toBe(frames.length + 1);
      expect(failed.response).toMatchObject({ id: ID, created_at: CREATED_AT, model: MODEL });
    });
  }

  test('the stream broken right after a whole response.created that lacks its blank line: the same', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, OPTS);
    src.push(opening(true, 0)[0]!.trimEnd());
    src.close();
    const failed = eventsOf(await readRest(body.getReader())).at(-1)!;
    expect(failed.response).toMatchObject({ id: ID, model: MODEL });
  });

  test('cut by the server (shutdown) mid-stream: the same', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, OPTS);
    const reader = body.getReader();
    const frames = opening(true, 5);
    src.push(frames.join(''));
    await reader.read();
    const error: ProxyErrorInfo = { status: 503, kind: 'overloaded', message: 'aiproxy is shutting down' };
    expect(controlOf(body)!.cut(error, false)).toBe(true);
    expectContinued(frames.join('') + (await readRest(reader)), frames.length - 1);
  });

  test('cut before response.created is whole: numbered on from what was relayed, without a response to name', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, OPTS);
    src.push('event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_');
    src.close();
    const text = await readRest(body.getReader());
    const [error, failed] = parseSSE(text)
      .slice(-2)
      .map((m) => JSON.parse(m.data) as Event);
    expect([error!.type, failed!.type]).toEqual(['error', 'response.failed']);
    expect([error!.sequence_number, failed!.sequence_number]).toEqual([1, 2]);
  });
});

describe('a Responses client relayed to openaiResponses-custom whose upstream cuts the stream', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack('openaiResponses-custom');
  });
  afterAll(() => s.stop());

  test('the appended error and response.failed continue the sequence and name the upstream’s response', async () => {
    s.openai.queue({ text: 'one two three four five six', truncateAfter: 3 });
    const res = await fetch(`${s.proxy.url}/openaiResponses-custom/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5-codex', input: 'hi', stream: true }),
    });
    const events = eventsOf(await res.text());
    const created = events[0]!;
    expect(created.type).toBe('response.created');
    const relayed = events.slice(0, -2);
    expectContinuedFrom(events, relayed.at(-1)!.sequence_number, created.response!);
  });

  test('the openai SDK’s stream helper still reads the renumbered events and raises the failure', async () => {
    s.openai.queue({ text: 'one two three four five six', truncateAfter: 3 });
    const client = new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/openaiResponses-custom/v1`, maxRetries: 0 });
    const err = await client.responses
      .stream({ model: 'gpt-5-codex', input: 'hi' })
      .finalResponse()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(APIError);
    expect((err as Error).message).toContain('truncated');
  });
});

function expectContinuedFrom(events: Event[], lastSeq: number, created: NonNullable<Event['response']>): void {
  const [error, failed] = events.slice(-2);
  expect([error!.type, failed!.type]).toEqual(['error', 'response.failed']);
  expect([error!.sequence_number, failed!.sequence_number]).toEqual([lastSeq + 1, lastSeq + 2]);
  expect(failed!.response).toMatchObject({ id: created.id, created_at: created.created_at, model: created.model, status: 'failed' });
}
