/**
 * Errors in one shape. A ProxyError can be raised anywhere (bad input, upstream failure, timeout)
 * and each protocol renders it in its own error body (src/protocols/<p>/errors.ts).
 */
export type ErrorKind =
  | 'invalid_request' // 400
  | 'authentication' // 401
  | 'permission' // 403
  | 'not_found' // 404
  | 'request_too_large' // 413
  | 'rate_limit' // 429
  | 'api_error' // 500, 502
  | 'not_implemented' // 501
  | 'overloaded' // 503, 529
  | 'timeout'; // 504

export interface ProxyErrorInfo {
  status: number;
  kind: ErrorKind;
  message: string;
  /** Seconds the client should wait (429/503). */
  retryAfter?: number;
  /** Machine-readable detail for OpenAI-style `code` (e.g. model_not_found, invalid_api_key). */
  code?: string;
  /** The offending parameter, when known. */
  param?: string;
  /**
   * The upstream model a rate limit belongs to, when the upstream names one (Google's per-model
   * quotas): only that model cools down on the account, not the account's other models.
   */
  quotaModel?: string;
  /**
   * Google's error details (ErrorInfo reasons, RetryInfo, Help links), as a Google upstream sent them:
   * a Gemini client gets them back (Gemini CLI acts on QUOTA_EXHAUSTED or VALIDATION_REQUIRED);
   * the other protocols have no place for them.
   */
  details?: unknown[];
  /**
   * The account, not the request, is at fault: no credit left (a 402, Anthropic's "credit balance is
   * too low" 400) or a key refused in a 400 (Google's API_KEY_INVALID is also `authentication`). A
   * pool's next member may serve the same request, and this one rests as after a 401. `false`: the
   * request's fault even in a 401 or 403 (a prompt OpenRouter's moderation flagged), which neither rests
   * the account nor goes to another.
   */
  accountFault?: boolean;
}

/** Statuses whose kind is implied; anything else ≥500 is api_error, other 4xx invalid_request. */
export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'authentication';
    case 403:
      return 'permission';
    case 404:
      return 'not_found';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit';
    case 501:
      return 'not_implemented';
    case 503:
    case 529:
      return 'overloaded';
    case 504:
      return 'timeout';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request';
  }
}

export function statusForKind(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid_request':
      return 400;
    case 'authentication':
      return 401;
    case 'permission':
      return 403;
    case 'not_found':
      return 404;
    case 'request_too_large':
      return 413;
    case 'rate_limit':
      return 429;
    case 'api_error':
      return 500;
    case 'not_implemented':
      return 501;
    case 'overloaded':
      return 503;
    case 'timeout':
      return 504;
  }
}

/**
 * Thrown for anything the client should see as an HTTP error. No field is called `code`:
 * Elysia treats `error.code` as its own error category (bun-elysia-notes §1.5).
 */
export class ProxyError extends Error {
  readonly info: ProxyErrorInfo;
  constructor(info: Omit<ProxyErrorInfo, 'status'> & { status?: number }) {
    super(info.message);
    this.name = 'ProxyError';
    this.info = { ...info, status: info.status ?? statusForKind(info.kind) };
  }
  get status(): number {
    return this.info.status;
  }
}

export const badRequest = (message: string, param?: string): ProxyError =>
  new ProxyError({ kind: 'invalid_request', message, param });
