import type { CanonicalRequest } from '../../src/core/index.ts';

/** A one-turn canonical request ("hi"), with `over` on top: the starting point of codec tests. */
export function canonicalRequest(over: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    model: 'client-model',
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    tools: [],
    stream: false,
    extras: {},
    ...over,
  };
}
