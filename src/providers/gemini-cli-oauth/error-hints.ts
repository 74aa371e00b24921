import type { ProxyErrorInfo } from '../../core/errors.ts';
import { LOGIN_COMMAND } from '../../auth/google/oauth-constants.ts';
import { googleErrorObject } from '../../protocols/gemini/errors.ts';
import { isRecord, tryParseJson } from '../../util/json.ts';
import { CODE_ASSIST_MODELS } from './models.ts';

const ACCOUNT_HINT =
  'Hint: Google does not let this account or project use Gemini Code Assist. Set gemini.project_id ' +
  '(--project-id, GOOGLE_CLOUD_PROJECT) to a Google Cloud project that has the Gemini for Google Cloud API ' +
  '(cloudaicompanion.googleapis.com) enabled and lets your account use it, or use a Gemini API key with the ' +
  'gemini-cli provider. Since mid-2026 Google is reported to refuse Gemini CLI sign-in for free and Google One personal accounts.';

const VPC_HINT =
  'Hint: a VPC Service Controls policy blocks Code Assist for this account; set gemini.project_id ' +
  '(--project-id, GOOGLE_CLOUD_PROJECT) to a project inside the perimeter.';

const PROJECT_SETTINGS = 'gemini.project_id (--project-id, GOOGLE_CLOUD_PROJECT)';

/**
 * SUBSCRIPTION_REQUIRED ("You are currently configured to use a Google Cloud Project but lack a Gemini Code
 * Assist license", #3501): the project is the problem, so ACCOUNT_HINT's "set a project" would send the user
 * the wrong way. GOOGLE_CLOUD_PROJECT, which many gcloud users have set for other work, is read too; a
 * personal account on the free tier must send no project of its own (google-gemini/gemini-cli#19472,
 * router-for-me/CLIProxyAPI#907).
 */
const LICENSE_HINT =
  'Hint: Google has no Gemini Code Assist license for this account in the Google Cloud project the request ' +
  "used. Ask that project's administrator to assign one; or, for a personal account, unset " +
  `${PROJECT_SETTINGS}: the free tier needs no project of its own, and aiproxy then uses the one Google assigns.`;

/**
 * Standard and Enterprise accounts get preview models (Gemini 3 `…-preview`) only once the project's Code
 * Assist release channel is Preview: until then Google answers them with the same bare 404, while Gemini
 * 2.5 works (router-for-me/CLIProxyAPI#996, whose fix was that setting; google-gemini/gemini-cli#15036).
 */
const PREVIEW_HINT =
  "A preview model (…-preview) also needs the Google Cloud project's Gemini Code Assist release channel set to Preview: " +
  'an administrator sets it in the Gemini admin settings, https://console.cloud.google.com/gemini-admin/settings.';

const SIGN_IN_HINT = `Hint: the Google sign-in was not accepted even after a refresh; sign in again with \`${LOGIN_COMMAND}\`.`;

/**
 * Google's message plus what to do about it, for the Code Assist refusals users cannot decode on their own
 * (original-project.md §1.11: the cloudaicompanion permission error, accounts Google no longer allows).
 * `rawBody` lets the error's reason codes count too, since the canonical error keeps only the message.
 */
export function withCodeAssistHint(info: ProxyErrorInfo, rawBody = ''): ProxyErrorInfo {
  const hint = hintFor(info, rawBody);
  return hint && !info.message.includes(hint) ? { ...info, message: `${info.message} ${hint}` } : info;
}

/**
 * A generate call's error as the client should see it. Code Assist answers a model the account cannot use
 * with a bare "Requested entity was not found."; and it sends MODEL_CAPACITY_EXHAUSTED (Google's servers
 * are full for that model) as a 429 or a 503 alike: that is an overload to retry, not the account's quota,
 * so it must not read as a rate limit; the pool cools only that model (failover.ts, by its quotaModel).
 */
