import { ProxyError } from '../core/errors.ts';
import type { UpstreamRequest } from '../providers/types.ts';

export interface CallOptions {
  /** The client request's signal: a client that goes away aborts the upstream call, before or after headers. */
  signal: AbortSignal;
  /** How long to wait for the upstream's response headers. Reasoning models think long before answering. */
  headersTimeoutMs: number;
  fetch?: typeof fetch;
}

/** Thrown when the client disconnected; there is nobody left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGoneError';
  }
}

/**
 * Calls an upstream. Resolves with the Response as soon as headers arrive (the body is not read).
 * Network failures become 502 and a header timeout 504, with messages that name the host, never the key.
 */
export async function callUpstream(req: UpstreamRequest, opts: CallOptions): Promise<Response> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.headersTimeoutMs);
  const signal = AbortSignal.any([opts.signal, deadline.signal]);
  try {
    return await (opts.fetch ?? fetch)(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
      // Bun's own idle timeout (5 min) would cut long generations; our deadlines are explicit instead.
      timeout: false,
    } as RequestInit);
  } catch (e) {
    if (opts.signal.aborted) throw new ClientGoneError();
    const host = safeHost(req.url);
    if (deadline.signal.aborted) {
      throw new ProxyError({
        kind: 'timeout',
        message: `upstream ${host} did not answer within ${Math.round(opts.headersTimeoutMs / 1000)} s`,
      });
    }
    throw new ProxyError({ kind: 'api_error', status: 502, message: `could not reach upstream ${host}: ${reason(e)}` });
  } finally {
    clearTimeout(timer);
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'upstream';
  }
}

function reason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ?? err.message ?? 'connection failed';
}

/** Upstream response headers worth relaying; everything else (encoding, length, hop-by-hop, cookies) is dropped. */
const RELAYED = /^(content-type|retry-after|retry-after-ms|x-request-id|request-id|x-ratelimit-.*|anthropic-ratelimit-.*|openai-processing-ms|x-should-retry)$/;

export function relayHeaders(upstream: Headers): Headers {
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (RELAYED.test(name)) out.set(name, value);
  });
  return out;
}

/** Reads at most `limit` bytes of an error body; a huge error page must not be buffered whole. */
export async function readLimited(res: Response, limit = 64 * 1024): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks off is still worth reporting as far as it went.
  } finally {
    reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
}
