import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { eventually } from '../helpers/stack.ts';
import { openaiChunk, openaiStream, SSE_HEAD, startFaultServer, type FaultConnection, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

/**
 * The faults of issue 8, one test each, against an upstream that misbehaves on purpose. Every test
 * checks what the client sees, that the upstream call is over (socket closed), that nothing is left
 * in flight, and that the next request is served normally.
 */
let up: FaultServer;
let proxy: TestProxy;
const UPSTREAM_KEY = 'sk-fault-upstream-key-0123456789';

beforeAll(async () => {
  up = await startFaultServer(healthy);
  proxy = await startProxy([
    '--model-provider', 'openai-custom',
    '--openai-base-url', `${up.url}/v1`, '--openai-api-key', UPSTREAM_KEY,
    '--headers-timeout-ms', '500', '--idle-timeout-ms', '500', '--keepalive-ms', '0',
  ]);
});
afterAll(async () => {
  await proxy.stop();
  await up.stop();
});

/** A well-behaved upstream: a JSON completion, or a complete stream. */
function healthy(c: FaultConnection): void {
  const stream = JSON.parse(c.request.body || '{}').stream === true;
  if (stream) {
    c.head(200, SSE_HEAD);
    c.write(openaiStream('fine'));
  } else {
    const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    c.head(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    c.write(body);
  }
  c.socket.end();
}

type Client = 'openai' | 'anthropic';

/** OpenAI clients are relayed byte for byte; Anthropic clients to the same upstream are converted. */
function request(client: Client, stream: boolean, signal?: AbortSignal): Promise<Response> {
  const body =
    client === 'openai'
      ? { model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] }
      : { model: 'gpt-4o', max_tokens: 64, stream, messages: [{ role: 'user', content: 'hi' }] };
  return fetch(`${proxy.url}${client === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
    signal,
  });
}

/** The fault is over: upstream sockets closed, nothing in flight, and a normal request works again. */
async function recovered(): Promise<void> {
  up.setScript(healthy);
  await eventually(() => up.open === 0 && proxy.app.lifecycle.inFlight === 0, 10_000);
  const res = await request('openai', false);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('fine');
  await eventually(() => up.open === 0, 10_000);
}

/** The last SSE event's data as JSON. */
function lastData(text: string): Record<string, unknown> {
  const datas = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  return JSON.parse(datas.filter((d) => d !== '[DONE]').at(-1)!) as Record<string, unknown>;
}

describe('upstream faults', () => {
  test('refused connection: 502 in the client protocol, naming the host and not the key', async () => {
    const dead = await startFaultServer(() => {});
    const port = dead.port;
    await dead.stop();
    const p = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `http://127.0.0.1:${port}/v1`, '--openai-api-key', UPSTREAM_KEY]);
    try {
      const res = await fetch(`${p.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': p.key, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(502);
      const body = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(body.type).toBe('error');
      expect(body.error.message).toContain(`could not reach upstream 127.0.0.1:${port}`);
      expect(JSON.stringify(body)).not.toContain(UPSTREAM_KEY);
    } finally {
      await p.stop();
    }
  });

  test('reset mid-stream: the partial stream ends with an in-band error (relay and conversion)', async () => {
    up.setScript(async (c) => {
      c.head(200, { ...SSE_HEAD, 'transfer-encoding': 'chunked' });
      const frame = openaiChunk('partial');
      c.write(`${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n`);
      await Bun.sleep(30);
      c.socket.resetAndDestroy();
    });
    const relayed = await (await request('openai', true)).text();
    expect(relayed).toContain('partial');
    expect(lastData(relayed)).toMatchObject({ error: { message: expect.stringContaining('broke off mid-stream') } });

    const converted = await (await request('anthropic', true)).text();
    expect(converted).toContain('"text":"partial"');
    expect(converted).toContain('event: error');
    expect(lastData(converted)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    await recovered();
  });

  test('truncated stream without its terminator: an in-band error, not a silent end', async () => {
    up.setScript((c) => {
      c.head(200, SSE_HEAD);
      c.write(openaiChunk('half an ans'));
      c.socket.end(); // a clean close: no [DONE], no finish_reason
    });
    const relayed = await (await request('openai', true)).text();
    expect(relayed).toContain('half an ans');
    expect(lastData(relayed)).toMatchObject({ error: { message: expect.stringContaining('truncated') } });

    const converted = await (await request('anthropic', true)).text();
    expect(converted).toContain('event: error');
    await recovered();
  });

  test('a server that never sends [DONE] after its finish_reason: relayed and converted as complete (oobabooga/textgen#4778)', async () => {
    const chunk = (o: object): string => `data: ${JSON.stringify({ id: 'chatcmpl-f', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', ...o })}\n\n`;
    const first = chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'whole answer' }, finish_reason: null }] });
    const usage = chunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    for (const tail of ['', usage]) {
      up.setScript((c) => {
        c.head(200, SSE_HEAD);
        c.write(first + openaiChunk('', 'stop') + tail);
        c.socket.end();
      });
      const sdk = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      const done = await sdk.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
      expect(done.choices[0]).toMatchObject({ message: { content: 'whole answer' }, finish_reason: 'stop' });

      const converted = await (await request('anthropic', true)).text();
      expect(converted).toContain('event: message_stop');
      expect(converted).not.toContain('event: error');
    }
    await recovered();
  });

  test('OpenRouter’s mid-stream error chunk (error beside choices, finish_reason "error"): the client gets that error alone', async () => {
    const chunk = { id: 'gen-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', provider: 'OpenAI', error: { code: 502, message: 'Provider disconnected unexpectedly' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] };
    up.setScript((c) => {
      c.head(200, SSE_HEAD);
      c.write(`: OPENROUTER PROCESSING\n\n${openaiChunk('half')}data: ${JSON.stringify(chunk)}\n\n`);
      c.socket.end();
    });
    const relayed = await (await request('openai', true)).text();
    expect(lastData(relayed)).toMatchObject({ error: { message: 'Provider disconnected unexpectedly' } });
    expect(relayed).not.toContain('truncated');

    const converted = await (await request('anthropic', true)).text();
    expect(lastData(converted)).toMatchObject({ type: 'error', error: { message: 'Provider disconnected unexpectedly' } });
    await recovered();
  });

  test('malformed SSE and invalid JSON in a chunk: the SDK raises an error, conversion ends in-band', async () => {
    up.setScript((c) => {
      c.head(200, SSE_HEAD);
      c.write(openaiChunk('ok so far'));
      c.write('data: {"choices": [ {not json\n\n');
      c.write(openaiStream('more'));
      c.socket.end();
    });
    const sdk = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const err = await (async () => {
      const stream = await sdk.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      for await (const _ of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);

    const converted = await (await request('anthropic', true)).text();
    expect(converted).toContain('"text":"ok so far"');
    expect(converted).toContain('event: error');
    expect(lastData(converted)).toMatchObject({ error: { message: expect.stringContaining('invalid stream event') } });
    await recovered();
  });

  test('a 200 with an HTML page is a 502 that says so, for a stream and a JSON request alike', async () => {
    up.setScript((c) => {
      c.head(200, { 'content-type': 'text/html; charset=utf-8' });
      c.write('<html><body><h1>Sign in to the corporate proxy</h1></body></html>');
      c.socket.end();
    });
    for (const [client, stream] of [['openai', true], ['openai', false], ['anthropic', true], ['anthropic', false]] as const) {
      const res = await request(client, stream);
      expect(res.status).toBe(502);
      expect(await res.text()).toContain('HTML page');
    }
    await recovered();
  });

  test('an empty 200 to a whole-answer request is a 502 that says so, relayed or converted (ben-vargas/ai-sdk-provider-opencode-sdk#21)', async () => {
    up.setScript((c) => {
      c.head(200, { 'content-type': 'application/json', 'content-length': '0' });
      c.socket.end();
    });
    // Relayed as it came, the openai SDK would throw a bare SyntaxError ("Unexpected end of JSON input").
    const sdk = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const err = await sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as Error).message).toContain('answered 200 with an empty body');
    const converted = await request('anthropic', false);
    expect(converted.status).toBe(502);
    expect(((await converted.json()) as { type: string }).type).toBe('error');
    await recovered();
  });

  test('an empty 200 without a stated length (chunked, or ended by close) is that 502 too; a chunked answer still goes whole (anomalyco/opencode#7889)', async () => {
    const sdk = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const ask = () => sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    for (const framing of ['chunked', 'close'] as const) {
      up.setScript((c) => {
        c.head(200, { 'content-type': 'application/json', ...(framing === 'chunked' ? { 'transfer-encoding': 'chunked' } : {}) });
        if (framing === 'chunked') c.write('0\r\n\r\n');
        c.socket.end();
      });
      // Relayed as it came, the openai SDK returned `undefined` for the completion, with no error.
      const err = await ask().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((err as Error).message).toContain('answered 200 with an empty body');
    }
    const whole = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'in pieces' }, finish_reason: 'stop' }] });
    up.setScript(async (c) => {
      c.head(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      // Whitespace first, as a server keeping a slow answer's connection alive sends it.
      for (const part of ['\n', whole.slice(0, 30), whole.slice(30)]) {
        c.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
        await Bun.sleep(10);
      }
      c.write('0\r\n\r\n');
      c.socket.end();
    });
    const res = await request('openai', false);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`\n${whole}`);
    await recovered();
  });

  test('a relayed whole answer without a stated length that sends nothing after its head is given up after timeouts.idle_ms, a 504', async () => {
    up.setScript((c) => {
      c.head(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      // and then silence, the connection kept open
    });
    const res = await request('openai', false);
    expect(res.status).toBe(504);
    expect(await res.text()).toContain('timeouts.idle_ms');
    await recovered();
  });

  test('an error page that is no JSON reaches a relayed client as its protocol’s error with the gist, status and headers kept (continuedev/continue#12769)', async () => {
    up.setScript((c) => {
      const page = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
      c.head(502, { 'content-type': 'text/html', 'content-length': String(page.length), 'x-ratelimit-remaining-requests': '41' });
      c.write(page);
      c.socket.end();
    });
    for (const stream of [false, true]) {
      const res = await request('openai', stream);
      expect(res.status).toBe(502);
      expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('41');
      expect(await res.json()).toEqual({ error: { message: 'upstream returned an HTML page: 502 Bad Gateway', type: 'server_error', param: null, code: null } });
    }
    await recovered();
  });

  test('hang before headers: 504 after timeouts.headers_ms, and the upstream call is abandoned', async () => {
    up.setScript(() => {}); // reads the request, never answers
    const abortedBefore = up.abortedByPeer;
    const started = performance.now();
    const res = await request('anthropic', true);
    expect(res.status).toBe(504);
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(((await res.json()) as { error: { type: string; message: string } }).error).toMatchObject({
      type: 'timeout_error',
      // The time configured (500 ms), not rounded to a whole second ("1 s"; 400 ms read "0 s").
      message: expect.stringContaining('within 0.5 s (timeouts.headers_ms)'),
    });
    await eventually(() => up.abortedByPeer > abortedBefore);
    await recovered();
  });

  test('hang mid-stream: an in-band timeout after timeouts.idle_ms, and the upstream is closed', async () => {
    up.setScript((c) => {
      c.head(200, SSE_HEAD);
      c.write(openaiChunk('and then'));
    });
    const relayed = await (await request('openai', true)).text();
    expect(relayed).toContain('and then');
    expect(lastData(relayed)).toMatchObject({ error: { message: expect.stringContaining('timeouts.idle_ms') } });
    const converted = await (await request('anthropic', true)).text();
    expect(lastData(converted)).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    await recovered();
  });

  /** A converted JSON answer whose body stops after `sent`: a 504 naming timeouts.idle_ms, the call aborted. */
  async function stallsMidBody(headers: Record<string, string>, sent: string): Promise<void> {
    up.setScript((c) => {
      c.head(200, headers);
      c.write(sent);
    });
    const abortedBefore = up.abortedByPeer;
    const converted = await request('anthropic', false, AbortSignal.timeout(10_000));
    expect(converted.status).toBe(504);
    expect(((await converted.json()) as { error: { type: string; message: string } }).error).toMatchObject({
      type: 'timeout_error',
      message: expect.stringContaining('timeouts.idle_ms'),
    });
    await eventually(() => up.abortedByPeer > abortedBefore);
    await recovered();
  }

  test('hang mid-body of a JSON answer that is converted: 504 after timeouts.idle_ms', async () => {
    const half = '{"id":"x","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"par';
    await stallsMidBody({ 'content-type': 'application/json' }, half);
  });

  test('hang mid-body of a JSON answer with a stated length (read whole): 504 after timeouts.idle_ms, the call aborted', async () => {
    const whole = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'partial' }, finish_reason: 'stop' }] });
    await stallsMidBody({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(whole)) }, whole.slice(0, 40));
  });

  test('a JSON answer whose connection breaks mid-body: a 502 saying so, converted or counted (not "not JSON", not an internal error)', async () => {
    const whole = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'partial' }, finish_reason: 'stop' }] });
    // A stated length (read whole by Bun) and chunks (read piece by piece): the reset comes before either ends.
    for (const framing of ['length', 'chunked'] as const) {
      up.setScript(async (c) => {
        const part = whole.slice(0, 40);
        if (framing === 'length') {
          c.head(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(whole)) });
          c.write(part);
        } else {
          c.head(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
          c.write(`${part.length.toString(16)}\r\n${part}\r\n`);
        }
        await Bun.sleep(20);
        c.socket.resetAndDestroy();
      });
      const res = await request('anthropic', false);
      expect(res.status).toBe(502);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toContain(`upstream 127.0.0.1:${up.port} broke off its answer`);
      expect(body.error.message).toContain('ECONNRESET');
    }
    // A token count an upstream of another protocol makes (Gemini's countTokens for an Anthropic client) was a 500.
    const gemini = await startProxy(['--model-provider', 'gemini-cli', '--gemini-base-url', up.url, '--gemini-api-key', 'AIzaSy-fault']);
    try {
      up.setScript(async (c) => {
        c.head(200, { 'content-type': 'application/json', 'content-length': '40' });
        c.write('{"totalTok');
        await Bun.sleep(20);
        c.socket.resetAndDestroy();
      });
      const res = await fetch(`${gemini.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: { 'x-api-key': gemini.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('broke off its answer: ECONNRESET');
    } finally {
      await gemini.stop();
    }
    await recovered();
  });

  test('an error status whose body stalls: the client gets a timeout, not a hang', async () => {
    up.setScript((c) => {
      c.head(500, { 'content-type': 'application/json' });
      c.write('{"error":{"message":"inter');
    });
    const res = await request('openai', false, AbortSignal.timeout(10_000));
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('timeouts.idle_ms');
    await recovered();
  });

  test('a very slow upstream, byte by byte: the answer arrives whole (the idle deadline is per silence, not total)', async () => {
    const answer = 'slow but steady 你好';
    up.setScript(async (c) => {
      c.head(200, SSE_HEAD);
      for (const byte of Buffer.from(openaiStream(answer))) {
        if (c.isClosed) return;
        c.write(Uint8Array.of(byte));
        await Bun.sleep(3);
      }
      c.socket.end();
    });
    const started = performance.now();
    const text = await (await request('openai', true)).text();
    expect(performance.now() - started).toBeGreaterThan(500); // longer than the idle deadline, in total
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const converted = await (await request('anthropic', true)).text();
    expect(converted).toContain('event: message_stop');
    const deltas = converted.split('\n').filter((l) => l.includes('text_delta')).map((l) => (JSON.parse(l.slice(6)) as { delta: { text: string } }).delta.text);
    expect(deltas.join('')).toBe(answer);
    await recovered();
  });

  test('a huge response streams through whole, and only as fast as the client reads (nothing is buffered whole)', async () => {
    const piece = openaiChunk('x'.repeat(8000));
    // ~128 MB. Loopback socket buffers, the test client's fetch and Bun's own hold 11-44 MB between them
    // (44 seen in a loaded CI run), depending on timing and on how large the chunks the relay gets are;
    // the answer must be far larger for the test to tell backpressure from buffering it whole.
    const count = 16_000;
    let written = 0;
    up.setScript(async (c) => {
      c.head(200, SSE_HEAD);
      for (let i = 0; i < count && !c.isClosed; i++) {
        written += piece.length;
        if (!c.socket.write(piece)) await new Promise((r) => c.socket.once('drain', r));
      }
      c.write(openaiChunk('', 'stop') + 'data: [DONE]\n\n');
      c.socket.end();
    });
    for (const client of ['openai', 'anthropic'] as const) {
      written = 0;
      const res = await request(client, true);
      // The client reads nothing yet: backpressure must reach the upstream, which then stops writing.
      await Bun.sleep(300);
      let before = -1;
      for (let i = 0; i < 20 && written !== before; i++) {
        before = written;
        await Bun.sleep(100);
      }
      try {
        expect(written).toBe(before);
        expect(written).toBeLessThan(count * piece.length * 0.6);
      } catch (e) {
        // Not left open on failure: the stream would keep the next tests from seeing nothing in flight.
        await res.body?.cancel();
        await recovered();
        throw e;
      }
      let bytes = 0;
      let tail = '';
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        // The terminator may straddle two reads: keep the end of the stream, not of one chunk.
        tail = (tail + new TextDecoder().decode(value.subarray(-400))).slice(-400);
      }
      expect(bytes).toBeGreaterThan(count * 8000);
      expect(tail).toContain(client === 'openai' ? 'data: [DONE]' : 'message_stop');
    }
    await recovered();
  });
});

describe('client faults', () => {
  test('disconnect before headers: the upstream call is aborted, nothing stays in flight', async () => {
    up.setScript(() => {}); // thinks forever
    const abortedBefore = up.abortedByPeer;
    const ac = new AbortController();
    const pending = request('openai', true, ac.signal).catch((e: unknown) => e);
    await eventually(() => up.open > 0);
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    await eventually(() => up.abortedByPeer > abortedBefore);
    await eventually(() => proxy.logs.some((l) => l.includes('status=499')));
    // Which upstream and model the client gave up on, as on any other line.
    const line = proxy.logs.find((l) => l.includes('status=499'))!;
    expect(line).toContain('provider=openai-custom');
    expect(line).toContain('model=');
    expect(line).toContain('error="client disconnected"');
    await recovered();
  });

  test('disconnect mid-stream: the upstream is closed for relay and conversion alike', async () => {
    up.setScript(async (c) => {
      c.head(200, SSE_HEAD);
      for (let i = 0; i < 200 && !c.isClosed; i++) {
        c.write(openaiChunk(`tick ${i} `));
        await Bun.sleep(20);
      }
      c.socket.end();
    });
    for (const client of ['openai', 'anthropic'] as const) {
      const abortedBefore = up.abortedByPeer;
      const ac = new AbortController();
      const res = await request(client, true, ac.signal);
      const reader = res.body!.getReader();
      await reader.read();
      await reader.read();
      ac.abort();
      await eventually(() => up.abortedByPeer > abortedBefore, 3000);
    }
    await recovered();
  });

  test('disconnect while a stream’s opening is read or a whole answer is converted: 499, and the account is not charged', async () => {
    // Claude Code's Esc before the first token: the stream's opening is held (stream-head.ts) or a
    // converted JSON answer is being read when the client leaves. The cut read is the client's doing:
    // counted as an upstream failure, a few such presses cooled a healthy account down.
    const member = proxy.app.context.pools.get('openai-custom')!.members[0]!;
    const cases: Array<[Client, boolean, (c: FaultConnection) => void]> = [
      ['openai', true, (c) => (c.head(200, SSE_HEAD), c.write(': opening\n\n'))],
      ['anthropic', true, (c) => (c.head(200, SSE_HEAD), c.write(': opening\n\n'))],
      ['anthropic', false, (c) => (c.head(200, { 'content-type': 'application/json', 'content-length': '500' }), c.write('{"id":"x","object":"chat.'))],
      // A stream request answered with a JSON body (an error, or `stream` ignored), read whole.
      ['openai', true, (c) => (c.head(200, { 'content-type': 'application/json', 'content-length': '500' }), c.write('{"error":{"mess'))],
    ];
    for (const [client, stream, script] of cases) {
      up.setScript(script);
      const lastError = member.state.lastError;
      const abortedBefore = up.abortedByPeer;
      const logsBefore = proxy.logs.length;
      const ac = new AbortController();
      const pending = request(client, stream, ac.signal).catch((e: unknown) => e);
      await eventually(() => up.open > 0);
      await Bun.sleep(150); // within the opening's wait (idle_ms 500 here)
      ac.abort();
      expect(await pending).toBeInstanceOf(Error);
      await eventually(() => up.abortedByPeer > abortedBefore);
      await eventually(() => proxy.app.lifecycle.inFlight === 0);
      const lines = proxy.logs.slice(logsBefore).filter((l) => l.includes(' request rid='));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('status=499');
      expect(lines[0]).toContain('error="client disconnected"');
      expect(member.state.lastError).toBe(lastError);
    }
    await recovered();
  });

  test('disconnect while a token count is read: 499, not an internal error', async () => {
    // A Responses client's count against Anthropic's counter, its answer cut by the client leaving.
    up.setScript((c) => (c.head(200, { 'content-type': 'application/json', 'content-length': '100' }), c.write('{"input_tok')));
    const claude = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', up.url, '--claude-api-key', UPSTREAM_KEY, '--idle-timeout-ms', '5000']);
    try {
      const ac = new AbortController();
      const pending = fetch(`${claude.url}/v1/responses/input_tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${claude.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', input: 'hi' }),
        signal: ac.signal,
      }).catch((e: unknown) => e);
      await eventually(() => up.open > 0);
      await Bun.sleep(100);
      ac.abort();
      expect(await pending).toBeInstanceOf(Error);
      await eventually(() => claude.logs.some((l) => l.includes(' request rid=')));
      const line = claude.logs.find((l) => l.includes(' request rid='))!;
      expect(line).toContain('status=499');
      expect(line).toContain('error="client disconnected"');
    } finally {
      await claude.stop();
    }
    await recovered();
  });

  test('disconnect during upload: no upstream call, nothing in flight, the server goes on', async () => {
    const requestsBefore = up.requests.length;
    const { port } = new URL(proxy.url);
    await new Promise<void>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => {
        s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${proxy.key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"model":"gpt-4o","messages":[`);
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
      s.on('error', () => {});
    });
    await eventually(() => proxy.app.lifecycle.inFlight === 0);
    expect(up.requests.length).toBe(requestsBefore);
    await recovered();
  });
});
