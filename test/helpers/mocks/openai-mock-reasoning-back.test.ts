/**
 * The strict OpenAI mock as DeepSeek's and Kimi's thinking models: a tool-call turn sent back without
 * its reasoning_content is refused with their own 400s (DeepSeek V4: any assistant message of it).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startOpenAIMock } from './openai-mock.ts';
import { validateChatRequest } from './openai-mock-validate.ts';
import type { MockServer } from './types.ts';

let mock: MockServer;
beforeAll(async () => {
  mock = await startOpenAIMock();
});
afterAll(() => mock.stop());

const CALL = { id: 'call_00_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } };
const TOOLS = [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }];

/** system, user, a tool-call turn (index 2), its result, another tool-call turn (index 4), its result. */
function loop(model: string, first: Record<string, unknown>, second: Record<string, unknown> = { reasoning_content: 'second' }): Record<string, unknown> {
  return {
    model,
    messages: [
      { role: 'system', content: 'terse' },
      { role: 'user', content: 'read a' },
      { role: 'assistant', content: null, tool_calls: [CALL], ...first },
      { role: 'tool', tool_call_id: CALL.id, content: 'A' },
      { role: 'assistant', content: null, tool_calls: [{ ...CALL, id: 'call_01_b' }], ...second },
      { role: 'tool', tool_call_id: 'call_01_b', content: 'B' },
    ],
    tools: TOOLS,
  };
}

const DEEPSEEK = 'The `reasoning_content` in the thinking mode must be passed back to the API.';

describe('OpenAI mock: DeepSeek and Kimi thinking modes want reasoning_content back on tool-call turns', () => {
  test('DeepSeek answers its 400', async () => {
    const res = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(loop('deepseek-reasoner', {})),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: DEEPSEEK, type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
    });
    expect(validateChatRequest(loop('deepseek-v4-pro', { reasoning_content: 'first' }, {}))?.message).toBe(DEEPSEEK);
    expect(validateChatRequest(loop('deepseek-flash', {}))?.message).toBe(DEEPSEEK);
  });

  test('DeepSeek V4: the answer that closes a tool loop needs it too, in every later request; a span without calls does not', () => {
    const answered = (model: string, answer: Record<string, unknown>) => {
      const body = loop(model, { reasoning_content: 'first' });
      const messages = body.messages as unknown[];
      messages.push({ role: 'assistant', content: 'A and B.', ...answer }, { role: 'user', content: 'thanks' }, { role: 'assistant', content: 'Welcome.' }, { role: 'user', content: 'bye' });
      return body;
    };
    expect(validateChatRequest(answered('deepseek-v4-flash', {}))?.message).toBe(DEEPSEEK);
    expect(validateChatRequest(answered('deepseek-v4-flash', { reasoning_content: '' }))).toBeUndefined();
  });

  test("Kimi's thinking models answer theirs", () => {
    for (const model of ['kimi-k2-thinking', 'kimi-k2-thinking-turbo', 'kimi-k2.5', 'moonshotai/kimi-k2.6']) {
      expect(validateChatRequest(loop(model, {}))).toEqual({
        status: 400,
        message: 'thinking is enabled but reasoning_content is missing in assistant tool call message at index 2',
        type: 'invalid_request_error',
        param: null,
        code: null,
      });
    }
  });

  test('only the absence of the field is refused; models that do not think are not checked', () => {
    expect(validateChatRequest(loop('deepseek-reasoner', { reasoning_content: 'first' }))).toBeUndefined();
    expect(validateChatRequest(loop('deepseek-reasoner', { reasoning_content: '' }, { reasoning_content: '' }))).toBeUndefined();
    for (const model of ['deepseek-chat', 'kimi-k2-0905-preview', 'moonshot-v1-8k', 'gpt-4o']) {
      expect(validateChatRequest(loop(model, {}, {}))).toBeUndefined();
    }
  });
});
