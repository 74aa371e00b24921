/**
 * The original AIClient-2-API's config.json keys (UPPER_SNAKE, flat) and where aiproxy's config.yaml has
 * each. Operators moving over point --config at that file; naming the unknown keys one at a time would
 * leave them guessing the new names.
 */
const ORIGINAL_CONFIG_KEYS: Record<string, string> = {
  REQUIRED_API_KEY: 'api_key',
  SERVER_PORT: 'port',
  HOST: 'host',
  MODEL_PROVIDER: 'model_providers',
  OPENAI_API_KEY: 'openai.api_key',
  OPENAI_BASE_URL: 'openai.base_url',
  CLAUDE_API_KEY: 'claude.api_key',
  CLAUDE_BASE_URL: 'claude.base_url',
  GEMINI_OAUTH_CREDS_BASE64: 'gemini.oauth_creds_base64',
  GEMINI_OAUTH_CREDS_FILE_PATH: 'gemini.oauth_creds_file',
  GEMINI_BASE_URL: 'gemini.code_assist_base_url',
  PROJECT_ID: 'gemini.project_id',
  SYSTEM_PROMPT_FILE_PATH: 'system_prompt_file',
  SYSTEM_PROMPT_MODE: 'system_prompt_mode',
  PROMPT_LOG_MODE: 'log_prompts',
  PROMPT_LOG_BASE_NAME: 'prompt_log_file',
  PROVIDER_POOLS_FILE_PATH: 'provider_pools_file',
  REQUEST_MAX_RETRIES: 'pool.max_attempts',
  REQUEST_BASE_DELAY: 'pool.cooldown_ms',
  MAX_ERROR_COUNT: 'pool.error_threshold',
  PROXY_URL: 'openai.proxy_url, claude.proxy_url, gemini.proxy_url',
  providerFallbackChain: 'fallbacks',
  CRON_NEAR_MINUTES: '(none: tokens are refreshed in the background)',
  CRON_REFRESH_TOKEN: '(none: tokens are refreshed in the background)',
};

/**
 * For a config file written in the original project's format: every key of it that was found, with
 * aiproxy's name for it. Names only, never values. Undefined for any other file.
 */
export function originalConfigHint(data: Record<string, unknown>): string | undefined {
  const found = Object.keys(data).filter((k) => Object.hasOwn(ORIGINAL_CONFIG_KEYS, k));
  if (found.length === 0) return undefined;
  return `this is the original AIClient-2-API's config.json format; aiproxy's config.yaml keys are: ${found.map((k) => `${k} → ${ORIGINAL_CONFIG_KEYS[k]}`).join(', ')} (see README "Configuration")`;
}
