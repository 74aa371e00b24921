import type { Config } from '../config/types.ts';
import type { ProviderAdapter, UpstreamRequest } from './types.ts';

/** Any OpenAI-compatible endpoint: `{base_url}/chat/completions` (and `/embeddings`) with a Bearer key. */
export function openaiCustom(cfg: Config['openai']): ProviderAdapter {
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    // Local OpenAI-compatible servers often need no key at all.
    if (cfg.apiKey) h.authorization = `Bearer ${cfg.apiKey}`;
    return h;
  };
  return {
    name: 'openai-custom',
    protocol: 'openai',
    fallbackModels: ['gpt-6-sol', 'gpt-5.5', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-4.1', 'gpt-4o', 'o3', 'o4-mini'],
    async generate(_model, _mode, body): Promise<UpstreamRequest> {
      return { url: `${cfg.baseUrl}/chat/completions`, method: 'POST', headers: headers(), body };
    },
    async embed(_model, body) {
      return { url: `${cfg.baseUrl}/embeddings`, method: 'POST', headers: headers(), body };
    },
    async listModels() {
      return { url: `${cfg.baseUrl}/models`, method: 'GET', headers: headers() };
    },
  };
}
