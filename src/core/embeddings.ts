/**
 * An embeddings request in the middle: what to turn into vectors. Each client protocol decodes into it
 * and each upstream protocol encodes from it, as for generation, so one codec per protocol serves
 * every pair.
 */
export interface CanonicalEmbedRequest {
  model: string;
  /** One entry per vector wanted, in order: a text, or (OpenAI clients only) tokens already encoded. */
  inputs: Array<string | number[]>;
  /** Length of each vector, when the client asked for a shortened one. */
  dimensions?: number;
  /** Gemini's retrieval hints (taskType, title); other upstreams have no place for them. */
  taskType?: string;
  title?: string;
}

export interface CanonicalEmbedResponse {
  /** One vector per input, in the inputs' order. */
  vectors: number[][];
  /** Tokens the upstream counted, when it says. */
  inputTokens?: number;
}
