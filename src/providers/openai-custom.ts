import type { Config } from '../config/types.ts';
import type { ProviderAdapter, UpstreamRequest } from './types.ts';

/** JSON with OpenAI's Bearer key; none when there is no key (local OpenAI-compatible servers often need none). */
export function bearerHeaders(apiKey: string | undefined): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

/** Any OpenAI-compatible endpoint: `{base_url}/chat/completions` (and `/embeddings`) with a Bearer key. */
export function openaiCustom(cfg: Config['openai']): ProviderAdapter {
  const headers = (): Record<string, string> => bearerHeaders(cfg.apiKey);
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
