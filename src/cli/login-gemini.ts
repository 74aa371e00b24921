import { loginWithGoogle } from '../auth/google/login-flow.ts';
import { ConfigError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { ParsedArgs } from './args.ts';

export interface LoginIO {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  /** Pasted lines (stdin). */
  input?: AsyncIterable<string>;
}

const USAGE = 'usage: aiproxy login gemini [--gemini-oauth-creds-file PATH] [--config FILE]';

/**
 * `aiproxy login gemini`: signs in with Google and writes the credentials file gemini-cli-oauth reads
 * (gemini.oauth_creds_file, default ~/.gemini/oauth_creds.json or $GEMINI_CLI_HOME/.gemini/…, the same file the Gemini CLI uses).
 * The same flags, environment and config.yaml as the server apply, so the file lands where the server looks.
 * NO_BROWSER, OAUTH_CALLBACK_PORT and OAUTH_CALLBACK_HOST work as in the Gemini CLI.
 */
export async function loginCommand(args: ParsedArgs, io: LoginIO = defaultIO()): Promise<number> {
  if (args.rest.length !== 1 || args.rest[0] !== 'gemini') throw new ConfigError(USAGE);
  let g;
  try {
    g = loadConfig({ flags: args.flags, env: io.env }).gemini;
  } catch (e) {
    // Run by hand (sudo -u aiproxy …), it lacks the environment file the service gets, and a ${NAME} in
    // config.yaml whose variable lives there stopped the sign-in with no word on why the server starts.
    if (e instanceof ConfigError && /environment variable \S+ is not set$/.test(e.message)) {
      throw new ConfigError(`${e.message} (aiproxy login reads config.yaml as the server does: give it the server's environment, e.g. its EnvironmentFile)`);
    }
    throw e;
  }
  let result;
  try {
    result = await loginWithGoogle({
      oauth: { clientId: g.oauthClientId, clientSecret: g.oauthClientSecret, tokenUrl: g.oauthTokenUrl, proxy: g.proxyUrl },
      credsFile: g.oauthCredsFile,
      pasteOnly: /^(1|true|yes)$/i.test(io.env.NO_BROWSER ?? ''),
      callbackHost: io.env.OAUTH_CALLBACK_HOST || undefined,
      callbackPort: callbackPort(io.env.OAUTH_CALLBACK_PORT),
      print: io.out,
      pasted: io.input,
    });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // A refused or abandoned sign-in is an outcome to report, not a crash with a stack trace.
    io.err(`aiproxy: sign-in failed: ${(e as Error).message}`);
    return 1;
  }
  for (const line of signedInLines(result.email, result.credsFile)) io.out(line);
  if (g.oauthCredsBase64) io.out('Note: GEMINI_OAUTH_CREDS_BASE64 / gemini.oauth_creds_base64 is set and wins over this file; update or unset it.');
  return 0;
}

/**
 * What a finished sign-in prints: where the file went and how to hand it to a container as base64. On
 * Windows there is no POSIX shell to run `base64 < file` in and no mode bits to claim: the command is
 * PowerShell's, and the file gets the permissions its folder passes on.
 */
export function signedInLines(email: string | undefined, credsFile: string, platform: NodeJS.Platform = process.platform): string[] {
  const who = email ? ` as ${email}` : '';
  if (platform === 'win32') {
    const quoted = `'${credsFile.replaceAll("'", "''")}'`;
    return [
      `\nSigned in${who}. Credentials written to ${credsFile}.`,
      `For a container (PowerShell): $env:GEMINI_OAUTH_CREDS_BASE64 = [Convert]::ToBase64String([IO.File]::ReadAllBytes(${quoted}))`,
    ];
  }
  const quoted = `'${credsFile.replaceAll("'", `'\\''`)}'`;
  return [
    `\nSigned in${who}. Credentials written to ${credsFile} (mode 0600).`,
    `For a container: GEMINI_OAUTH_CREDS_BASE64="$(base64 < ${quoted} | tr -d '\\n')"`,
  ];
}

function callbackPort(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new ConfigError(`OAUTH_CALLBACK_PORT: ${JSON.stringify(raw)} is not a port number (1-65535)`);
  return n;
}

function defaultIO(): LoginIO {
  return {
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    // Bun's console is an async iterable over stdin lines.
    input: console as unknown as AsyncIterable<string>,
  };
}
