/**
 * The smallest proxy Bun can be: read the body, fetch the same path upstream, relay the response body.
 * No routing, no auth, no conversion, no logging. Its figures are the floor any Bun proxy pays for the
 * extra hop, so aiproxy's figures are read as a ratio to it.
 *
 * Run alone: `bun scripts/bench/forwarder.ts --port N --upstream http://127.0.0.1:M`.
 */
export interface ForwarderOptions {
  port: number;
  /** Origin of the upstream, without a trailing slash. */
  upstream: string;
}

export function startForwarder(o: ForwarderOptions) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: o.port,
    idleTimeout: 255,
    async fetch(req) {
      const url = req.url;
      const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
      const headers: Record<string, string> = { 'content-type': req.headers.get('content-type') ?? 'application/json' };
      const auth = req.headers.get('authorization');
      if (auth) headers.authorization = auth;
      // The client's signal is the one thing a correct proxy cannot skip: a client that leaves must stop the upstream.
      const up = await fetch(o.upstream + path, {
        method: req.method,
        headers,
        body: req.method === 'GET' ? undefined : await req.arrayBuffer(),
        signal: req.signal,
      });
      return new Response(up.body, {
        status: up.status,
        headers: { 'content-type': up.headers.get('content-type') ?? 'application/json' },
      });
    },
  });
}

if (import.meta.main) {
  const { values } = (await import('node:util')).parseArgs({
    options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } },
  });
  if (!values.upstream) throw new Error('--upstream is required');
  const server = startForwarder({ port: Number(values.port), upstream: values.upstream.replace(/\/+$/, '') });
  console.log(`ready ${server.port}`);
}
