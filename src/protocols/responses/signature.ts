import type { Signature } from '../../core/content.ts';

/**
 * An OpenAI reasoning item travels through other protocols as one opaque signature: with `store: false`
 * OpenAI takes its reasoning back only as the item it issued, id and encrypted_content together, so the
 * signature holds both. Ids (`rs_…`) never contain a space.
 */
export function reasoningSignature(id: string, encrypted: string): Signature {
  return { family: 'openai', value: `${id} ${encrypted}` };
}

/** The reasoning item a signature stands for, when OpenAI issued it. */
export function readReasoningSignature(sig: Signature | undefined): { id: string; encrypted: string } | undefined {
  if (sig?.family !== 'openai') return undefined;
  const space = sig.value.indexOf(' ');
  if (space <= 0 || space === sig.value.length - 1) return undefined;
  return { id: sig.value.slice(0, space), encrypted: sig.value.slice(space + 1) };
}
