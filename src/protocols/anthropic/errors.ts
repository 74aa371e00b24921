import { kindForStatus, type ErrorKind, type ProxyErrorInfo } from '../../core/errors.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import { retryAfterFromHeaders } from '../../util/retry-after.ts';
import { anthropicContextOverflow } from './context-overflow.ts';

/** Anthropic `error.type` ↔ canonical kind and its usual status (protocols.md §2.5). */
const TYPES: Record<string, { kind: ErrorKind; status: number }> = {
  invalid_request_error: { kind: 'invalid_request', status: 400 },
  authentication_error: { kind: 'authentication', status: 401 },
  billing_error: { kind: 'invalid_request', status: 402 },
  permission_error: { kind: 'permission', status: 403 },
  not_found_error: { kind: 'not_found', status: 404 },
  request_too_large: { kind: 'request_too_large', status: 413 },
  rate_limit_error: { kind: 'rate_limit', status: 429 },
  api_error: { kind: 'api_error', status: 500 },
  timeout_error: { kind: 'timeout', status: 504 },
  overloaded_error: { kind: 'overloaded', status: 529 },
};

function anthropicErrorType(err: Pick<ProxyErrorInfo, 'kind' | 'status'>): string {
  if (err.status === 402) return 'billing_error';
  switch (err.kind) {
    case 'invalid_request':
      return 'invalid_request_error';
    case 'authentication':
      return 'authentication_error';
    case 'permission':
      return 'permission_error';
    case 'not_found':
      return 'not_found_error';
    case 'request_too_large':
      return 'request_too_large';
    case 'rate_limit':
      return 'rate_limit_error';
    case 'overloaded':
      return 'overloaded_error';
    case 'timeout':
      return 'timeout_error';
    // Anthropic has no "not implemented" type; api_error is what its SDK maps 5xx onto.
    case 'api_error':
    case 'not_implemented':
      return 'api_error';
  }
}

export function encodeError(info: ProxyErrorInfo): { type: 'error'; error: { type: string; message: string } } {
  // An upstream's context overflow in the words Claude Code acts on (context-overflow.ts).
  const err = anthropicContextOverflow(info);
  return { type: 'error', error: { type: anthropicErrorType(err), message: err.message } };
}

/**
 * `{type:"error", error:{type, message}}` → canonical. The type decides the kind (a 529 and a 503 are
 * both "overloaded"); `status` is used when the type is unknown or absent.
 */
export function errorFromBody(body: JsonObject, status: number | undefined): ProxyErrorInfo {
  const error = isRecord(body.error) ? body.error : undefined;
  const type = typeof error?.type === 'string' ? error.type : undefined;
  const known = type === undefined ? undefined : TYPES[type];
  const finalStatus = status ?? known?.status ?? 500;
  const message =
    (typeof error?.message === 'string' && error.message) ||
    (typeof body.error === 'string' && body.error) ||
    (typeof body.message === 'string' && body.message) ||
    `upstream returned HTTP ${finalStatus}`;
  return { status: finalStatus, kind: known?.kind ?? kindForStatus(finalStatus), message };
}

/** Bodies longer than this are HTML pages or dumps; the client needs the gist, not the page. */
const MAX_MESSAGE = 500;

/** An upstream error response (JSON, HTML from a proxy in front, or nothing) → canonical. */
export function decodeError(status: number, bodyText: string, headers: Headers): ProxyErrorInfo {
  const parsed = tryParseJson(bodyText);
  const info: ProxyErrorInfo = isRecord(parsed)
    ? errorFromBody(parsed, status)
    : { status, kind: kindForStatus(status), message: plainMessage(status, bodyText) };
  const retryAfter = retryAfterFromHeaders(headers);
  if (retryAfter !== undefined) info.retryAfter = retryAfter;
  if (status === 402 || (status === 400 && NO_CREDIT.test(info.message))) info.accountFault = true;
  return info;
}

/** Anthropic's answer to an account out of credit: a 400 invalid_request_error, whatever the request. */
const NO_CREDIT = /credit balance is too low/i;

function plainMessage(status: number, text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return `upstream returned HTTP ${status}`;
  if (trimmed.startsWith('<')) {
    // An HTML error page (e.g. Cloudflare's 413): its title says what happened.
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    return title ? `upstream returned HTTP ${status}: ${title}` : `upstream returned HTTP ${status}`;
  }
  return trimmed.length > MAX_MESSAGE ? `${trimmed.slice(0, MAX_MESSAGE)}…` : trimmed;
}
