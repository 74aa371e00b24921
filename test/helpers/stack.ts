import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startAnthropicMock } from './mocks/anthropic-mock.ts';
import { startGeminiMock, type GeminiMock } from './mocks/gemini-mock.ts';
import { startOpenAIMock } from './mocks/openai-mock.ts';
import type { MockServer } from './mocks/types.ts';
import { startProxy, type TestProxy } from './proxy.ts';

/** Three mock upstreams, aiproxy configured against all of them, and the three official SDKs pointed at aiproxy. */
export interface Stack {
  openai: MockServer;
  claude: MockServer;
  gemini: GeminiMock;
  proxy: TestProxy;
  openaiClient: OpenAI;
  anthropicClient: Anthropic;
  geminiClient: GoogleGenAI;
  stop(): Promise<void>;
}

export async function startStack(
  providers = 'openai-custom,claude-custom,gemini-cli',
  extraFlags: string[] = [],
): Promise<Stack> {
  const [openai, claude, gemini] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);
  const proxy = await startProxy([
    '--model-provider', providers,
    '--openai-base-url', openai.url, '--openai-api-key', openai.key,
    '--claude-base-url', claude.url, '--claude-api-key', claude.key,
    '--gemini-base-url', gemini.url, '--gemini-api-key', gemini.key,
    ...extraFlags,
  ]);
  return {
    openai,
    claude,
    gemini,
    proxy,
    // No SDK retries: a test must see the first answer, not a retried one.
    openaiClient: new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 }),
    anthropicClient: new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 }),
    geminiClient: new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: proxy.url, apiVersion: 'v1beta' } }),
    stop: async () => {
      await Promise.all([proxy.stop(), openai.stop(), claude.stop(), gemini.stop()]);
    },
  };
}

/** Polls a condition every 10 ms, failing after timeoutMs. */
export async function eventually(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}
