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
  };
}
