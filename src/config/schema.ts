import { Type } from '@sinclair/typebox';

/**
 * The shape of config.yaml. Unknown keys are rejected so a typo ("base_ur1") stops start-up instead of
 * being silently ignored. Values are checked again per setting in settings.ts, with the source named.
 */
const Str = Type.Optional(Type.String());
/** A number; flags and `${ENV}` expansion give strings, which the setting's parser checks. */
const Num = Type.Optional(Type.Union([Type.Integer(), Type.String()]));
const Section = <T extends Record<string, ReturnType<typeof Type.Optional>>>(props: T) =>
  Type.Optional(Type.Object(props, { additionalProperties: false }));

export const ConfigFileSchema = Type.Object(
  {
    host: Str,
    port: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
    api_key: Str,
    model_providers: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()])),
    log_level: Str,
    shutdown_timeout_ms: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
    allow_private_media_urls: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
    cors_origin: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()])),
    // Checked in detail by src/pool/config.ts, which names the offending member key.
    provider_pools: Type.Optional(Type.Unknown()),
    provider_pools_file: Str,
    pool: Type.Optional(Type.Unknown()),
    fallbacks: Type.Optional(Type.Unknown()),
    limits: Section({ max_body_bytes: Num, max_json_depth: Num, soft_memory_mb: Num }),
    timeouts: Section({ connect_ms: Num, headers_ms: Num, idle_ms: Num }),
    keepalive_ms: Num,
    max_inflight: Num,
    log_format: Str,
    system_prompt_file: Str,
    system_prompt_mode: Str,
    log_prompts: Type.Optional(Type.Union([Type.String(), Type.Boolean()])),
    prompt_log_file: Str,
    // Checked in detail by src/config/api-keys.ts, which names the offending entry (never its key).
    api_keys: Type.Optional(Type.Unknown()),
    openai: Section({ api_key: Str, base_url: Str, proxy_url: Str }),
    claude: Section({ api_key: Str, base_url: Str, proxy_url: Str }),
    gemini: Section({
      api_key: Str,
      base_url: Str,
      proxy_url: Str,
      oauth_creds_file: Str,
      oauth_creds_base64: Str,
      oauth_client_id: Str,
      oauth_client_secret: Str,
      project_id: Str,
      code_assist_base_url: Str,
      oauth_token_url: Str,
    }),
  },
  { additionalProperties: false },
);
