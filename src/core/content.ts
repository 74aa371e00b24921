/**
 * Content parts of the canonical model. Every wire protocol decodes into these and encodes from them,
 * so a conversion between two protocols never needs to know about the other one.
 */

/**
 * Who issued an opaque continuity token. Tokens only ever go back to their issuer. Google has two: the
 * Gemini API (`gemini`) and Code Assist (`code-assist`, the Gemini CLI's Google-login backend) speak the
 * same protocol but encrypt thought signatures differently, and each refuses the other's with 400
 * "Corrupted thought signature." (the Gemini CLI drops its signatures when it changes between the two,
 * google-gemini/gemini-cli#6089).
 */
export type SignatureFamily = 'anthropic' | 'gemini' | 'code-assist' | 'openai';

/** The families Google issues: the ones a Gemini thoughtSignature field carries. */
export type GoogleFamily = Extract<SignatureFamily, 'gemini' | 'code-assist'>;

export const isGoogleFamily = (family: SignatureFamily): family is GoogleFamily => family === 'gemini' || family === 'code-assist';

/**
 * An opaque reasoning-continuity token (Anthropic thinking signature, Gemini thoughtSignature, an OpenAI
 * Responses reasoning item's id and encrypted_content).
 */
export interface Signature {
  family: SignatureFamily;
  value: string;
}

/** Binary or remote media. `data` is base64 without a data-URL prefix. */
export type MediaSource =
  | { kind: 'base64'; mediaType: string; data: string }
  | { kind: 'url'; url: string; mediaType?: string }
  /** Plain text carried as a document (Anthropic `source.type: text`). */
  | { kind: 'text'; mediaType: string; data: string };

export interface TextPart {
  type: 'text';
  text: string;
  /**
   * The model declined (OpenAI's `refusal`): text to every client, but where the client's protocol has a
   * place for a refusal (Chat Completions `message.refusal`, a Responses `refusal` part) it goes there, so
   * an SDK's structured-output parsing does not read it as the answer.
   */
  refusal?: boolean;
  /** Per-protocol extras that have no canonical field (e.g. anthropic `cache_control`). */
  extras?: ProtocolExtras;
}

export interface ImagePart {
  type: 'image';
  source: MediaSource;
  /** OpenAI `detail`; dropped by protocols without it. */
  detail?: string;
}

/** PDFs, plain-text documents, audio and other files. */
export interface FilePart {
  type: 'file';
  source: MediaSource;
  filename?: string;
}

export interface ToolCallPart {
  type: 'tool_call';
  /** Always set: decoders of protocols without ids (Gemini) synthesise one. */
  id: string;
  name: string;
  /** Always an object: invalid or empty argument JSON becomes `{}`. */
  args: Record<string, unknown>;
  /** Gemini attaches thoughtSignature to function-call parts. */
  signature?: Signature;
}

export interface ToolResultPart {
  type: 'tool_result';
  callId: string;
  /** The called function's name; Gemini requires it, decoders recover it from history when absent. */
  name?: string;
  content: Array<TextPart | ImagePart | FilePart>;
  isError?: boolean;
}

export interface ThinkingPart {
  type: 'thinking';
  text: string;
  signature?: Signature;
  /** Anthropic `redacted_thinking` payload: opaque, only meaningful to Anthropic. */
  redacted?: string;
}

export type Part = TextPart | ImagePart | FilePart | ToolCallPart | ToolResultPart | ThinkingPart;

/**
 * Fields a protocol has that the canonical model does not, keyed by the protocol that produced them.
 * An encoder reads only its own key, so an extra never reaches a protocol that would reject it.
 */
export type ProtocolExtras = Partial<Record<'openai' | 'anthropic' | 'gemini', Record<string, unknown>>>;
