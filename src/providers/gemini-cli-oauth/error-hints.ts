import type { ProxyErrorInfo } from '../../core/errors.ts';
import { LOGIN_COMMAND } from '../../auth/google/oauth-constants.ts';

const ACCOUNT_HINT =
  'Hint: Google does not let this account or project use Gemini Code Assist. Set gemini.project_id ' +
  '(--project-id, GOOGLE_CLOUD_PROJECT) to a Google Cloud project that has the Gemini for Google Cloud API ' +
  '(cloudaicompanion.googleapis.com) enabled and lets your account use it, or use a Gemini API key with the ' +
  'gemini-cli provider. Since mid-2026 Google is reported to refuse Gemini CLI sign-in for free and Google One personal accounts.';

const VPC_HINT =
  'Hint: a VPC Service Controls policy blocks Code Assist for this account; set gemini.project_id ' +
  '(--project-id, GOOGLE_CLOUD_PROJECT) to a project inside the perimeter.';

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

function hintFor(info: ProxyErrorInfo, rawBody: string): string | undefined {
  if (info.status === 401) return SIGN_IN_HINT;
  if (info.status !== 403) return undefined;
  if (/SECURITY_POLICY_VIOLATED|VPC Service Controls/i.test(`${info.message} ${rawBody}`)) return VPC_HINT;
  return ACCOUNT_HINT;
}
