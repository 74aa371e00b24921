/**
 * What a Google account can use through Code Assist (protocols.md §4.7). Code Assist has no model-list
 * endpoint, so this is the list every model-list route shows. A model not in it is still sent as asked:
 * Google decides, and an unknown name comes back as Google's own error.
 */
export const CODE_ASSIST_MODELS = [
  'gemini-2.5-pro',
  'gemini-2.5-flash',
  'gemini-2.5-flash-lite',
  'gemini-3-pro-preview',
  'gemini-3.1-pro-preview',
  'gemini-3-flash-preview',
  'gemini-3.1-flash-lite-preview',
] as const;
