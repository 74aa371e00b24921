import { describeGenerateError } from './error-hints.ts';
import type { TokenManager } from '../../auth/google/token-manager.ts';
import type { Config } from '../../config/types.ts';
import type { Logger } from '../../util/log.ts';
import { markCodeAssistSignatures } from '../../protocols/gemini/signature.ts';
import type { ProviderAdapter, UpstreamRequest } from '../types.ts';
import { bareModel, unwrapResponse, wrapCountTokensRequest, wrapGenerateRequest } from './envelope.ts';
import { codeAssistHeaders } from './headers.ts';
import { CODE_ASSIST_MODELS, codeAssistModel } from './models.ts';
import { createProjectResolver } from './project-discovery.ts';
import { tokenManagerFor, type TokenLease } from './token-source.ts';

export interface GeminiCliOauthDeps {
  log?: Logger;
  /** For project discovery calls; the generate path uses the app's fetch. */
  fetch?: typeof fetch;
  /** Default: the shared manager for the configured credentials. */
  tokens?: TokenManager;
  /** What holds that shared manager, so it is stopped once no served configuration uses it (default: never). */
  lease?: TokenLease;
  /** Onboarding poll pacing (tests). */
  pollIntervalMs?: number;
  maxPolls?: number;
  /** Keep the token fresh without traffic (default true). */
  backgroundRefresh?: boolean;
}

/**
 * Gemini through a Google account: the Code Assist API the Gemini CLI uses (protocols.md §4). It speaks the
 * Gemini protocol inside an envelope, so Gemini clients get their parts relayed with only the envelope
 * swapped, and other clients go through the Gemini codec. Credentials, the token and the project are
 * resolved on the first request, not at start-up, so a missing sign-in never stops the proxy from starting.
 */
export function geminiCliOauth(cfg: Config['gemini'], deps: GeminiCliOauthDeps = {}): ProviderAdapter {
  const tokens = deps.tokens ?? tokenManagerFor(cfg, deps.log, deps.lease);
  const apiBase = `${cfg.codeAssistBaseUrl}/v1internal`;
  const projects = createProjectResolver({
    apiBase,
    tokens,
    fetch: deps.fetch,
    proxy: cfg.proxyUrl,
    timeoutMs: 60_000,
    configured: cfg.projectId,
    pollIntervalMs: deps.pollIntervalMs,
    maxPolls: deps.maxPolls,
  });
  if (deps.backgroundRefresh !== false) tokens.startBackground();

  return {
    name: 'gemini-cli-oauth',
    protocol: 'gemini',
    fallbackModels: CODE_ASSIST_MODELS,
    signatureFamily: 'code-assist',
    async generate(model, mode, body): Promise<UpstreamRequest> {
      // The project first: discovery may refresh the token, and the request must carry the newest one.
      const project = await projects.project();
      const token = await tokens.accessToken();
      const bare = codeAssistModel(bareModel(model));
      // Code Assist streams SSE only; the proxy re-frames it when a Gemini client asked for the JSON array.
      const url = mode === 'unary' ? `${apiBase}:generateContent` : `${apiBase}:streamGenerateContent?alt=sse`;
      return {
        url,
        method: 'POST',
        headers: codeAssistHeaders(token, { model: bare, stream: mode !== 'unary' }),
        body: wrapGenerateRequest(bare, project, body),
      };
    },
    async listModels() {
      return undefined;
    },
    async countTokens(model, body) {
      const token = await tokens.accessToken();
      const bare = codeAssistModel(bareModel(model));
      return {
        url: `${apiBase}:countTokens`,
        method: 'POST',
        headers: codeAssistHeaders(token, { model: bare }),
        body: wrapCountTokensRequest(bare, body),
      };
    },
    // Its signatures are marked as the envelope comes off: the Gemini API refuses them.
    unwrap: (json) => markCodeAssistSignatures(unwrapResponse(json)),
    refreshAuth: () => tokens.refreshAfterRejection(),
    describeError: describeGenerateError,
  };
}
