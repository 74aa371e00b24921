/**
 * A raw TCP upstream on 127.0.0.1 for faults the strict mocks cannot produce: resets, hangs, truncated
 * or malformed bodies, byte-by-byte answers. Each connection's request is parsed (head and body) and
 * handed to the test's script, which writes whatever bytes it likes to the socket.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface FaultRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface FaultConnection {
  socket: Socket;
  request: FaultRequest;
  /** Resolves when the peer (the proxy) closed or reset the connection. */
  closed: Promise<void>;
  /** True once the connection is closed. */
  readonly isClosed: boolean;
  write(text: string | Uint8Array): void;
  /** Response head; without content-length the body runs until the connection closes. */
  head(status: number, headers?: Record<string, string>): void;
}

export type FaultScript = (c: FaultConnection) => Promise<void> | void;

export interface FaultServer {
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: FaultRequest[];
  /** Connections not yet closed. */
  readonly open: number;
  /** Connections the proxy closed while its request was unanswered or still streaming (aborted upstream calls). */
  readonly abortedByPeer: number;
  /** Replaces the script for the next connections. */
  setScript(script: FaultScript): void;
  stop(): Promise<void>;
}

const MAX_HEAD = 64 * 1024;

export async function startFaultServer(initial: FaultScript): Promise<FaultServer> {
  let script = initial;
  const requests: FaultRequest[] = [];
  const sockets = new Set<Socket>();
  let abortedByPeer = 0;

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let closedFlag = false;
    let started = false;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    socket.on('close', () => {
      closedFlag = true;
      sockets.delete(socket);
      // Closed by the proxy while a request was being answered (we never ended our side).
      if (started && !socket.writableEnded) abortedByPeer++;
      resolveClosed();
    });
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      if (started) return;
      buf = Buffer.concat([buf, data]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) socket.destroy();
        return;
      }
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const [method = '', path = ''] = lines[0]!.split(' ');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (buf.length - end - 4 < length) return; // wait for the rest of the body
      started = true;
      const request = { method, path, headers, body: buf.subarray(end + 4, end + 4 + length).toString('utf8') };
      requests.push(request);
      const conn: FaultConnection = {
        socket,
        request,
        closed,
        get isClosed() {
          return closedFlag;
        },
        write(text) {
          if (!closedFlag) socket.write(text);
        },
        head(status, extra = {}) {
          const h = { connection: 'close', ...extra };
          conn.write(`HTTP/1.1 ${status} X\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
        },
      };
      Promise.resolve(script(conn)).catch(() => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get open() {
      return sockets.size;
    },
    get abortedByPeer() {
      return abortedByPeer;
    },
    setScript(s) {
      script = s;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An OpenAI chat.completion.chunk SSE frame with a text delta. */
export function openaiChunk(text: string, finish: string | null = null): string {
  const delta = finish ? {} : { content: text };
  return `data: ${JSON.stringify({ id: 'chatcmpl-f', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** A complete OpenAI stream answering `text`. */
export function openaiStream(text: string): string {
  return openaiChunk(text) + openaiChunk('', 'stop') + 'data: [DONE]\n\n';
}

export const SSE_HEAD = { 'content-type': 'text/event-stream' };
