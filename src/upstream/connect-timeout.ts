import { pathStart } from '../util/url-path.ts';

/** Thrown (as the abort reason) when an upstream could not be connected to in time. */
export class ConnectTimeoutError extends Error {
  constructor(
    readonly host: string,
    readonly ms: number,
  ) {
    super(`could not connect to upstream ${host} within ${ms / 1000} s (timeouts.connect_ms)`);
    this.name = 'ConnectTimeoutError';
  }
}

/** Resolves once a TCP connection to host:port is open (and closes it again). */
export type ConnectProbe = (hostname: string, port: number) => Promise<void>;

export const tcpProbe: ConnectProbe = async (hostname, port) => {
  const socket = await Bun.connect({ hostname, port, socket: { data() {}, error() {} } });
  socket.end();
};

/** An origin that answered within this long is assumed to have a pooled connection or a quick route. */
const WARM_MS = 30_000;
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/**
 * fetch with a connect timeout. Bun's fetch has no connect phase to time (its `timeout` is an idle timer
 * that would also fire while a model thinks), so for an origin not heard from lately a TCP probe to the
 * same host and port runs alongside the request: if neither the probe connects nor the request gets its
 * headers within `connectMs`, the request is aborted with ConnectTimeoutError. The probe adds no latency
 * and its socket is closed as soon as it opens. Behind an outbound proxy (HTTP(S)_PROXY, or a provider's
 * proxy_url) the origin may not be reachable directly, so there the connect phase is left to the headers
 * deadline.
 */
export function withConnectTimeout(
  fetchFn: typeof fetch,
  connectMs: number,
  probe: ConnectProbe = tcpProbe,
  env: Record<string, string | undefined> = process.env,
): typeof fetch {
  if (connectMs <= 0 || PROXY_VARIABLES.some((v) => env[v])) return fetchFn;
  const warm = new Map<string, number>();
  // Not async itself: a warm origin (the common case) goes straight to fetch, with no promise of our own.
  const wrapped = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const slash = pathStart(href);
    const origin = slash < 0 ? href : href.slice(0, slash);
    // Through a provider's own proxy the origin may not be reachable directly either.
    if ((warm.get(origin) ?? -Infinity) > Date.now() - WARM_MS || (init as { proxy?: string } | undefined)?.proxy) return fetchFn(input, init);
    return probed(input, init, href, origin);
  };
  const probed = async (input: string | URL | Request, init: RequestInit | undefined, href: string, origin: string): Promise<Response> => {
    const url = new URL(href);
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const timedOut = new AbortController();
    let connected = false;
    const timer = setTimeout(() => {
      if (!connected) timedOut.abort(new ConnectTimeoutError(url.host, connectMs));
    }, connectMs);
    probe(url.hostname, port).then(
      () => {
        connected = true;
        clearTimeout(timer);
      },
      // A refused or failed probe says nothing fetch will not say itself, and better.
      () => {},
    );
    const signal = init?.signal ? AbortSignal.any([init.signal, timedOut.signal]) : timedOut.signal;
    try {
      const res = await fetchFn(input, { ...init, signal });
      warm.set(origin, Date.now());
      if (warm.size > 1000) warm.clear(); // origins are few; this only bounds a misuse
      return res;
    } catch (e) {
      if (timedOut.signal.aborted) throw timedOut.signal.reason;
      throw e;
    } finally {
      connected = true;
      clearTimeout(timer);
    }
  };
  return Object.assign(wrapped, { preconnect: fetchFn.preconnect }) as typeof fetch;
}
