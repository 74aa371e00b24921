import type { Config } from '../config/types.ts';
import type { ProviderAdapter, UpstreamRequest } from './types.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * The Anthropic Messages API: `{base_url}/v1/messages` with `x-api-key`. An Anthropic client's
 * `anthropic-beta` and `anthropic-version` headers are added by the caller (forwardedHeaders in
 * proxy/generate.ts; Claude Code depends on its betas).
 */
export function claudeCustom(cfg: Config['claude']): ProviderAdapter {
  // Anthropic-compatible servers may read the key from Authorization only: MiniMax's /anthropic answers
  // x-api-key alone with 401 "Please carry the API secret key in the 'Authorization' field"
  // (NousResearch/hermes-agent#4002), as Kimi's did (LLM-Red-Team/kimi-cc#35) and vLLM's /v1/messages
  // does (vllm-project/vllm#51572). After such a 401 the key goes as a bearer too, once more and from
  // then on; not after one that names x-api-key (the server read it: the key itself is refused). Never to
  // Anthropic's own API, which refuses an API key as a bearer ("Invalid bearer token"), nor at first, as
  // a gateway in front of it may pass the header on.
  const canBearer = !!cfg.apiKey && !ANTHROPIC_HOST.test(hostOf(cfg.baseUrl));
  let bearerToo = false;
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
    if (cfg.apiKey) h['x-api-key'] = cfg.apiKey;
    if (cfg.apiKey && bearerToo) h.authorization = `Bearer ${cfg.apiKey}`;
    return h;
  };
  return {
    name: 'claude-custom',
    protocol: 'anthropic',
    fallbackModels: ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5'],
    async generate(_model, _mode, body): Promise<UpstreamRequest> {
      return { url: `${cfg.baseUrl}/v1/messages`, method: 'POST', headers: headers(), body };
    },
    async listModels() {
      return { url: `${cfg.baseUrl}/v1/models?limit=1000`, method: 'GET', headers: headers() };
    },
    async countTokens(_model, body) {
      return { url: `${cfg.baseUrl}/v1/messages/count_tokens`, method: 'POST', headers: headers(), body };
    },
    refreshAuth: canBearer
      ? async (res) => {
          if (bearerToo || /x-api-key/i.test(await res.clone().text())) return false;
          bearerToo = true;
          return true;
        }
      : undefined,
  };
}

const ANTHROPIC_HOST = /(^|\.)anthropic\.com$/i;

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
