import { isGoogleFamily, type Signature, type ThinkingPart } from '../../core/content.ts';
import type { OutputPart } from '../../core/response.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { formatSignature } from './signature.ts';

/**
 * Canonical output → the parts a Gemini client reads. Unlike the upstream encoder, function calls keep
 * their id: the genai SDK and gemini-cli echo `functionCall.id` in `functionResponse.id`, which lets
 * ids made by another upstream (Anthropic `toolu_…`) survive the client's round trip.
 */
export function functionCallPart(id: string, name: string, args: JsonObject, signature: Signature | undefined): JsonObject {
  const part: JsonObject = { functionCall: { id, name, args } };
  // Only Google's: another family's token on a call would be refused if sent back. Code Assist's is
  // marked, so that it goes back to Code Assist only.
  if (signature && isGoogleFamily(signature.family)) part.thoughtSignature = formatSignature(signature);
  return part;
}

export function outputPart(p: OutputPart): JsonObject | undefined {
  switch (p.type) {
    case 'text': {
      const original = p.extras?.gemini?.part;
      if (isRecord(original)) return original;
      const part: JsonObject = { text: p.text };
      const sig = p.extras?.gemini?.thoughtSignature;
      if (typeof sig === 'string') part.thoughtSignature = sig;
      return part;
    }
    case 'thinking': {
      // Anthropic redacted thinking is opaque to anyone but Anthropic.
      if (p.redacted !== undefined && p.text === '') return undefined;
      const part: JsonObject = { text: p.text, thought: true };
      // Anthropic's signature rides along wrapped, so the client's history can bring it back.
      if (p.signature) part.thoughtSignature = formatSignature(p.signature);
      return part;
    }
    case 'tool_call':
      return functionCallPart(p.id, p.name, p.args, p.signature);
    case 'image':
      return p.source.kind === 'base64' ? { inlineData: { mimeType: p.source.mediaType, data: p.source.data } } : undefined;
  }
}

/**
 * A thought the client did not ask to see: its text is dropped, its signature kept on an empty part,
 * as Gemini sends one. Not marked as a thought, because clients strip thought parts from their history.
 */
export function hiddenThought(p: ThinkingPart): JsonObject | undefined {
  return p.signature ? { text: '', thoughtSignature: formatSignature(p.signature) } : undefined;
}
