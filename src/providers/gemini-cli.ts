import type { Config } from '../config/types.ts';
import type { ProviderAdapter, UpstreamRequest } from './types.ts';

export const GEMINI_MODELS = [
  'gemini-2.5-pro',
  'gemini-2.5-flash',
  'gemini-2.5-flash-lite',
  'gemini-3-pro-preview',
  'gemini-3-flash-preview',
] as const;

/** The Gemini API with an API key (`x-goog-api-key`), as AI Studio keys are used. */
export function geminiCli(cfg: Config['gemini']): ProviderAdapter {
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    if (cfg.apiKey) h['x-goog-api-key'] = cfg.apiKey;
    return h;
  };
  const modelUrl = (model: string, method: string): string =>
    `${cfg.baseUrl}/v1beta/models/${encodeURIComponent(model)}:${method}`;
  return {
    name: 'gemini-cli',
    protocol: 'gemini',
    fallbackModels: GEMINI_MODELS,
    async generate(model, mode, body): Promise<UpstreamRequest> {
      const url =
        mode === 'unary'
          ? modelUrl(model, 'generateContent')
          : modelUrl(model, 'streamGenerateContent') + (mode === 'sse' ? '?alt=sse' : '');
      return { url, method: 'POST', headers: headers(), body };
    },
    async listModels() {
      return { url: `${cfg.baseUrl}/v1beta/models?pageSize=1000`, method: 'GET', headers: headers() };
    },
    async embed(model, body, single) {
      return { url: modelUrl(model, single ? 'embedContent' : 'batchEmbedContents'), method: 'POST', headers: headers(), body };
    },
    async countTokens(model, body) {
      return { url: modelUrl(model, 'countTokens'), method: 'POST', headers: headers(), body };
    },
  };
}
