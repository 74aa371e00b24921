import type { CanonicalRequest } from '../core/index.ts';
import type { Protocol, UpstreamProtocol } from '../protocols/types.ts';

/** Canonical fields a target protocol has no place for; its encoder leaves them out. */
const UNSUPPORTED: Record<UpstreamProtocol, ReadonlyArray<keyof CanonicalRequest>> = {
  openai: ['topK'],
  anthropic: ['n', 'seed', 'presencePenalty', 'frequencyPenalty'],
  gemini: ['parallelToolCalls'],
  responses: ['topK', 'stop', 'seed', 'n', 'presencePenalty', 'frequencyPenalty'],
};

/**
 * What a converted request loses on its way to another protocol: the client protocol's own extras (they
 * never cross families) and canonical fields the target cannot express. Named for a debug log line, so
 * an operator can see why a setting had no effect; values are never listed.
 */
export function droppedFields(client: Protocol, target: UpstreamProtocol, req: CanonicalRequest): string[] {
  if (client === target) return [];
  // The Responses decoder keeps no extras: what it cannot express it refuses.
  const out = client === 'responses' ? [] : Object.keys(req.extras[client] ?? {});
  for (const f of UNSUPPORTED[target]) if (req[f] !== undefined) out.push(f);
  if (req.n !== undefined && req.n > 1 && !out.includes('n')) out.push('n');
  return out;
}
