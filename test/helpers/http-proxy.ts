/**
 * A forward HTTP proxy on 127.0.0.1 for http:// targets (absolute-form requests, as fetch sends them
 * through a proxy), recording what passed through it and the Proxy-Authorization it was given; wrong
 * or missing credentials get a 407.
 */
export interface RecordingProxy {
  /** `http://user:pass@127.0.0.1:<port>` */
  url: string;
  /** `METHOD absolute-url`, in order. */
  seen: string[];
  /** Proxy-Authorization headers received. */
  auth: Array<string | null>;
  stop(): Promise<void>;
}

export function startRecordingProxy(user = 'proxyuser', pass = 'proxypass'): RecordingProxy {
  const seen: string[] = [];
  const auth: Array<string | null> = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      seen.push(`${req.method} ${req.url}`);
      const given = req.headers.get('proxy-authorization');
      auth.push(given);
      // As a strict proxy does; echoing what it got, as some do in their error page.
      if (given !== `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`) {
        return new Response(`Proxy Authentication Required (got ${given})`, { status: 407, headers: { 'proxy-authenticate': 'Basic realm="test"' } });
      }
      const headers = new Headers(req.headers);
      headers.delete('proxy-authorization');
      headers.delete('host');
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
      const res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(10_000) });
      // fetch has decoded any compressed body; what goes on is the plain bytes.
      const out = new Headers(res.headers);
      out.delete('content-encoding');
      out.delete('content-length');
      return new Response(res.body, { status: res.status, headers: out });
    },
  });
  return {
    url: `http://${user}:${pass}@127.0.0.1:${server.port}`,
    seen,
    auth,
    stop: async () => {
      await server.stop(true);
    },
  };
}
