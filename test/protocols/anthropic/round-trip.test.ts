import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import type { CanonicalRequest } from '../../../src/core/index.ts';

/** A canonical request that already satisfies every Anthropic invariant, so encoding must not change it. */
const req: CanonicalRequest = {
  model: 'claude-sonnet-4-5',
  system: [{ type: 'text', text: 'Be terse.', extras: { anthropic: { cache_control: { type: 'ephemeral' } } } }],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture? 你好🙂' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
        { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'a.pdf' },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', text: 'Look closely.', signature: { family: 'anthropic', value: 'EqQB' } },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_call', id: 'toolu_01A', name: 'zoom', args: { level: 2 } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', callId: 'toolu_01A', name: 'zoom', content: [{ type: 'text', text: 'a cat' }], isError: true },
        { type: 'text', text: 'And now?' },
      ],
    },
  ],
  tools: [{ name: 'zoom', description: 'Zoom in', parameters: { type: 'object', properties: { level: { type: 'integer' } } } }],
  toolChoice: { type: 'auto' },
  parallelToolCalls: false,
  maxTokens: 4096,
  topP: 0.97,
  stop: ['###'],
  reasoning: { enabled: true, budgetTokens: 2048 },
  responseFormat: { type: 'json_schema', schema: { type: 'object', additionalProperties: false } },
  stream: true,
  user: 'user-1',
  extras: { anthropic: { context_management: { edits: [] }, server_tools: [{ type: 'web_search_20250305', name: 'web_search' }] } },
};

describe('anthropic request round trip', () => {
  test('decode(encode(x)) equals x', () => {
    const body = anthropicCodec.encodeRequest(req, { model: req.model });
    expect(anthropicCodec.decodeRequest(body)).toEqual(req);
  });

  test('encode(decode(body)) equals body for a body the API accepts', () => {
    const body = anthropicCodec.encodeRequest(req, { model: req.model });
    const again = anthropicCodec.encodeRequest(anthropicCodec.decodeRequest(body), { model: req.model });
    expect(again).toEqual(body);
  });
});
