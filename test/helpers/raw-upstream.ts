/**
 * A raw HTTP/1.1 upstream on 127.0.0.1 whose test decides, request by request, what happens to the
 * connection itself: answered and kept open, closed (FIN), reset (RST), answered 408 and closed.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** What the upstream does with the n-th request (from 1) that arrives on one connection. */
export type Behaviour = (nth: number, socket: Socket, body: string, head: string) => void;

export interface RawUpstream {
  url: string;
  /** Connections opened, and requests that arrived, so far. */
  connections: number;
  requests: number;
  behave(b: Behaviour): void;
  stop(): Promise<void>;
}

/** A raw HTTP/1.1 upstream on 127.0.0.1 that keeps connections open and reads each request on them in turn. */
export async function startRawUpstream(): Promise<RawUpstream> {
  let behaviour: Behaviour = () => {};
  const sockets = new Set<Socket>();
  const state = { connections: 0, requests: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let nth = 0;
    let buf = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const head = buf.subarray(0, end).toString('latin1');
        const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
        buf = buf.subarray(end + 4 + length);
        state.requests++;
        behaviour(++nth, socket, body, head);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get connections() {
      return state.connections;
    },
    get requests() {
      return state.requests;
    },
    behave(b) {
      behaviour = b;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A keep-alive answer: `status` with a JSON body. */
export function respond(socket: Socket, status: number, json: string, extra = ''): void {
  socket.write(`HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Status'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n${extra}connection: keep-alive\r\n\r\n${json}`);
}

/** What Node's http server sends on its headers timeout (and nginx, load balancers, much alike): a 408, then the connection closed. */
export function requestTimeout(socket: Socket): void {
  socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
}
