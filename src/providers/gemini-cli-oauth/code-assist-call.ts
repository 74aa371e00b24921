import type { TokenManager } from '../../auth/google/token-manager.ts';
import { ProxyError } from '../../core/errors.ts';
import { codecs } from '../../protocols/index.ts';
import { callUpstream, readLimited, readText } from '../../upstream/fetch.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import { withCodeAssistHint } from './error-hints.ts';
import { codeAssistHeaders } from './headers.ts';

export interface CodeAssistCallOptions {
  /** `{code_assist_base_url}/v1internal` */
  apiBase: string;
  tokens: TokenManager;
  fetch?: typeof fetch;
  timeoutMs: number;
  /** gemini.proxy_url */
  proxy?: string;
}

/** Set-up calls (loadCodeAssist, onboardUser, operations) are not tied to a client, so nothing aborts them. */
const NEVER = new AbortController().signal;

/**
 * One JSON call to Code Assist outside the generate path, with the same OAuth handling as that path:
 * a 401 refreshes the token once and retries. Errors carry Google's message, the method and a hint.
 */
export async function callCodeAssist(
  o: CodeAssistCallOptions,
  method: 'POST' | 'GET',
  /** `:loadCodeAssist` style (appended to the base) or `/operations/…` */
  path: string,
  body?: unknown,
): Promise<JsonObject> {
  const send = async (): Promise<Response> =>
    callUpstream(
      {
        url: `${o.apiBase}${path}`,
        method,
        headers: codeAssistHeaders(await o.tokens.accessToken()),
        body: body === undefined ? undefined : JSON.stringify(body),
        proxy: o.proxy,
      },
      { signal: NEVER, headersTimeoutMs: o.timeoutMs, bodyIdleMs: o.timeoutMs, fetch: o.fetch },
    );
  let res = await send();
  if (res.status === 401) {
    res.body?.cancel().catch(() => {});
    await o.tokens.refreshAfterRejection();
    res = await send();
  }
  const name = path.replace(/^[:/]/, '');
  if (!res.ok) {
    const text = await readLimited(res);
    const info = codecs.gemini.decodeError(res.status, text, res.headers);
    throw new ProxyError(withCodeAssistHint({ ...info, message: `Code Assist ${name} failed: ${info.message}` }, text));
  }
  const json: unknown = tryParseJson(await readText(res, o.timeoutMs));
  if (!isRecord(json)) throw new ProxyError({ kind: 'api_error', status: 502, message: `Code Assist ${name} answered with something that is not a JSON object` });
  return json;
}
