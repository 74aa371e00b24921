/** The upstream kinds an operator can configure. Public names: they appear in config, flags, headers and paths. */
export const PROVIDER_NAMES = ['openai-custom', 'claude-custom', 'gemini-cli', 'gemini-cli-oauth', 'openaiResponses-custom'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(v: string): v is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(v);
}
