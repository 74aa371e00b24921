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

export function requestLogger(log: Logger, request: Request, path: string): RequestLog {
  const started = performance.now();
  let written = false;
  return (f) => {
    if (written) return;
    written = true;
    const fields = {
      method: request.method,
      path,
      provider: f.provider,
      member: f.member,
      model: f.model,
      status: f.status,
      ms: Math.round(performance.now() - started),
      in: f.inputTokens,
      out: f.outputTokens,
      error: f.error,
      attempts: f.attempts !== undefined && f.attempts > 1 ? f.attempts : undefined,
    };
    if (f.status >= 500 || f.error) log.warn('request', fields);
    else log.info('request', fields);
  };
}
