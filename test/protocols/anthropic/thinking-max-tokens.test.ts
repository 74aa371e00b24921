import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { validateMessagesRequest } from '../../helpers/mocks/anthropic-mock-validate.ts';

/**
 * The client's maximum output is what it agreed to pay for: a thinking budget must fit inside it, or
 * thinking goes; max_tokens never grows past what an OpenAI client asked.
 */

const MODEL = 'claude-sonnet-4-5';

/** What a Chat Completions request becomes on its way to Claude. */
function upstreamBody(body: Record<string, unknown>, model = MODEL): Record<string, any> {
  const canonical = openaiCodec.decodeRequest({ model: 'client-model', ...body }, { model: 'client-model', stream: false });
  const out = anthropicCodec.encodeRequest(canonical, { model }) as Record<string, any>;
  // Whatever is asserted below must also be a request the API takes.
  expect(validateMessagesRequest(out, { signatures: new Map(), betas: [], countTokens: false })).toBeUndefined();
  return out;
}

const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
/** Tool calls another upstream made: no Anthropic thinking leads the last assistant turn. */
const toolHistory = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
  { role: 'tool', tool_call_id: 'c1', content: 'ok' },
];

describe('OpenAI client max_completion_tokens with reasoning_effort → Claude', () => {
  test('a maximum too small for the 1024 minimum budget turns thinking off instead of growing max_tokens', () => {
    for (const key of ['max_completion_tokens', 'max_tokens']) {
      const body = upstreamBody({ [key]: 100, reasoning_effort: 'low', messages: [{ role: 'user', content: 'hi' }] });
      expect(body.max_tokens).toBe(100);
      expect(body).not.toHaveProperty('thinking');
    }
  });

  test('just under twice the minimum budget: no thinking; from there on a budget inside the maximum', () => {
    const under = upstreamBody({ max_completion_tokens: 2047, reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] });
    expect(under).toMatchObject({ max_tokens: 2047 });
    expect(under).not.toHaveProperty('thinking');
    const at = upstreamBody({ max_completion_tokens: 2048, reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] });
    expect(at).toMatchObject({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } });
  });

  test('thinking dropped for tool history from another upstream: max_tokens is the client maximum', () => {
    const body = upstreamBody({ max_completion_tokens: 100, reasoning_effort: 'low', tools, messages: toolHistory });
    expect(body.max_tokens).toBe(100);
    expect(body).not.toHaveProperty('thinking');
    const roomy = upstreamBody({ max_completion_tokens: 3000, reasoning_effort: 'high', tools, messages: toolHistory });
    expect(roomy.max_tokens).toBe(3000);
    expect(roomy).not.toHaveProperty('thinking');
  });

  test('thinking dropped for tool history, no client maximum: the default, not default grown by a budget', () => {
    const body = upstreamBody({ reasoning_effort: 'high', tools, messages: toolHistory });
    expect(body.max_tokens).toBe(8192);
    expect(body).not.toHaveProperty('thinking');
    // ... capped at the model's ceiling like any other max_tokens.
    const haiku = upstreamBody({ reasoning_effort: 'high', tools, messages: toolHistory }, 'claude-3-haiku-20240307');
    expect(haiku.max_tokens).toBe(4096);
  });

  test('no client maximum: max_tokens is still ours to grow for the budget', () => {
    const body = upstreamBody({ reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] });
    expect(body).toMatchObject({ max_tokens: 24576 + 4096, thinking: { type: 'enabled', budget_tokens: 24576 } });
    const low = upstreamBody({ reasoning_effort: 'low', messages: [{ role: 'user', content: 'hi' }] });
    expect(low.thinking.budget_tokens).toBeLessThan(low.max_tokens);
  });

  test('a client maximum past the model ceiling is capped, and the budget fits under the cap', () => {
    const body = upstreamBody({ max_completion_tokens: 10000, reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] }, 'claude-3-haiku-20240307');
    expect(body.max_tokens).toBe(4096);
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
  });
});
