import type { ProxyMetrics } from '../metrics/proxy-metrics.ts';
import type { Logger } from '../util/log.ts';

export interface RequestLogFields {
  provider?: string;
  /** The pool member that served it. */
  member?: string;
  /** Upstream attempts (more than one when a member failed and another took over). */
  attempts?: number;
  model?: string;
  status: number;
  error?: string;
  inputTokens?: number;
  outputTokens?: number;
}

/** One line per request, written when it is really over (a stream's end, not its first byte). */
export type RequestLog = (f: RequestLogFields) => void;

export interface RequestMeta {
  /** The request id, also sent back in x-request-id. */
  id: string;
  /** The client's protocol. */
  protocol: string;
  metrics?: ProxyMetrics;
}

export interface RequestTracker {
  /** Writes the request's line (and counts it in the metrics); the first call wins. */
  readonly log: RequestLog;
  /** The first byte of the response body is leaving: the time to first byte is now. */
  firstByte(): void;
  /** Names the client key once it is known. */
  setCaller(name: string): void;
  /** Milliseconds since the request arrived. */
  elapsed(): number;
}

export function requestLogger(log: Logger, request: Request, path: string, meta: RequestMeta): RequestTracker {
  const started = performance.now();
  let firstByteAt: number | undefined;
  // The name of the client key, once authentication has found it.
  let caller: string | undefined;
  let written = false;
  const write: RequestLog = (f) => {
    if (written) return;
    written = true;
    const now = performance.now();
    const ms = now - started;
    // Written before the first byte was seen (an error, a body sent in one piece): it is leaving now.
    const ttfb = (firstByteAt ?? now) - started;
    const fields = {
      rid: meta.id,
      method: request.method,
      path,
      protocol: meta.protocol,
      key: caller,
      provider: f.provider,
      member: f.member,
      model: f.model,
      status: f.status,
      ttfb_ms: Math.round(ttfb),
      ms: Math.round(ms),
      in: f.inputTokens,
      out: f.outputTokens,
      attempts: f.attempts !== undefined && f.attempts > 1 ? f.attempts : undefined,
      error: f.error,
    };
    if (f.status >= 500 || f.error) log.warn('request', fields);
    else log.info('request', fields);
    meta.metrics?.observe({
      protocol: meta.protocol,
      provider: f.provider,
      model: f.model,
      status: f.status,
      failed: f.status >= 400 || f.error !== undefined,
      durationMs: ms,
      ttfbMs: ttfb,
      inputTokens: f.inputTokens,
      outputTokens: f.outputTokens,
      attempts: f.attempts,
    });
  };
  return {
    log: write,
    firstByte() {
      firstByteAt ??= performance.now();
    },
    setCaller(name) {
      caller = name;
    },
    elapsed: () => performance.now() - started,
  };
}
