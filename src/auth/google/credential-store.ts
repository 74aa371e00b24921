import { readFile, stat } from 'node:fs/promises';
import { ProxyError } from '../../core/errors.ts';
import { tryParseJson } from '../../util/json.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { parseCredentials, type GoogleCredentials } from './credentials.ts';
import { LOGIN_COMMAND } from './oauth-constants.ts';

/** Where Google credentials live: the Gemini CLI's file, or a base64 copy handed to a container. */
export interface CredentialStore {
  /** A stable identity (path or content hash), so two adapters over the same credentials share one token. */
  readonly id: string;
  /** Where they live, for messages. */
  readonly where: string;
  /** How to put new credentials in place after signing in again, for messages. */
  readonly renewHint: string;
  load(): Promise<GoogleCredentials>;
  /**
   * Keeps refreshed credentials; for a file, written back atomically so a restart or the Gemini CLI keeps working.
   * Rejects with SignedOutError, writing nothing, when the file has been deleted meanwhile.
   */
  save(creds: GoogleCredentials): Promise<void>;
  /** Rejects with SignedOutError when the credentials have been removed; a store that cannot lose them has none. */
  checkPresent?(): Promise<void>;
}

/**
 * The credentials are not there: never signed in, or signed out since (the Gemini CLI's logout and its
 * `/auth` switch delete the file). Whatever aiproxy still holds in memory belongs to a sign-in the user ended.
 */
export class SignedOutError extends ProxyError {}

const unusable = (message: string): ProxyError => new ProxyError({ kind: 'authentication', message });

export function fileCredentialStore(path: string): CredentialStore {
  const renewHint = `Run \`${LOGIN_COMMAND}\` (or sign in with the Gemini CLI) to write ${path}.`;
  const signedOut = (): SignedOutError =>
    new SignedOutError({
      kind: 'authentication',
      message: `gemini-cli-oauth has no Google sign-in: ${path} does not exist. ${renewHint} In a container, set GEMINI_OAUTH_CREDS_BASE64 instead.`,
    });
  const isMissing = (e: unknown): boolean => (e as { code?: string } | null)?.code === 'ENOENT';
  return {
    id: `file:${path}`,
    where: path,
    renewHint,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if (isMissing(e)) throw signedOut();
        const why = `cannot be read (${(e as { code?: string }).code ?? (e as Error).message})`;
        throw unusable(
          `gemini-cli-oauth has no Google sign-in: ${path} ${why}. ${renewHint} In a container, set GEMINI_OAUTH_CREDS_BASE64 instead.`,
        );
      }
      const parsed = parseCredentials(tryParseJson(text));
      if ('problem' in parsed) throw unusable(`gemini-cli-oauth cannot use ${path}: it ${parsed.problem}. ${renewHint}`);
      return parsed.creds;
    },
    async save(creds) {
      // Two-space JSON, as the Gemini CLI writes it, so either program can read what the other wrote.
      await writeFileAtomic(path, `${JSON.stringify(creds, null, 2)}\n`, { replaceOnly: true }).catch((e: unknown) => {
        throw isMissing(e) ? signedOut() : e;
      });
    },
    async checkPresent() {
      // Only a file that is not there is a sign-out; one unreadable for a moment is for load() to report.
      await stat(path).catch((e: unknown) => {
        if (isMissing(e)) throw signedOut();
      });
    },
  };
}

/**
 * Credentials from GEMINI_OAUTH_CREDS_BASE64. Refreshed tokens live in memory only: there is no file to
 * write, and the refresh token in the variable stays valid, so a restart simply refreshes again.
 */
export function base64CredentialStore(base64: string): CredentialStore {
  const parsed = parseCredentials(tryParseJson(Buffer.from(base64, 'base64').toString('utf8')));
  const renewHint = `Run \`${LOGIN_COMMAND}\` on a machine with a browser and set GEMINI_OAUTH_CREDS_BASE64 to the base64 of the file it writes.`;
  let current = 'creds' in parsed ? parsed.creds : undefined;
  return {
    id: `base64:${Bun.hash(base64).toString(36)}`,
    where: 'GEMINI_OAUTH_CREDS_BASE64 (gemini.oauth_creds_base64)',
    renewHint,
    async load() {
      if (!current) {
        const problem = 'problem' in parsed ? parsed.problem : 'is empty';
        throw unusable(`gemini-cli-oauth cannot use GEMINI_OAUTH_CREDS_BASE64: the decoded credentials ${problem}. ${renewHint}`);
      }
      return current;
    },
    async save(creds) {
      current = creds;
    },
  };
}
