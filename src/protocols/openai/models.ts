import { ProxyError } from '../../core/errors.ts';
import type { ModelInfo } from '../../core/models.ts';
import { isRecord } from '../../util/json.ts';

export interface OpenAIModelList {
  object: 'list';
  data: Array<{ id: string; object: 'model'; created: number; owned_by: string; context_length?: number }>;
}

/**
 * `GET /v1/models` as OpenAI answers it; the provider serving a model is its owner. A model's context
 * window, when an upstream told it, goes in OpenRouter's `context_length`: OpenAI-compatible clients
 * (opencode, Continue, Cursor) read it there, and without it fall back to a small default window and cut
 * long inputs (tashfeenahmed/freellmapi#309, lmstudio-ai/lmstudio-bug-tracker#2139).
 */
export function encodeModelList(models: ModelInfo[]): OpenAIModelList {
  return {
    object: 'list',
    data: models.map((m) => ({
      id: m.id,
      object: 'model',
      created: m.created ?? 0,
      owned_by: m.provider,
      ...(m.inputTokenLimit !== undefined && { context_length: m.inputTokenLimit }),
    })),
  };
}

/** An embeddings model's id, by the names OpenAI and the local servers give them. */
const EMBEDDING_NAME = /embed/i;

/**
 * An upstream's model list. Entries without an id are skipped; OpenRouter-style extras
 * (`name`, `context_length`), Together-style ones (`display_name`) and vLLM's `max_model_len` fill what
 * they can.
 */
export function decodeModelList(body: unknown): Array<Omit<ModelInfo, 'provider'>> {
  // Together AI answers `GET /v1/models` with the bare array of model objects, not `{object, data}`
  // (helixml/helix#386, dathere/qsv#2964): read either, or its models would be replaced by the built-in list.
  const data = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.data) ? body.data : undefined;
  if (!data) {
    throw new ProxyError({ kind: 'api_error', status: 502, message: 'upstream returned an invalid model list' });
  }
  const out: Array<Omit<ModelInfo, 'provider'>> = [];
  for (const m of data) {
    if (!isRecord(m) || typeof m.id !== 'string' || !m.id) continue;
    const info: Omit<ModelInfo, 'provider'> = { id: m.id };
    if (typeof m.created === 'number') info.created = m.created;
    if (typeof m.name === 'string' && m.name) info.displayName = m.name;
    else if (typeof m.display_name === 'string' && m.display_name) info.displayName = m.display_name;
    // OpenAI's list says nothing of what a model does: its embedding models are known by name
    // (text-embedding-3-small), as are the local servers' (nomic-embed-text, Qwen3-Embedding-8B). Unmarked,
    // a Gemini-shaped list offers them as chat models and a client choosing embedding models by
    // supportedGenerationMethods (ItzCrazyKns/Vane#916) finds none, though aiproxy converts their embeddings.
    if (m.type === 'embedding' || EMBEDDING_NAME.test(m.id)) info.embedding = true;
    if (typeof m.context_length === 'number') info.inputTokenLimit = m.context_length;
    // vLLM's name for it (the window the server was started with).
    else if (typeof m.max_model_len === 'number') info.inputTokenLimit = m.max_model_len;
    out.push(info);
  }
  return out;
}