export function describeGenerateError(info: ProxyErrorInfo, rawBody: string): ProxyErrorInfo {
  // Only Google's own 404: an HTML one means a wrong code_assist_base_url, not a model.
  if (info.status === 404 && googleErrorObject(tryParseJson(rawBody))) {
    const hint = `Hint: Code Assist answers 404 for a model this Google account cannot use; it usually serves ${CODE_ASSIST_MODELS.join(', ')}. ${PREVIEW_HINT}`;
    return { ...info, code: 'model_not_found', message: info.message.includes(hint) ? info.message : `${info.message} ${hint}` };
  }
  if (info.status === 429 && (hasReason(rawBody, 'MODEL_CAPACITY_EXHAUSTED') || hasReason(rawBody, 'MODEL_CAPACITY_EXCEEDED'))) return { ...info, status: 503, kind: 'overloaded' };
  return withCodeAssistHint(info, rawBody);
}

function hasReason(rawBody: string, reason: string): boolean {
  const error = googleErrorObject(tryParseJson(rawBody));
  return !!error && Array.isArray(error.details) && error.details.some((d) => isRecord(d) && d.reason === reason);
}

function hintFor(info: ProxyErrorInfo, rawBody: string): string | undefined {
  if (info.status === 401) return SIGN_IN_HINT;
  if (info.status !== 403) return undefined;
  const validation = validationLink(rawBody);
  if (validation !== undefined) {
    // Google's message is only "Verify your account to continue."; the link it means sits in the details.
    if (validation && info.message.includes(validation)) return undefined;
    return `Hint: Google wants this account verified before it serves Code Assist: open ${validation || 'the link Google shows in the Gemini CLI'} in a browser signed in to the same Google account, then retry.`;
  }
  if (/SECURITY_POLICY_VIOLATED|VPC Service Controls/i.test(`${info.message} ${rawBody}`)) return VPC_HINT;
  if (hasReason(rawBody, 'SUBSCRIPTION_REQUIRED')) return LICENSE_HINT;
  const disabled = disabledService(rawBody);
  if (disabled) {
    // The account is fine; the project it uses only needs the API switched on, as Google's message says.
    const where = disabled.url && !info.message.includes(disabled.url) ? ` at ${disabled.url}` : '';
    return `Hint: enable ${disabled.service} in that Google Cloud project${where} (it takes a few minutes to apply), or set ${PROJECT_SETTINGS} to a project where it is enabled.`;
  }
  return ACCOUNT_HINT;
}

/** A SERVICE_DISABLED refusal: the API the project has not switched on, and Google's link to do it. */
function disabledService(rawBody: string): { service: string; url?: string } | undefined {
  const error = googleErrorObject(tryParseJson(rawBody));
  const details = error && Array.isArray(error.details) ? error.details.filter(isRecord) : [];
  const info = details.find((d) => d.reason === 'SERVICE_DISABLED');
  if (!info) return undefined;
  const meta = isRecord(info.metadata) ? info.metadata : {};
  const service = typeof meta.service === 'string' ? meta.service : 'the API';
  return { service, url: typeof meta.activationUrl === 'string' ? meta.activationUrl : undefined };
}

/**
 * A VALIDATION_REQUIRED refusal's verification link ('' when Google sent none), undefined for other errors.
 * The Gemini CLI reads the first Help link, then ErrorInfo's `validation_link`; current bodies name it
 * `validation_url` (googleQuotaErrors.ts classifyValidationRequiredError).
 */
function validationLink(rawBody: string): string | undefined {
  const error = googleErrorObject(tryParseJson(rawBody));
  const details = error && Array.isArray(error.details) ? error.details.filter(isRecord) : [];
  const info = details.find((d) => d.reason === 'VALIDATION_REQUIRED');
  if (!info) return undefined;
  for (const d of details) {
    const first = Array.isArray(d.links) && isRecord(d.links[0]) ? d.links[0].url : undefined;
    if (typeof first === 'string' && first !== '') return first;
  }
  const meta = isRecord(info.metadata) ? info.metadata : {};
  const url = meta.validation_url ?? meta.validation_link;
  return typeof url === 'string' ? url : '';
}
