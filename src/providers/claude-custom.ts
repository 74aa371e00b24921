import type { Config } from '../config/types.ts';
import type { ProviderAdapter, UpstreamRequest } from './types.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * The Anthropic Messages API: `{base_url}/v1/messages` with `x-api-key`. Client `anthropic-beta` headers
 * are forwarded by the caller through `extraHeaders` (Claude Code depends on them).
 */
export function claudeCustom(cfg: Config['claude']): ProviderAdapter {
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
    if (cfg.apiKey) h['x-api-key'] = cfg.apiKey;
    return h;
  };
  // The paths below carry the API version, as the Anthropic SDKs add it: a base URL written with its
  // /v1 (as OpenAI's are, and as OpenRouter documents https://openrouter.ai/api/v1) would otherwise ask
  // for /v1/v1/messages, a 404 or 405 (langchain-ai/langchain#31325).
  const base = cfg.baseUrl.replace(/\/v1$/, '');
  return {
    name: 'claude-custom',
    protocol: 'anthropic',
    fallbackModels: ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5'],
    async generate(_model, _mode, body): Promise<UpstreamRequest> {
      return { url: `${base}/v1/messages`, method: 'POST', headers: headers(), body };
    },
    async listModels() {
      return { url: `${base}/v1/models?limit=1000`, method: 'GET', headers: headers() };
    },
    async countTokens(_model, body) {
      return { url: `${base}/v1/messages/count_tokens`, method: 'POST', headers: headers(), body };
    },
  };
}
