import { kindForStatus, type ErrorKind, type ProxyErrorInfo } from '../../core/errors.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import { retryAfterFromHeaders } from '../../util/retry-after.ts';
import { retryAfterFromGoogleError } from './retry-after.ts';

/** google.rpc canonical status names (protocols.md §3.5, §6.10). */
const STATUS_FOR_KIND: Record<ErrorKind, string> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  request_too_large: 'INVALID_ARGUMENT',
  rate_limit: 'RESOURCE_EXHAUSTED',
  api_error: 'INTERNAL',
  not_implemented: 'UNIMPLEMENTED',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
};

/** For in-band errors that name a status but carry no HTTP code. */
const HTTP_FOR_STATUS: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** Google pairs each HTTP code it uses with one canonical status; the kind names the rest (502, 413…). */
const STATUS_FOR_HTTP: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

export function encodeError(err: ProxyErrorInfo): JsonObject {
  // Anthropic's 529 (overloaded) is a 503 in Google's vocabulary, in-band errors included.
  const code = err.status === 529 ? 503 : err.status;
  const error: JsonObject = { code, message: err.message, status: STATUS_FOR_HTTP[code] ?? STATUS_FOR_KIND[err.kind] };
  const details = err.details ? [...err.details] : [];
  if (err.retryAfter !== undefined && !details.some((d) => isRecord(d) && d['@type'] === RETRY_INFO)) {
    details.push({ '@type': RETRY_INFO, retryDelay: `${err.retryAfter}s` });
  }
  if (details.length > 0) error.details = details;
  return { error };
}

/** The `error` object of a Google error body, also in the array-wrapped form `[{"error":…}]`. */
export function googleErrorObject(body: unknown): JsonObject | undefined {
  const root = Array.isArray(body) ? body[0] : body;
  return isRecord(root) && isRecord(root.error) ? root.error : undefined;
}

function hasReason(error: JsonObject, reason: string): boolean {
  return Array.isArray(error.details) && error.details.some((d) => isRecord(d) && d.reason === reason);
}

/**
 * A Google `error` object → canonical. `httpStatus` is the response status; in-band stream errors
 * have none and fall back to the object's own `code` or `status` name.
 */
export function errorInfoFromGoogle(error: JsonObject, httpStatus?: number): ProxyErrorInfo {
  const statusName = typeof error.status === 'string' ? error.status : undefined;
  const ownCode = typeof error.code === 'number' && error.code >= 400 && error.code < 600 ? error.code : undefined;
  const status = httpStatus ?? ownCode ?? (statusName === undefined ? undefined : HTTP_FOR_STATUS[statusName]) ?? 500;
  const message =
    typeof error.message === 'string' && error.message !== ''
      ? error.message
      : `upstream error ${status}${statusName ? ` ${statusName}` : ''}`;
  const info: ProxyErrorInfo = { status, kind: kindForStatus(status), message };
  // Google answers a bad API key with 400 INVALID_ARGUMENT; to every other protocol it is an auth failure.
  if (hasReason(error, 'API_KEY_INVALID')) {
    info.kind = 'authentication';
    info.code = 'invalid_api_key';
  } else if (statusName === 'UNAUTHENTICATED') info.kind = 'authentication';
  const retryAfter = retryAfterFromGoogleError(error);
  if (retryAfter !== undefined) info.retryAfter = retryAfter;
  if (Array.isArray(error.details) && error.details.length > 0) info.details = error.details.map(withoutAccountIds);
  // Capacity for one model comes as a 429 or a 503 alike: either way only that model is short.
  if (status === 429 || (status === 503 && (hasReason(error, 'MODEL_CAPACITY_EXHAUSTED') || hasReason(error, 'MODEL_CAPACITY_EXCEEDED')))) {
    const model = quotaModelOf(error);
    if (model) info.quotaModel = model;
  }
  return info;
}

/**
 * The model a Google 429 says its quota belongs to: Code Assist's ErrorInfo `metadata.model`
 * (QUOTA_EXHAUSTED, RATE_LIMIT_EXCEEDED), the Gemini API's QuotaFailure `quotaDimensions.model`.
 * Google's quotas are per model (a day's gemini-2.5-pro requests used up leaves flash usable).
 */
function quotaModelOf(error: JsonObject): string | undefined {
  if (!Array.isArray(error.details)) return undefined;
  for (const d of error.details) {
    if (!isRecord(d)) continue;
    if (isRecord(d.metadata) && typeof d.metadata.model === 'string' && d.metadata.model) return d.metadata.model.replace(/^models\//, '');
    for (const v of Array.isArray(d.violations) ? d.violations : []) {
      const dims = isRecord(v) && isRecord(v.quotaDimensions) ? v.quotaDimensions : undefined;
      if (dims && typeof dims.model === 'string' && dims.model) return dims.model.replace(/^models\//, '');
    }
  }
  return undefined;
}

const MAX_MESSAGE_CHARS = 300;

/** Something readable from a body that is not a Google error: HTML pages, proxies' plain text, nothing. */
function messageFromText(status: number, text: string): string {
  const plain = /<\/?[a-z][\s\S]*>/i.test(text)
    ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')
    : text;
  const collapsed = plain.replace(/\s+/g, ' ').trim();
  if (collapsed === '') return `upstream returned HTTP ${status} with an empty body`;
  const cut = collapsed.length > MAX_MESSAGE_CHARS ? `${collapsed.slice(0, MAX_MESSAGE_CHARS)}…` : collapsed;
  return `upstream returned HTTP ${status}: ${cut}`;
}

export function decodeError(status: number, bodyText: string, headers: Headers): ProxyErrorInfo {
  const error = googleErrorObject(tryParseJson(bodyText));
  const info: ProxyErrorInfo = error
    ? errorInfoFromGoogle(error, status)
    : { status, kind: kindForStatus(status), message: messageFromText(status, bodyText) };
  const fromHeaders = retryAfterFromHeaders(headers);
  if (fromHeaders !== undefined) info.retryAfter = fromHeaders;
  return info;
}

/**
 * A detail as a client may see it: ErrorInfo metadata can name the operator's Google Cloud project
 * (`consumer: "projects/…"`, `project_id`), which the proxy's users have no business knowing.
 */
function withoutAccountIds(detail: unknown): unknown {
  if (!isRecord(detail) || !isRecord(detail.metadata)) return detail;
  const metadata = Object.fromEntries(Object.entries(detail.metadata).filter(([k]) => k !== 'consumer' && !/project/i.test(k)));
  return { ...detail, metadata };
}

