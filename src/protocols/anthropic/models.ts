import type { ModelInfo } from '../../core/models.ts';
import { isRecord } from '../../util/json.ts';

/** Unix seconds → RFC 3339 the way Anthropic writes it (`2025-09-29T00:00:00Z`, no milliseconds). */
function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `GET /v1/models` body (protocols.md §2.6); the proxy lists everything at once, so no further page. */
export function encodeModelList(all: ModelInfo[]): Record<string, unknown> {
  // The Messages API cannot use an embeddings model, and Anthropic's list has no way to say what one is.
  const models = all.filter((m) => !m.embedding);
  const data = models.map((m) => {
    const entry: Record<string, unknown> = {
      type: 'model',
      id: m.id,
      display_name: m.displayName ?? m.id,
      // The field is required; a model without a known date gets the epoch rather than a made-up one.
      created_at: rfc3339(m.created ?? 0),
    };
    if (m.inputTokenLimit !== undefined) entry.max_input_tokens = m.inputTokenLimit;
    if (m.outputTokenLimit !== undefined) entry.max_tokens = m.outputTokenLimit;
    return entry;
  });
  return { data, has_more: false, first_id: models[0]?.id ?? null, last_id: models.at(-1)?.id ?? null };
}

/** An upstream model list; entries without an id are skipped rather than failing the whole list. */
export function decodeModelList(body: unknown): Array<Omit<ModelInfo, 'provider'>> {
  if (!isRecord(body) || !Array.isArray(body.data)) return [];
  const out: Array<Omit<ModelInfo, 'provider'>> = [];
  for (const m of body.data) {
    if (!isRecord(m) || typeof m.id !== 'string' || !m.id) continue;
    const info: Omit<ModelInfo, 'provider'> = { id: m.id };
    if (typeof m.display_name === 'string') info.displayName = m.display_name;
    const created = typeof m.created_at === 'string' ? Date.parse(m.created_at) : Number.NaN;
    if (!Number.isNaN(created)) info.created = Math.floor(created / 1000);
    if (typeof m.max_input_tokens === 'number') info.inputTokenLimit = m.max_input_tokens;
    if (typeof m.max_tokens === 'number') info.outputTokenLimit = m.max_tokens;
    out.push(info);
  }
  return out;
}
