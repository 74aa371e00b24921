/**
 * Function names towards a Gemini upstream. OpenAI and Anthropic allow `[A-Za-z0-9_-]` in any position,
 * but Gemini wants a name to start with a letter or an underscore (a 400 otherwise: "Invalid function
 * name. Must start with a letter or an underscore…"), so `2fa_code` or `-x` cannot be declared as they
 * are (protocols.md §7.8). Such names get a marker prefix on the way up and lose it on the way back.
 * The mapping needs no per-request state: a name that already starts with the marker is prefixed too,
 * so stripping one marker always restores the original.
 */
const MARKER = '_fn_';
const GEMINI_START = /^[A-Za-z_]/;

/** The name to declare and send to Gemini for a client's function name. */
export function toGeminiName(name: string): string {
  return GEMINI_START.test(name) && !name.startsWith(MARKER) ? name : MARKER + name;
}

/** The client's function name for a name Gemini used (in a functionCall it returned). */
export function fromGeminiName(name: string): string {
  return name.startsWith(MARKER) ? name.slice(MARKER.length) : name;
}
