/**
 * An OpenAI Chat Completions client's history relayed as it came to DeepSeek or Kimi: a tool-call turn
 * without reasoning_content (another upstream served it through aiproxy) would fail the request and every
 * later one, so it gets the remembered reasoning, or "".
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { withReasoningBack } from '../../../src/protocols/openai/reasoning-back.ts';
import { clearReasoningCache, rememberReasoning } from '../../../src/protocols/openai/reasoning-cache.ts';

beforeEach(() => clearReasoningCache());

const call = (id: string) => ({ id, type: 'function', function: { name: 'read_file', arguments: '{}' } });
const history = (...assistants: Array<Record<string, unknown>>) => ({
  model: 'deepseek-reasoner',
  messages: [
    { role: 'user', content: 'go' },
    ...assistants.flatMap((a) => [a, ...(a.tool_calls as Array<{ id: string }>).map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'ok' }))]),
  ],
});
const repair = (body: Record<string, unknown>, model = 'deepseek-reasoner') => withReasoningBack(JSON.stringify(body), body, model);

describe('withReasoningBack', () => {
  test('a tool-call turn without reasoning_content gets the remembered reasoning, else ""', () => {
    rememberReasoning('deepseek-reasoner', 'call_remembered0000', 'Read it first.');
    const own = { role: 'assistant', content: null, reasoning_content: 'Mine.', tool_calls: [call('call_own000000000')] };
    const body = history(
      own,
      { role: 'assistant', content: null, tool_calls: [call('call_remembered0000')] },
      { role: 'assistant', content: null, reasoning_content: null, tool_calls: [call('toolu_elsewhere0000')] },
    );
    const out = repair(body)!;
    const assistants = (out.messages as Array<Record<string, unknown>>).filter((m) => m.role === 'assistant');
    expect(assistants.map((m) => m.reasoning_content)).toEqual(['Mine.', 'Read it first.', '']);
    expect(assistants[0]).toBe(own);
    expect(out.model).toBe('deepseek-reasoner');
  });

  test('DeepSeek V4: the answer that closed a tool loop, and any other assistant message of a conversation with calls, gets "" too', () => {
    const body = history({ role: 'assistant', content: null, reasoning_content: 'Mine.', tool_calls: [call('call_own000000000')] });
    const messages = body.messages as Array<Record<string, unknown>>;
    messages.push({ role: 'assistant', content: 'It says ok.' }, { role: 'user', content: 'thanks' }, { role: 'assistant', content: 'Welcome.', reasoning_content: 'Polite.' });
    const out = repair(body, 'deepseek-v4-flash')!;
    const assistants = (out.messages as Array<Record<string, unknown>>).filter((m) => m.role === 'assistant');
    expect(assistants.map((m) => m.reasoning_content)).toEqual(['Mine.', '', 'Polite.']);
    expect(assistants[0]).toBe(messages[1]!);
  });

  test('nothing to do: every tool-call turn has the field, no calls, or a model that does not want it back', () => {
    expect(repair(history({ role: 'assistant', content: null, reasoning_content: '', tool_calls: [call('call_a000000000000')] }))).toBeUndefined();
    expect(repair({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Hello.' }] })).toBeUndefined();
    // Mistral refuses the field (422 extra_forbidden): its history goes as it came.
    expect(repair(history({ role: 'assistant', content: null, tool_calls: [call('call_a000000000000')] }), 'mistral-large-latest')).toBeUndefined();
  });

  test('the pre-check reads the raw bytes: a body whose bytes hold no tool_calls is not walked', () => {
    const body = history({ role: 'assistant', content: null, tool_calls: [call('call_a000000000000')] });
    expect(withReasoningBack(new TextEncoder().encode(JSON.stringify(body)), body, 'kimi-k2-thinking')).toBeDefined();
    expect(withReasoningBack('{}', body, 'deepseek-reasoner')).toBeUndefined();
  });
});
