import { kindForStatus, statusForKind, type ErrorKind, type ProxyErrorInfo } from '../../core/errors.ts';
import { isRecord, tryParseJson } from '../../util/json.ts';
import { googleDailyQuotaReset, retryAfterFromHeaders, retryAfterFromMessage, retryInfoDelay } from '../../util/retry-after.ts';
import { openaiContextOverflow } from './context-overflow.ts';

/** The body OpenAI answers errors with (protocols.md §1.5). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * `type` and default `code` per kind, as api.openai.com really sends them: a bad key is an
 * `invalid_request_error` with code `invalid_api_key`, request-rate limits are type `requests`,
 * region blocks are `request_forbidden`, and every 5xx is a `server_error`.
 */
const WIRE: Record<ErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: 'invalid_request_error', code: null },
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { type: 'request_forbidden', code: null },
  not_found: { type: 'invalid_request_error', code: null },
  request_too_large: { type: 'invalid_request_error', code: null },
  rate_limit: { type: 'requests', code: 'rate_limit_exceeded' },
  api_error: { type: 'server_error', code: null },
  not_implemented: { type: 'invalid_request_error', code: null },
  overloaded: { type: 'server_error', code: null },
  timeout: { type: 'server_error', code: null },
};

export function encodeError(info: ProxyErrorInfo): OpenAIErrorBody {
  const err = openaiContextOverflow(info);
  const wire = WIRE[err.kind];
  // An exhausted quota has its own type in OpenAI's vocabulary; clients use it to stop retrying.
  const type = err.code === 'insufficient_quota' ? 'insufficient_quota' : wire.type;
  return { error: { message: err.message, type, param: err.param ?? null, code: err.code ?? wire.code } };
}

/** Reads an upstream's non-2xx response. Tolerates non-JSON bodies (HTML from a proxy, plain text, empty). */
export function decodeError(status: number, bodyText: string, headers: Headers): ProxyErrorInfo {
  const detail = errorDetail(tryParseJson(bodyText));
  const message = detail?.message || plainTextMessage(bodyText) || `upstream returned HTTP ${status}`;
  const info: ProxyErrorInfo = { status, kind: kindForStatus(status), message };
  if (detail?.code) info.code = detail.code;
  if (detail?.param) info.param = detail.param;
  const retryAfter = retryAfterFromHeaders(headers) ?? detail?.retryDelay ?? detail?.resetsIn ?? retryAfterFromMessage(message);
  if (retryAfter !== undefined) info.retryAfter = retryAfter;
  // Payment Required (DeepSeek's Insufficient Balance, OpenRouter's out of credits): this account's, not the request's.
  // So is OpenAI's 429 insufficient_quota ("You exceeded your current quota, please check your plan and
  // billing details"): no credit left, which no retry-after ends (ai365vip/chat-api#120, QuantumNous/new-api#462).
  if (status === 402 || (status === 429 && detail?.code === 'insufficient_quota')) info.accountFault = true;
  // OpenRouter's 403 for a prompt its moderation flagged (metadata.reasons, flagged_input): the prompt's
  // fault, which every key would meet alike, not a key refused (labring/aiproxy#615).
  if (status === 403 && detail?.flagged) info.accountFault = false;
  return info;
}

/**
 * An error an upstream sent inside a 200 stream or body, where no HTTP status tells the kind:
 * it comes from the error's `type`/`code`, or from a numeric code some compatible servers put there.
 */
export function inBandError(raw: unknown): ProxyErrorInfo {
  const detail = errorDetail(raw);
  const kind = detail?.status !== undefined ? kindForStatus(detail.status) : kindForType(detail?.type, detail?.code);
  // An upstream's own failure is a bad gateway from the proxy's point of view.
  const status = detail?.status ?? (kind === 'api_error' ? 502 : statusForKind(kind));
  const info: ProxyErrorInfo = { status, kind, message: detail?.message || 'upstream reported an error' };
  if (detail?.code) info.code = detail.code;
  if (detail?.param) info.param = detail.param;
  return info;
}

interface ErrorDetail {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
  /** A numeric HTTP-like code found in the body. */
  status?: number;
  /** Seconds from a google.rpc.RetryInfo detail: Google's compat endpoint puts its hint only there. */
  retryDelay?: number;
  /** Seconds until a usage limit resets, from the body (Codex's `usage_limit_reached`). */
  resetsIn?: number;
  /** OpenRouter's moderation named what it flagged (`metadata.reasons`, `metadata.flagged_input`). */
  flagged?: boolean;
}

/**
 * Finds the error object in the shapes seen in the wild: `{error:{…}}`, `{error:"…"}`, `[{error:{…}}]`,
 * `{message}`, and FastAPI's `{detail}`.
 */
