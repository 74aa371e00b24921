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

  test('an event cut by a chunk’s end is read whole with the next: its name, its line end, its data', async () => {
    // Judged as when it came in one chunk: a refusal found, content going out at once.
    const whole = MESSAGE_START + OVERLOADED;
    const at = MESSAGE_START.length;
    for (const cut of [at + 'event: er'.length, at + 'event: error'.length, at + 'event: error\n'.length, at + 'event: error\ndata: {"type":"err'.length]) {
      expect((await head('anthropic', [whole.slice(0, cut), whole.slice(cut)])).error).toMatchObject({ kind: 'overloaded' });
    }
    const nameCut = [MESSAGE_START.slice(0, 'event: mess'.length), MESSAGE_START.slice('event: mess'.length)];
    expect(await head('anthropic', [nameCut[0]!, nameCut[1]! + TEXT_START])).toEqual({ error: undefined, held: 2, pending: false });
    // An opening whose name was cut is still only the opening: waited past.
    expect(await head('anthropic', nameCut, { idleMs: 300_000, keepaliveMs: 50 })).toEqual({ error: undefined, held: 2, pending: true });
  });

  test('Chat Completions: `event: error` in one chunk and its data in the next, or the data cut inside, is the refusal', async () => {
    const data = `data: ${JSON.stringify({ message: 'Service Unavailable', code: 503 })}\n\n`;
    expect((await head('openai', ['event: error\n', data])).error).toMatchObject({ status: 503 });
    const error = `data: ${JSON.stringify({ error: { message: 'Provider returned error', code: 502 } })}\n\n`;
    for (const cut of [2, 'data: {"err'.length]) expect((await head('openai', [error.slice(0, cut), error.slice(cut)])).error).toMatchObject({ status: 502 });
  });

  test('lines that end in CR only: a refusal split so is found, an opening that ends so is a 502', async () => {
    const cr = (s: string) => s.replaceAll('\n', '\r');
    expect((await head('anthropic', [cr(MESSAGE_START) + 'event: error', cr(OVERLOADED.slice('event: error'.length))])).error).toMatchObject({ kind: 'overloaded' });
    expect((await head('openai', ['event: error\r', cr(`data: ${JSON.stringify({ message: 'busy', code: 503 })}\n\n`)])).error).toMatchObject({ status: 503 });
    const ended = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode(cr(MESSAGE_START)));
        c.enqueue(encoder.encode(cr(ev('ping', {}))));
        c.close();
      },
    });
    const opened = await readStreamHead(ended, 'anthropic', () => codecs.anthropic.createStreamDecoder(), TIMING);
    expect(opened.error).toMatchObject({ status: 502, message: 'upstream ended the stream before its first content' });
  });

  test('Chat Completions: comments are waited past (OpenRouter), the first data decides', async () => {
    const r = await head('openai', [': OPENROUTER PROCESSING\n\n', `data: ${JSON.stringify({ error: { message: 'Provider returned error', code: 502 } })}\n\n`]);
    expect(r.error).toMatchObject({ status: 502 });
    const chunk = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] })}\n\n`;
    expect(await head('openai', [chunk])).toEqual({ error: undefined, held: 1, pending: false });
  });

  test('Chat Completions: a chunk with only the role is opening: the refusal after it is found, content after it goes out at once', async () => {
    const role = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`;
    const refusal = `data: ${JSON.stringify({ error: { message: 'Rate limit exceeded', type: 'rate_limit_error', code: 429 } })}\n\n`;
    expect((await head('openai', [role, refusal])).error).toMatchObject({ status: 429, kind: 'rate_limit' });
    expect((await head('openai', [role + refusal])).error).toMatchObject({ status: 429 });
    const text = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] })}\n\n`;
    // Not waited out: the content's chunk ends the opening (pending: no read left for the pump).
    expect(await head('openai', [role, text])).toEqual({ error: undefined, held: 2, pending: false });
    expect(await head('openai', [role + text])).toEqual({ error: undefined, held: 1, pending: false });
    const empty = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: '' }, finish_reason: null }] })}\n\n`;
    expect((await head('openai', [empty, refusal])).error).toMatchObject({ status: 429 });
  });

  test('Chat Completions: Azure’s prompt_filter_results chunk (no choices) is opening, as the role chunk is', async () => {
    const filter = `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}\n\n`;
    const role = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, content_filter_results: {} }] })}\n\n`;
    const refusal = `data: ${JSON.stringify({ error: { message: 'Rate limit exceeded', type: 'rate_limit_error', code: 429 } })}\n\n`;
    expect((await head('openai', [filter, refusal])).error).toMatchObject({ status: 429 });
    expect((await head('openai', [filter, role, refusal])).error).toMatchObject({ status: 429 });
    expect((await head('openai', [filter + refusal])).error).toMatchObject({ status: 429 });
    // Content after it still goes out at once.
    const text = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] })}\n\n`;
    expect(await head('openai', [filter, text])).toEqual({ error: undefined, held: 2, pending: false });
  });

  test('Chat Completions: [DONE] after chunks that held no choice is the failure before the stream, not an empty 200', async () => {
    const filter = `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}\n\n`;
    const noChoice = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [] })}\n\n`;
    const done = 'data: [DONE]\n\n';
    expect((await head('openai', [filter, done])).error).toMatchObject({ status: 502, message: expect.stringContaining('before any answer came') });
    expect((await head('openai', [noChoice, noChoice, done])).error).toMatchObject({ status: 502 });
    // A whole short answer in one read, [DONE] included, is content.
    const text = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] })}\n\n`;
    expect(await head('openai', [text + done])).toEqual({ error: undefined, held: 1, pending: false });
  });

  test('Responses: words in response.created’s echoed instructions ("event:", "error") are not read as events', async () => {
    const created = ev('response.created', { response: { id: 'r', status: 'in_progress', instructions: 'When an event: build fails, report the error and its cause.', output: [] } });
    const failed = ev('response.failed', { response: { id: 'r', status: 'failed', error: { code: 'server_error', message: 'Selected model is at capacity' } } });
    expect((await head('responses', [created, failed])).error).toBeDefined();
    expect((await head('responses', [created + failed])).error).toBeDefined();
    // Still waited past as the opening it is: content after it goes out at once.
    const delta = ev('response.output_text.delta', { item_id: 'm', output_index: 0, content_index: 0, delta: 'Hi' });
    expect(await head('responses', [created, delta])).toEqual({ error: undefined, held: 2, pending: false });
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
    // A bare JSON error body sent as the stream, with or without its line break, is read as the error it
    // is (a 400 no other member would answer otherwise stays in the stream: stream-error-dialects).
    expect(await judge(ended(['{"error":{"code":400,"message":"too long"}}']), 'openai')).toMatchObject({ status: 400, message: 'too long' });
    expect(await judge(ended(['{"error":{"code":503,', '"message":"busy"}}\n']), 'openai')).toMatchObject({ status: 503, message: 'busy' });
    // Bytes that are no SSE are not called an empty stream: the stream reports them.
    expect(await judge(ended(['Internal Server Error']), 'openai')).toBeUndefined();
  });

  test('an error sent without its event name in the same read as message_start is found at once, the stream still open', async () => {
    const dataOnly = `data: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`;
    // Not waited out (within keepalive_ms the opening would go out as it is, the error in-band).
    const slow = { idleMs: 300_000, keepaliveMs: 5_000 };
    const started = Date.now();
    expect(await head('anthropic', [MESSAGE_START + dataOnly], slow)).toEqual({ error: expect.objectContaining({ kind: 'overloaded' }), held: 1, pending: false });
    expect(await head('anthropic', [MESSAGE_START + ev('ping', {}) + dataOnly], slow)).toMatchObject({ error: { kind: 'overloaded' } });
    expect(Date.now() - started).toBeLessThan(2_000);
    // An opening that only mentions no error is still waited past, its content going out at once.
    expect(await head('anthropic', [MESSAGE_START, TEXT_START])).toEqual({ error: undefined, held: 2, pending: false });
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
