import type { ModelInfo } from '../../core/models.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';

const METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'];
/** What aiproxy serves for an embeddings model (src/server/routes/embeddings.ts). */
const EMBED_METHODS = ['embedContent', 'batchEmbedContents'];

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
      // Clients pick embedding models by this field (ItzCrazyKns/Vane#916) and chat models by generateContent.
      out.supportedGenerationMethods = m.embedding ? EMBED_METHODS : METHODS;
      return out;
    }),
  };
}

export function decodeModelList(body: unknown): Array<Omit<ModelInfo, 'provider'>> {
  if (!isRecord(body) || !Array.isArray(body.models)) return [];
  const out: Array<Omit<ModelInfo, 'provider'>> = [];
  for (const m of body.models) {
    if (!isRecord(m) || typeof m.name !== 'string') continue;
    // Embedding models are kept, marked, since aiproxy serves their embeddings: a list without them leaves
    // a client's knowledge-base picker empty (Science-Discovery/Aether#379, chatboxai/chatbox#3914).
    // Other non-chat models (imagen's predict, aqa) can serve neither and are skipped.
    const methods = m.supportedGenerationMethods;
    const embedding = Array.isArray(methods) && !methods.includes('generateContent') && methods.includes('embedContent');
    if (Array.isArray(methods) && !methods.includes('generateContent') && !embedding) continue;
    const info: Omit<ModelInfo, 'provider'> = { id: m.name.replace(/^models\//, '') };
    if (embedding) info.embedding = true;
    if (typeof m.displayName === 'string') info.displayName = m.displayName;
    if (typeof m.inputTokenLimit === 'number') info.inputTokenLimit = m.inputTokenLimit;
    if (typeof m.outputTokenLimit === 'number') info.outputTokenLimit = m.outputTokenLimit;
    out.push(info);
  }
  return out;
}
