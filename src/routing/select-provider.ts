import { ProxyError } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import type { AliasIndex } from './aliases.ts';

export interface RoutingInput {
  /** `X-Model-Provider` or `Model-Provider` header. */
  header?: string | null;
  /** The first path segment when the route was mounted under a provider prefix. */
  prefix?: string;
  model?: string;
  /** Configured providers in model_providers order. */
  configured: readonly ProviderName[];
  /** The pools' model_map aliases and the provider each belongs to (see aliasIndex). */
  aliases?: AliasIndex;
}

/** The provider a client names with the `X-Model-Provider` (or `Model-Provider`) header, if any. */
export function providerHeader(request: Request): string | null {
  return request.headers.get('x-model-provider') ?? request.headers.get('model-provider');
}

/**
 * Which provider serves a request; first match wins: header, path prefix, the model's family (when that
 * family's provider is configured), a model_map alias (the provider whose pool defines it), then the
 * first configured provider.
 */
export function selectProvider(input: RoutingInput): ProviderName {
  const explicit = input.header?.trim() || input.prefix;
  if (explicit) {
    const found = input.configured.find((p) => p === explicit);
    if (!found) {
      // `/v1/v1/messages`: a base URL ending in /v1 given to a client that adds its own (Claude Code's
      // ANTHROPIC_BASE_URL, the Anthropic and Gemini SDKs). The first /v1 lands where a provider prefix goes.
      const doubled = !input.header?.trim() && /^v\d+(?:beta|alpha)?\d*$/i.test(explicit);
      throw new ProxyError({
        kind: 'invalid_request',
        message: doubled
          ? `the path repeats its API version (/${explicit}/v1…): the client adds /v1 itself, so its base URL must end at the proxy's address (or a provider prefix such as /${input.configured[0]}), without /${explicit}`
          : `provider "${explicit}" is not configured; configured providers: ${input.configured.join(', ')}`,
      });
    }
    return found;
  }
  if (input.model) {
    // Models OpenAI serves through the Responses API only go there, whatever comes first.
    if (RESPONSES_ONLY.test(bareModel(input.model)) && input.configured.includes('openaiResponses-custom')) return 'openaiResponses-custom';
    const family = familyOf(input.model);
    if (family) {
      const match = input.configured.find((p) => family.includes(p));
      if (match) return match;
    }
    // After the family: a pool may map a real model's name as a fallback's stand-in (claude-sonnet-4-5 →
    // gpt-4o on openai-custom), which must not take that model away from its own configured provider.
    const owner = input.aliases?.get(input.model);
    if (owner && input.configured.includes(owner)) return owner;
  }
  return input.configured[0]!;
}

/** gpt-5-codex, gpt-5.1-codex-max, codex-mini-latest, o1-pro, o3-pro, gpt-5-pro… */
const RESPONSES_ONLY = /^(?:(?:gpt-|o\d).*-(?:codex|pro)(?:-|$)|codex-|computer-use-)/;

const bareModel = (model: string): string => model.toLowerCase().replace(/^models\//, '');

/** Whether `provider` serves `model` by that name itself (its family: gpt-*, claude-*, gemini-*…). */
export function isNativeModel(provider: ProviderName, model: string): boolean {
  return familyOf(model)?.includes(provider) ?? false;
}

/** Providers that natively serve a model name (the first of them configured wins). */
function familyOf(model: string): readonly ProviderName[] | undefined {
  const m = bareModel(model);
  // OpenAI's embeddings models too; text-embedding-004/005 are Google's.
  if (/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-3-|text-embedding-ada-)/.test(m)) return ['openai-custom', 'openaiResponses-custom'];
  if (m.startsWith('claude-')) return ['claude-custom'];
  if (m.startsWith('gemini-')) return ['gemini-cli', 'gemini-cli-oauth'];
  return undefined;
}
