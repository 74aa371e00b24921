import { integer, milliseconds as ms, oneOf, path } from './parsers.ts';

/**
 * The settings that bound what a request and the process may cost and say how the proxy reports
 * itself: limits, timeouts, keep-alive, admission, logging and the system prompt (issue 8). Spread into
 * SETTINGS, so they are read from flags, environment and config.yaml like every other setting.
 */

export type LogFormat = 'text' | 'json';
export type SystemPromptMode = 'overwrite' | 'append';
export type PromptLogMode = 'off' | 'console' | 'file';

/** A file path; anything but a non-empty string is refused with the same words. */
const filePath = (raw: unknown): string => {
  if (typeof raw !== 'string' || !raw.trim()) throw new Error('must be a file path');
  return path(raw);
};

export const OPERATIONAL_SETTINGS = {
  maxBodyBytes: {
    key: 'limits.max_body_bytes', flag: '--max-body-bytes', env: 'AIPROXY_MAX_BODY_BYTES',
    parse: integer(1024, 2 ** 31 - 1, 'a size in bytes'), default: 32 * 1024 * 1024,
    help: 'Largest request body, counted after decompression (413 beyond it)',
  },
  maxJsonDepth: {
    key: 'limits.max_json_depth', flag: '--max-json-depth', env: 'AIPROXY_MAX_JSON_DEPTH',
    parse: integer(2, 10_000, 'a nesting depth'), default: 64,
    help: 'Deepest nesting of objects and arrays in a request body (400 beyond it)',
  },
  softMemoryMb: {
    key: 'limits.soft_memory_mb', flag: '--soft-memory-mb', env: 'AIPROXY_SOFT_MEMORY_MB',
    parse: integer(0, 1_048_576, 'a size in MB'), default: 96,
    help: 'Resident memory beyond which garbage is collected at once rather than when the runtime would (0 = off)',
  },
  connectTimeoutMs: {
    key: 'timeouts.connect_ms', flag: '--connect-timeout-ms', env: 'AIPROXY_CONNECT_TIMEOUT_MS', parse: ms, default: 10_000,
    help: 'Time to connect to an upstream (0 = no limit)',
  },
  headersTimeoutMs: {
    key: 'timeouts.headers_ms', flag: '--headers-timeout-ms', env: 'AIPROXY_HEADERS_TIMEOUT_MS', parse: ms, default: 300_000,
    help: 'Time for an upstream to send its response headers; reasoning models think long (0 = no limit)',
  },
  idleTimeoutMs: {
    key: 'timeouts.idle_ms', flag: '--idle-timeout-ms', env: 'AIPROXY_IDLE_TIMEOUT_MS', parse: ms, default: 300_000,
    help: 'Longest silence between upstream stream chunks (0 = no limit); a stream that flows has no total cap',
  },
  keepaliveMs: {
    key: 'keepalive_ms', flag: '--keepalive-ms', env: 'AIPROXY_KEEPALIVE_MS', parse: ms, default: 15_000,
    help: 'Keep-alive interval while a started stream is silent (0 = none)',
  },
  maxInflight: {
    key: 'max_inflight', flag: '--max-inflight', env: 'AIPROXY_MAX_INFLIGHT', parse: integer(0, 1_000_000, 'a count'), default: 0,
    help: 'Requests served at once by this process; beyond it a fast 503 with retry-after (0 = unlimited)',
  },
  logFormat: {
    key: 'log_format', flag: '--log-format', env: 'AIPROXY_LOG_FORMAT', parse: oneOf<LogFormat>(['text', 'json']),
    default: 'text' as LogFormat, help: 'text (readable) or json (one object per line)',
  },
  systemPromptFile: {
    key: 'system_prompt_file', flag: '--system-prompt-file', env: 'AIPROXY_SYSTEM_PROMPT_FILE', parse: filePath,
    help: 'A system prompt applied to every generate request (read at start-up and on reload)',
  },
  systemPromptMode: {
    key: 'system_prompt_mode', flag: '--system-prompt-mode', env: 'AIPROXY_SYSTEM_PROMPT_MODE',
    parse: oneOf<SystemPromptMode>(['overwrite', 'append']), default: 'overwrite' as SystemPromptMode,
    help: 'overwrite: the file replaces the client\'s system prompt; append: it follows it',
  },
  logPrompts: {
    key: 'log_prompts', flag: '--log-prompts', env: 'AIPROXY_LOG_PROMPTS',
    parse: oneOf<PromptLogMode>(['off', 'console', 'file'], { none: 'off', false: 'off' }), default: 'off' as PromptLogMode,
    help: 'Log prompt and answer text: off, console or file (prompt_log_file, rotated)',
  },
  promptLogFile: {
    key: 'prompt_log_file', flag: '--prompt-log-file', env: 'AIPROXY_PROMPT_LOG_FILE', parse: filePath, default: 'prompts.log',
    help: 'Where --log-prompts file writes (rotated at 10 MB, 5 files kept)',
  },
};
