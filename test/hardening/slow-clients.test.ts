import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect, type Socket } from 'node:net';
import { eventually } from '../helpers/stack.ts';
import { openaiChunk, openaiStream, SSE_HEAD, startFaultServer, type FaultConnection, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

/**
 * Clients that are slow or stop half way. A streaming route lifts Bun's idle timeout for its answer
 * (a model may think for minutes), but not before the client's body is in: a client that stops
 * sending it would otherwise hold its request, a max_inflight slot and a shutdown's wait for good.
 * And it puts the timeout back once the answer is over, or the connection is never reaped when idle.
 */
let up: FaultServer;
let proxy: TestProxy;

beforeAll(async () => {
  up = await startFaultServer((c) => {
    c.head(200, SSE_HEAD);
    c.write(openaiStream('fine'));
    c.socket.end();
  });
  // idle_ms 1000: a silent body is cut after 1 s, as Bun counts it (its timer is coarse: 2-4 s).
  proxy = await startProxy([
    '--model-provider', 'openai-custom',
    '--openai-base-url', `${up.url}/v1`, '--openai-api-key', 'sk-slow-client-upstream',
    '--idle-timeout-ms', '1000', '--max-inflight', '2',
  ]);
});
afterAll(async () => {
  await proxy.stop();
  await up.stop();
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
}

describe('a client that stops sending its body', () => {
  test('the connection is closed after timeouts.idle_ms of silence: its max_inflight slot is free again', async () => {
    const requestsBefore = up.requests.length;
    const { port } = new URL(proxy.url);
    const sockets: Socket[] = [];
    const closed: Array<Promise<number>> = [];
    const started = performance.now();
    for (const path of ['/v1/chat/completions', '/v1beta/models/gemini-2.5-flash:streamGenerateContent']) {
      const s = connect(Number(port), '127.0.0.1', () => {
        s.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${proxy.key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"model":"gpt-4o","messages":[`);
      });
      s.on('error', () => {});
      sockets.push(s);
      closed.push(new Promise((resolve) => s.on('close', () => resolve(performance.now() - started))));
    }
    try {
      await eventually(() => proxy.app.lifecycle.inFlight === 2);
      // Both slots are held while the bodies do not come.
      expect((await post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(503);
      const times = await Promise.race([Promise.all(closed), Bun.sleep(10_000).then(() => undefined)]);
      expect(times).toBeDefined();
      for (const t of times!) expect(t).toBeGreaterThan(900);
      await eventually(() => proxy.app.lifecycle.inFlight === 0);
      expect(up.requests.length).toBe(requestsBefore);
      const res = await post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('fine');
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 20_000);

  test('also on a path served without its empty segment (/v1//chat/completions): its own connection is timed', async () => {
    const { port } = new URL(proxy.url);
    const started = performance.now();
    const s = connect(Number(port), '127.0.0.1', () => {
      s.write(`POST /v1//chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${proxy.key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"model":"gpt-4o","messages":[`);
    });
    s.on('error', () => {});
    const closed = new Promise<number>((resolve) => s.on('close', () => resolve(performance.now() - started)));
    try {
      await eventually(() => proxy.app.lifecycle.inFlight === 1);
      const after = await Promise.race([closed, Bun.sleep(10_000).then(() => undefined)]);
      expect(after).toBeGreaterThan(900);
      await eventually(() => proxy.app.lifecycle.inFlight === 0);
    } finally {
      s.destroy();
    }
  }, 20_000);
});

describe('a keep-alive connection that served a streaming route', () => {
  test('is reaped once idle, as any other: the lifted idle timeout is put back when the answer is over', async () => {
    up.setScript((c) => {
      const stream = JSON.parse(c.request.body || '{}').stream === true;
      if (stream) {
        c.head(200, SSE_HEAD);
        c.write(openaiStream('fine'));
      } else {
        c.head(429, { 'content-type': 'application/json' });
        c.write(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error' } }));
      }
      c.socket.end();
    });
    // Bun's 255 s, which the route puts back, read as 1 s here: the socket must then close on its own.
    const server = proxy.app.server as unknown as { timeout(r: Request, s: number): void };
    const timeout = server.timeout;
    server.timeout = (r, seconds) => timeout.call(server, r, seconds === 255 ? 1 : seconds);
    const { port } = new URL(proxy.url);
    try {
      const cases = [
        ['/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }, 'data: [DONE]'],
        ['/v1/messages', { model: 'gpt-4o', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }, 'message_stop'],
        // A whole answer, here an upstream's error, on the same routes.
        ['/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, 'slow down'],
      ] as const;
      const served = ([path, body, last]: (typeof cases)[number]): Promise<number | undefined> =>
        new Promise((resolve) => {
          const text = JSON.stringify(body);
          let got = '';
          let answeredAt = 0;
          const s = connect(Number(port), '127.0.0.1', () => {
            s.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${proxy.key}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
          });
          s.on('data', (d) => {
            got += d.toString();
            if (!answeredAt && got.includes(last)) answeredAt = performance.now();
          });
          s.on('error', () => {});
          s.on('close', () => resolve(answeredAt ? performance.now() - answeredAt : undefined));
          setTimeout(() => (s.destroy(), resolve(undefined)), 10_000);
        });
      // Two at a time: the proxy serves at most two requests at once here (max_inflight).
      const closedAfter = [...(await Promise.all(cases.slice(0, 2).map(served))), await served(cases[2])];
      // Closed by the server (a second or so after the answer, as Bun counts), not left open for good.
      for (const t of closedAfter) expect(t).toBeDefined();
    } finally {
      server.timeout = timeout;
    }
  }, 25_000);
});

/** A chat completion stream that writes `total` bytes of events as fast as aiproxy takes them (all it can when 0), then [DONE]. */
function endlessStream(total = 0): (c: FaultConnection) => Promise<void> {
  return async (c) => {
    c.head(200, SSE_HEAD);
    const chunk = openaiChunk('x'.repeat(2000));
    let written = 0;
    while (!c.isClosed && (total === 0 || written < total)) {
      written += chunk.length;
      if (!c.socket.write(chunk)) await new Promise((r) => c.socket.once('drain', r));
    }
    c.write(openaiChunk('', 'stop') + 'data: [DONE]\n\n');
    c.socket.end();
  };
}

/** A raw client that sends a streaming request and reads only as `read` says: node:net, paused. */
function rawStreamClient(path: string, body: unknown, to: TestProxy = proxy): { socket: Socket; text(): string; closed: Promise<void>; read(max: number): number } {
  const text = JSON.stringify(body);
  const socket = connect(Number(new URL(to.url).port), '127.0.0.1', () => {
    socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${to.key}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  });
  socket.pause();
  socket.on('error', () => {});
  let tail = '';
  const keep = (d: Buffer): void => void (tail = (tail + d.toString('latin1')).slice(-4096));
  socket.on('data', keep);
  return {
    socket,
    text: () => tail,
    closed: new Promise((resolve) => socket.on('close', () => resolve())),
    read(max) {
      const d = socket.read(Math.min(max, socket.readableLength || max)) as Buffer | null;
      if (d) keep(d);
      return d?.length ?? 0;
    },
  };
}

describe('a client that stops reading a stream but keeps its connection', () => {
  test('after timeouts.idle_ms the upstream request is cancelled: its member and max_inflight slots are free, the log says why, the member is not charged', async () => {
    up.setScript(endlessStream());
    const member = proxy.app.context.pools.get('openai-custom')!.members[0]!;
    const lastError = member.state.lastError;
    // Relayed (Chat Completions to openai-custom) and converted (Anthropic Messages).
    const cases = [
      ['/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }, '"type":"server_error"'],
      ['/v1/messages', { model: 'gpt-4o', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }, 'event: error'],
    ] as const;
    for (const [path, body, errorEvent] of cases) {
      const abortedBefore = up.abortedByPeer;
      const logsBefore = proxy.logs.length;
      const client = rawStreamClient(path, body);
      try {
        // Never read: the socket buffers fill and aiproxy holds the next chunk for a client that never asks.
        await eventually(() => proxy.app.lifecycle.inFlight === 1 && member.inflight === 1);
        const stalledFrom = performance.now();
        await eventually(() => up.abortedByPeer > abortedBefore, 10_000);
        expect(performance.now() - stalledFrom).toBeGreaterThan(900);
        await eventually(() => proxy.app.lifecycle.inFlight === 0 && member.inflight === 0);
        const lines = proxy.logs.slice(logsBefore).filter((l) => l.includes(' request rid='));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain('error="client read nothing of the stream for 1 s and it was abandoned (timeouts.idle_ms)"');
        expect(member.state.lastError).toBe(lastError);
        // A client that reads on after all gets what was held, then the error that ends it.
        client.socket.resume();
        await Promise.race([client.closed, eventually(() => client.text().includes('read nothing of the stream'), 10_000)]);
        expect(client.text()).toContain('client read nothing of the stream');
        expect(client.text()).toContain(errorEvent);
      } finally {
        client.socket.destroy();
      }
    }
    // The member serves the next request as before.
    up.setScript(endlessStream(10_000));
    const res = await post('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(await res.text()).toEndWith('data: [DONE]\n\n');
  }, 40_000);

  test('with log_prompts on as well: the logged copy of the stream ends with it, and frees the max_inflight slot', async () => {
    up.setScript(endlessStream());
    const logged = await startProxy([
      '--model-provider', 'openai-custom',
      '--openai-base-url', `${up.url}/v1`, '--openai-api-key', 'sk-slow-client-upstream',
      '--idle-timeout-ms', '1000', '--max-inflight', '2', '--log-prompts', 'console',
    ]);
    const member = logged.app.context.pools.get('openai-custom')!.members[0]!;
    const client = rawStreamClient('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }, logged);
    try {
      await eventually(() => logged.app.lifecycle.inFlight === 1 && member.inflight === 1);
      await eventually(() => logged.app.lifecycle.inFlight === 0 && member.inflight === 0, 10_000);
      expect(logged.logs.filter((l) => l.includes(' request rid=') && l.includes('client read nothing of the stream'))).toHaveLength(1);
    } finally {
      client.socket.destroy();
      await logged.stop();
    }
  }, 30_000);

  test('a client that reads slowly but steadily is not cut, however long it takes', async () => {
    // ~15 MB read 64 KB at a time every 20 ms: several times idle_ms (1 s here) of reading, past what the
    // socket buffers hold, and each read lets Bun ask aiproxy for more within idle_ms.
    up.setScript(endlessStream(15_000_000));
    const logsBefore = proxy.logs.length;
    const client = rawStreamClient('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const started = performance.now();
    const timer = setInterval(() => client.read(64 * 1024), 20);
    try {
      await Promise.race([eventually(() => client.text().endsWith('data: [DONE]\n\n\r\n0\r\n\r\n'), 30_000), client.closed]);
      expect(client.text()).toEndWith('data: [DONE]\n\n\r\n0\r\n\r\n');
      expect(performance.now() - started).toBeGreaterThan(3000);
      await eventually(() => proxy.app.lifecycle.inFlight === 0);
      const line = proxy.logs.slice(logsBefore).find((l) => l.includes(' request rid='))!;
      expect(line).toContain('status=200');
      expect(line).not.toContain('error=');
    } finally {
      clearInterval(timer);
      client.socket.destroy();
    }
  }, 40_000);

  test('a client that reads nothing while the upstream is slow is not cut: nothing waits for it', async () => {
    // Events every 300 ms for ~2.4 s (idle_ms 1 s): each fits in the socket buffers, so aiproxy never
    // holds one for the client, however long the client leaves them unread.
    up.setScript(async (c) => {
      c.head(200, SSE_HEAD);
      for (let i = 0; i < 8 && !c.isClosed; i++) {
        c.write(openaiChunk(`w${i} `));
        await Bun.sleep(300);
      }
      c.write(openaiChunk('', 'stop') + 'data: [DONE]\n\n');
      c.socket.end();
    });
    const logsBefore = proxy.logs.length;
    const client = rawStreamClient('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    try {
      await eventually(() => proxy.app.lifecycle.inFlight === 1);
      await eventually(() => proxy.app.lifecycle.inFlight === 0, 10_000);
      const line = proxy.logs.slice(logsBefore).find((l) => l.includes(' request rid='))!;
      expect(line).not.toContain('error=');
      client.socket.resume();
      await eventually(() => client.text().includes('data: [DONE]'));
      expect(client.text()).toContain('w7 ');
    } finally {
      client.socket.destroy();
    }
  }, 20_000);
});
