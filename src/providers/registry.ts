import type { ProviderName } from '../config/providers.ts';
import type { Config } from '../config/types.ts';
import { claudeCustom } from './claude-custom.ts';
import { geminiCli } from './gemini-cli.ts';
import { geminiCliOauth } from './gemini-cli-oauth/adapter.ts';
import { openaiCustom } from './openai-custom.ts';
import type { ProviderAdapter } from './types.ts';
import { Logger } from '../util/log.ts';

/** Adapters for the configured providers, in model_providers order (the first is the default). */
export function createProviders(config: Config): Map<ProviderName, ProviderAdapter> {
  const out = new Map<ProviderName, ProviderAdapter>();
  for (const name of config.modelProviders) {
    const adapter = createProvider(name, config);
    if (adapter) out.set(name, adapter);
  }
  return out;
}

function createProvider(name: ProviderName, config: Config): ProviderAdapter | undefined {
  switch (name) {
    case 'openai-custom':
      return openaiCustom(config.openai);
    case 'claude-custom':
      return claudeCustom(config.claude);
    case 'gemini-cli':
      return geminiCli(config.gemini);
    case 'gemini-cli-oauth':
      // Background token refreshes happen outside any request, so the adapter logs on its own.
      return geminiCliOauth(config.gemini, { log: new Logger(config.logLevel) });
  }
}
