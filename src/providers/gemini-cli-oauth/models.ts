/**
 * What a Google account can use through Code Assist (protocols.md §4.7). Code Assist has no model-list
 * endpoint, so this is the list every model-list route shows. A model not in it is still sent as asked:
 * Google decides, and an unknown name comes back as Google's own error.
 */
export const CODE_ASSIST_MODELS = [
  'gemini-2.5-pro',
  'gemini-2.5-flash',
  'gemini-2.5-flash-lite',
  'gemini-3.5-flash',
  'gemini-3-pro-preview',
  'gemini-3.1-pro-preview',
  'gemini-3-flash-preview',
  'gemini-3.1-flash-lite-preview',
] as const;

/**
 * Public ids Code Assist serves under another name. The Gemini CLI renames them on the way out when signed
 * in with Google (its config/models.ts CCPA_AI_MODEL_MAPPINGS, getBackendModelMappings): Code Assist knows
 * Gemini 3.5 Flash, the CLI's default Flash, as `gemini-3-flash`, and has no `gemini-3.5-flash`. Users ask
 * for the model by its public name, as they do in the Gemini CLI (can1357/oh-my-pi#8885).
 */
const BACKEND_NAMES: Readonly<Record<string, string>> = { 'gemini-3.5-flash': 'gemini-3-flash' };

/**
 * The bare model id as Code Assist knows it. A quota error naming the backend id still cools the model the
 * client asked for: the pool cools the member's model for the request, whatever the error names (failover.ts).
 */
export const codeAssistModel = (model: string): string => (Object.hasOwn(BACKEND_NAMES, model) ? BACKEND_NAMES[model]! : model);
