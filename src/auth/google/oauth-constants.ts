/**
 * The Gemini CLI's OAuth installed-app client (protocols.md §4.5). Google publishes installed-app secrets
 * on purpose: a desktop program cannot keep one, so it identifies the program, not the user. Refresh
 * tokens in ~/.gemini/oauth_creds.json were issued to this client and only refresh with it.
 */
export const GEMINI_CLI_OAUTH_CLIENT_ID = '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com';
export const GEMINI_CLI_OAUTH_CLIENT_SECRET = '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';

/** What the Gemini CLI asks for; cloud-platform is the one Code Assist checks. */
export const GEMINI_CLI_OAUTH_SCOPES = [
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
] as const;

/** Where Google shows the code to paste when no browser can reach a loopback port (the Gemini CLI's NO_BROWSER mode). */
export const GOOGLE_CODE_PASTE_REDIRECT = 'https://codeassist.google.com/authcode';

/** The command that writes a new credentials file; every "sign in again" message names it. */
export const LOGIN_COMMAND = 'aiproxy login gemini';
