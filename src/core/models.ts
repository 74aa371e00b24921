/** A model as the proxy lists it; each protocol renders the list in its own shape. */
export interface ModelInfo {
  /** Bare id, e.g. `gpt-4o`, `claude-sonnet-4-5`, `gemini-2.5-pro` (no `models/` prefix). */
  id: string;
  /** The provider that serves it (openai-custom, claude-custom…). */
  provider: string;
  displayName?: string;
  /** Unix seconds. */
  created?: number;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  /**
   * An embeddings model (Gemini's `embedContent` ones): listed, as OpenAI lists its own, so a client's
   * embedding picker finds it; a Gemini list says it embeds rather than generates.
   */
  embedding?: boolean;
}
