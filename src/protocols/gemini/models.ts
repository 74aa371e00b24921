import type { ModelInfo } from '../../core/models.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';

const METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'];

export function encodeModelList(models: ModelInfo[]): JsonObject {
  return {
    models: models.map((m) => {
      const out: JsonObject = {
        name: `models/${m.id}`,
        baseModelId: m.id,
        version: '001',
        displayName: m.displayName ?? m.id,
        description: `${m.displayName ?? m.id}, served by ${m.provider}`,
      };
      // Unknown limits stay out rather than guessed: clients size their context from them.
      if (m.inputTokenLimit !== undefined) out.inputTokenLimit = m.inputTokenLimit;
      if (m.outputTokenLimit !== undefined) out.outputTokenLimit = m.outputTokenLimit;
      out.supportedGenerationMethods = METHODS;
      return out;
    }),
  };
}

export function decodeModelList(body: unknown): Array<Omit<ModelInfo, 'provider'>> {
  if (!isRecord(body) || !Array.isArray(body.models)) return [];
  const out: Array<Omit<ModelInfo, 'provider'>> = [];
  for (const m of body.models) {
    if (!isRecord(m) || typeof m.name !== 'string') continue;
    // Embedding and other non-chat models cannot serve generateContent requests.
    const methods = m.supportedGenerationMethods;
    if (Array.isArray(methods) && !methods.includes('generateContent')) continue;
    const info: Omit<ModelInfo, 'provider'> = { id: m.name.replace(/^models\//, '') };
    if (typeof m.displayName === 'string') info.displayName = m.displayName;
    if (typeof m.inputTokenLimit === 'number') info.inputTokenLimit = m.inputTokenLimit;
    if (typeof m.outputTokenLimit === 'number') info.outputTokenLimit = m.outputTokenLimit;
    out.push(info);
  }
  return out;
}
