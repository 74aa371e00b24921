import type { Config } from '../config/types.ts';
import { bearerHeaders } from './openai-custom.ts';
import type { ProviderAdapter, UpstreamRequest } from './types.ts';

/**
 * OpenAI's Responses API, `{base_url}/responses` with a Bearer key (the openai section's, as for
 * openai-custom): the only way to some models (gpt-5-codex, the -pro models), and the API that returns
 * reasoning for the next turn. Also lists models and embeds (OpenAI's `/embeddings`) through the same
 * base URL.
 */
export function openaiResponsesCustom(cfg: Config['openai']): ProviderAdapter {
  const headers = (): Record<string, string> => bearerHeaders(cfg.apiKey);
  return {
    name: 'openaiResponses-custom',
    protocol: 'responses',
    fallbackModels: ['gpt-5.5', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.1-codex', 'gpt-5-codex', 'gpt-5-pro', 'o3-pro', 'o3', 'o4-mini', 'gpt-4.1'],
    async generate(_model, _mode, body): Promise<UpstreamRequest> {
      return { url: `${cfg.baseUrl}/responses`, method: 'POST', headers: headers(), body };
    },
    async stored(method, path) {
      return { url: `${cfg.baseUrl}/responses/${path}`, method, headers: headers() };
    },
    async compact(_model, body) {
      return { url: `${cfg.baseUrl}/responses/compact`, method: 'POST', headers: headers(), body };
    },
    async embed(_model, body) {
      return { url: `${cfg.baseUrl}/embeddings`, method: 'POST', headers: headers(), body };
    },
    async countTokens(_model, body) {
      return { url: `${cfg.baseUrl}/responses/input_tokens`, method: 'POST', headers: headers(), body };
    },
    async listModels() {
      return { url: `${cfg.baseUrl}/models`, method: 'GET', headers: headers() };
    },
  };
}
