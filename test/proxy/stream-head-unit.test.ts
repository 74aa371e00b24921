/**
 * How readStreamHead judges a stream's opening from its bytes: what counts as only the opening, what is
 * content, and that a refusal is found however the upstream framed or split it.
 */
import { describe, expect, test } from 'bun:test';
import { codecs, type Protocol } from '../../src/protocols/index.ts';
import { readStreamHead } from '../../src/proxy/stream-head.ts';

const encoder = new TextEncoder();
const TIMING = { idleMs: 300_000, keepaliveMs: 15_000 };

/** A stream of these chunks, then one that never comes: a head that reads past them waits out its time. */
function upstream(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(encoder.encode(chunks[i++]!));
      else return new Promise(() => {});
    },
  });
}

async function head(protocol: Protocol, chunks: string[], timing = TIMING) {
  const opened = await readStreamHead(upstream(chunks), protocol, () => codecs[protocol].createStreamDecoder(), timing);
  opened.held.reader.cancel().catch(() => {});
  return { error: opened.error, held: opened.held.head.length, pending: opened.held.pending !== undefined };
}

const ev = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
const MESSAGE_START = ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 1, output_tokens: 0 } } });
const OVERLOADED = ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
const TEXT_START = ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });

describe('readStreamHead', () => {
  test('Anthropic: reads past message_start and ping to the refusal', async () => {
    const r = await head('anthropic', [MESSAGE_START, ev('ping', {}), OVERLOADED]);
    expect(r.error).toMatchObject({ kind: 'overloaded' });
  });

  test('Anthropic: the refusal split across chunks is still found', async () => {
    const whole = MESSAGE_START + OVERLOADED;
    const r = await head('anthropic', [whole.slice(0, 30), whole.slice(30, whole.length - 20), whole.slice(whole.length - 20)]);
    expect(r.error).toMatchObject({ kind: 'overloaded' });
  });

  test('Anthropic: content ends the wait, even when its text mentions an error', async () => {
    expect(await head('anthropic', [MESSAGE_START, TEXT_START])).toEqual({ error: undefined, held: 2, pending: false });
    const delta = ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'a syntax error on line 3' } });
    expect(await head('anthropic', [MESSAGE_START + TEXT_START + delta])).toEqual({ error: undefined, held: 1, pending: false });
  });

  test('an event name cut by the chunk’s end counts as content: the stream goes out', async () => {
    expect(await head('anthropic', ['event: mess', 'age_start\n'])).toEqual({ error: undefined, held: 1, pending: false });
  });

  test('Chat Completions: comments are waited past (OpenRouter), the first data decides', async () => {
    const r = await head('openai', [': OPENROUTER PROCESSING\n\n', `data: ${JSON.stringify({ error: { message: 'Provider returned error', code: 502 } })}\n\n`]);
    expect(r.error).toMatchObject({ status: 502 });
    const chunk = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`;
    expect(await head('openai', [chunk])).toEqual({ error: undefined, held: 1, pending: false });
  });

  test('a Responses stream without event: lines goes out at its first data', async () => {
    const created = `data: ${JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'r', status: 'in_progress', output: [] } })}\n\n`;
    expect(await head('responses', [created])).toEqual({ error: undefined, held: 1, pending: false });
  });

  test('an opening with nothing after it is waited for only within keepalive_ms', async () => {
    const r = await head('anthropic', [MESSAGE_START], { idleMs: 300_000, keepaliveMs: 50 });
    expect(r).toEqual({ error: undefined, held: 1, pending: true });
  });

  test('a stream that ends or breaks with nothing but its opening is a 502 before the stream', async () => {
    const ended = (chunks: string[], fail?: Error) => {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (i < chunks.length) c.enqueue(encoder.encode(chunks[i++]!));
          else if (fail) c.error(fail);
          else c.close();
        },
      });
    };
    const judge = async (body: ReadableStream<Uint8Array>, protocol: Protocol = 'anthropic') =>
      (await readStreamHead(body, protocol, () => codecs[protocol].createStreamDecoder(), TIMING)).error;
    expect(await judge(ended([MESSAGE_START, ev('ping', {})]))).toMatchObject({ status: 502, message: 'upstream ended the stream before its first content' });
    expect(await judge(ended([]), 'openai')).toMatchObject({ status: 502 });
    expect(await judge(ended([': OPENROUTER PROCESSING\n\n'], new Error('socket reset')), 'openai')).toMatchObject({
      status: 502,
      message: "upstream connection broke off before the stream's first content: socket reset",
    });
    // A bare JSON error body sent as the stream is no opening: the stream reports it (stream-error-dialects).
    expect(await judge(ended(['{"error":{"code":400,"message":"too long"}}']), 'openai')).toBeUndefined();
  });

  test('an error sent without its event name beside message_start is found when the stream ends there', async () => {
    const dataOnly = `data: ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' } })}\n\n`;
    const ended = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode(MESSAGE_START + dataOnly));
        c.close();
      },
    });
    const opened = await readStreamHead(ended, 'anthropic', () => codecs.anthropic.createStreamDecoder(), TIMING);
    expect(opened.error).toMatchObject({ status: 400, message: expect.stringContaining('prompt is too long') });
  });
});