function errorDetail(body: unknown): ErrorDetail | undefined {
  const root = Array.isArray(body) ? body[0] : body;
  if (!isRecord(root)) return undefined;
  const err = root.error;
  if (typeof err === 'string') return { message: err };
  const obj = isRecord(err) ? err : root;
  const detail: ErrorDetail = {};
  if (typeof obj.message === 'string') detail.message = obj.message;
  else if (root.detail != null) detail.message = fastapiDetail(root.detail);
  if (typeof obj.type === 'string') detail.type = obj.type;
  if (typeof obj.code === 'string') detail.code = obj.code;
  else if (typeof obj.code === 'number' && obj.code >= 400 && obj.code < 600) detail.status = obj.code;
  if (typeof obj.param === 'string') detail.param = obj.param;
  // A quota Google's compat endpoint says is spent for the day lasts until its midnight, not RetryInfo's 30 s.
  const retryInfo = retryInfoDelay(obj.details);
  const daily = googleDailyQuotaReset(obj.details);
  const retryDelay = daily === undefined ? retryInfo : Math.max(daily, retryInfo ?? 0);
  if (retryDelay !== undefined) detail.retryDelay = retryDelay;
  const resetsIn = resetDelay(obj);
  if (resetsIn !== undefined) detail.resetsIn = resetsIn;
  const meta = obj.metadata;
  if (isRecord(meta) && (Array.isArray(meta.reasons) || meta.flagged_input !== undefined)) detail.flagged = true;
  return detail;
}

/** Unix seconds reach this in the year 5138; a larger resets_at is milliseconds. */
const MS_EPOCH_THRESHOLD = 1e11;

/**
 * Codex's 429 `usage_limit_reached` (a ChatGPT plan's 5-hour or weekly window, relayed by Codex
 * gateways) says when the limit resets only in its body, `resets_in_seconds` and `resets_at` (Unix
 * seconds), with no retry-after header (icebear0828/codex-proxy#65): without it the account would be
 * tried again every cooldown_ms for days (router-for-me/CLIProxyAPI#1666).
 */
function resetDelay(obj: Record<string, unknown>, now = Date.now()): number | undefined {
  const inSeconds = obj.resets_in_seconds;
  if (typeof inSeconds === 'number' && Number.isFinite(inSeconds) && inSeconds >= 0) return Math.ceil(inSeconds);
  const at = obj.resets_at;
  if (typeof at !== 'number' || !Number.isFinite(at) || at <= 0) return undefined;
  // A gateway writing JavaScript time (milliseconds) would otherwise rest the account for millennia.
  const atSeconds = at > MS_EPOCH_THRESHOLD ? at / 1000 : at;
  return Math.max(0, Math.ceil(atSeconds - now / 1000));
}

/**
 * FastAPI answers `{"detail":"…"}` for an HTTPException and `{"detail":[{loc,msg,type}]}` for a request
 * that fails validation; servers built on it (and proxies in front of them) pass these through.
 */
function fastapiDetail(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (isRecord(detail)) return errorDetail(detail)?.message;
  if (!Array.isArray(detail)) return undefined;
  const issues: string[] = [];
  for (const d of detail) {
    if (!isRecord(d) || typeof d.msg !== 'string') continue;
    const loc = Array.isArray(d.loc) ? d.loc.join('.') : '';
    issues.push(loc ? `${loc}: ${d.msg}` : d.msg);
  }
  return issues.join('; ') || undefined;
}

function kindForType(type: string | undefined, code: string | undefined): ErrorKind {
  if (code === 'invalid_api_key') return 'authentication';
  if (code === 'model_not_found') return 'not_found';
  // The Responses API's in-band failures carry a code and no type.
  if (code === 'context_length_exceeded' || code === 'invalid_prompt') return 'invalid_request';
  if (code === 'rate_limit_exceeded' || code === 'insufficient_quota') return 'rate_limit';
  switch (type) {
    case 'invalid_request_error':
      return 'invalid_request';
    case 'authentication_error':
      return 'authentication';
    case 'permission_error':
    case 'request_forbidden':
      return 'permission';
    case 'not_found_error':
      return 'not_found';
    case 'requests':
    case 'tokens':
    case 'rate_limit_error':
    case 'rate_limit_exceeded':
    case 'insufficient_quota':
      return 'rate_limit';
    case 'overloaded_error':
      return 'overloaded';
    case 'timeout_error':
      return 'timeout';
    default:
      return 'api_error';
  }
}

const MAX_TEXT_MESSAGE = 500;

/** A readable message from a non-JSON body: an HTML page's title, or the text itself, shortened. */
function plainTextMessage(body: string): string {
  const text = body.trim();
  if (!text) return '';
  if (text.startsWith('<')) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return title ? `upstream returned an HTML page: ${title}` : 'upstream returned an HTML page';
  }
  if (text.startsWith('{') || text.startsWith('[')) return ''; // JSON without a message: fall back to the status
  return text.length > MAX_TEXT_MESSAGE ? `${text.slice(0, MAX_TEXT_MESSAGE)}…` : text;
}
