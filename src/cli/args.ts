import { ConfigError } from '../config/errors.ts';
import { SETTINGS } from '../config/settings.ts';

export interface ParsedArgs {
  command: 'serve' | 'help' | 'version' | 'login';
  /** Positional words after the command (e.g. `login gemini`). */
  rest: string[];
  /** Flag name (with --) → raw value. */
  flags: Map<string, string>;
}

const VALUE_FLAGS = new Set(Object.values(SETTINGS).flatMap((s) => ('flag' in s && s.flag ? [s.flag] : [])));
/** Flags of comma-separated lists: given twice, they add up instead of the last one silently winning. */
const LIST_FLAGS = new Set(Object.values(SETTINGS).flatMap((s) => ('flag' in s && 'list' in s && s.list ? [s.flag] : [])));

/**
 * The original project's options that aiproxy does not take, with what to do instead: its Docker image
 * and service files pass them (`node src/api-server.js $ARGS`), and a bare "unknown option" leaves the
 * operator guessing whether aiproxy has an equivalent.
 */
const ORIGINAL_OPTIONS: Record<string, string> = {
  '--gemini-oauth-creds-base64': 'set the environment variable GEMINI_OAUTH_CREDS_BASE64 (or gemini.oauth_creds_base64)',
  '--prompt-log-base-name': 'use --prompt-log-file PATH',
  '--cron-near-minutes': 'not needed: OAuth tokens are refreshed in the background before they expire',
  '--cron-refresh-token': 'not needed: OAuth tokens are refreshed in the background before they expire',
  '--request-max-retries': 'use pool.max_attempts in config.yaml',
  '--request-base-delay': 'use pool.cooldown_ms in config.yaml',
  '--max-error-count': 'use pool.error_threshold in config.yaml',
  '--kiro-oauth-creds-base64': 'aiproxy does not serve claude-kiro-oauth',
  '--kiro-oauth-creds-file': 'aiproxy does not serve claude-kiro-oauth',
  '--qwen-oauth-creds-file': 'aiproxy does not serve openai-qwen-oauth',
};

/**
 * `--flag value` and `--flag=value`. Unknown flags are an error: the original silently ignored them, and a
 * mistyped `--prot 8080` then started on the wrong port.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const flags = new Map<string, string>();
  const words: string[] = [];
  let command: ParsedArgs['command'] = 'serve';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      command = 'help';
      continue;
    }
    if (arg === '--version' || arg === '-v') {
      if (command !== 'help') command = 'version';
      continue;
    }
    if (!arg.startsWith('-')) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!VALUE_FLAGS.has(name)) {
      const instead = Object.hasOwn(ORIGINAL_OPTIONS, name) ? ORIGINAL_OPTIONS[name] : undefined;
      throw new ConfigError(instead ? `unknown option ${name}, an option of the original AIClient-2-API: ${instead}` : `unknown option ${name} (see --help)`);
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new ConfigError(`${name} needs a value`);
      i++;
    }
    const before = flags.get(name);
    flags.set(name, before !== undefined && LIST_FLAGS.has(name) ? `${before},${value}` : value);
  }
  if (words[0] === 'login' && command === 'serve') command = 'login';
  else if (words.length > 0 && command === 'serve') throw new ConfigError(`unknown command "${words[0]}" (see --help)`);
  return { command, rest: command === 'login' ? words.slice(1) : words, flags };
}
