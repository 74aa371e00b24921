import { describe, expect, test } from 'bun:test';
import { readableToAnthropic } from '../../../src/protocols/anthropic/own-blocks.ts';

const SIGNED = { type: 'thinking', thinking: 'mine', signature: 'EqQBCkYIBxgCKkB0' };
const call = (id: string) => ({ type: 'tool_use', id, name: 'read_file', input: {} });
const result = (id: string) => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }] });

function request(assistant: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'claude-sonnet-4-6',
    max_tokens: 16000,
    thinking: { type: 'enabled', budget_tokens: 4000 },
    messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: [SIGNED, call('a')] }, result('a'), { role: 'assistant', content: assistant }, result('b')],
    ...extra,
  };
}

const rewrite = (body: Record<string, unknown>, raw: string | Uint8Array = JSON.stringify(body), model = 'claude-sonnet-4-6') =>
  readableToAnthropic(raw, body, model);

describe('readableToAnthropic', () => {
  test('Anthropic-only history: nothing to do', () => {
    expect(rewrite(request([SIGNED, call('b')]))).toBeUndefined();
  });

  test('thinking an Anthropic-compatible server left unsigned ("") is its own, and goes back to it as it came', () => {
    // DeepSeek's Anthropic endpoint and gateways write "" and want the thinking back on tool turns.
    expect(rewrite(request([{ type: 'thinking', thinking: 'theirs', signature: '' }, call('b')]))).toBeUndefined();
  });

  for (const signature of ['aiproxy:unsigned', 'gemini:c2ln', 'code-assist:c2ln', 'openai:rs_1 gAAAA']) {
    test(`drops thinking signed ${JSON.stringify(signature)}, and thinking goes off for the final tool turn it led`, () => {
      const out = rewrite(request([{ type: 'thinking', thinking: 'theirs', signature }, call('b')]))!;
      expect((out.messages as Array<{ content: unknown[] }>)[3]!.content).toEqual([call('b')]);
      expect((out.messages as Array<{ content: unknown[] }>)[1]!.content).toEqual([SIGNED, call('a')]);
      expect(out.thinking).toBeUndefined();
    });
  }

  test('the pre-check reads bytes, and JSON blanks around the colon', () => {
    const body = request([{ type: 'thinking', thinking: 'theirs', signature: 'aiproxy:unsigned' }, call('b')]);
    const spaced = JSON.stringify(body, null, 2);
    expect(spaced).toContain('"signature": "aiproxy:unsigned"');
    expect(rewrite(body, new TextEncoder().encode(spaced))).toBeDefined();
    // What the raw bytes cannot hold is not looked for in the parsed body.
    expect(rewrite(body, JSON.stringify(request([SIGNED, call('b')])))).toBeUndefined();
  });

  test('an earlier foreign turn goes, thinking stays on when Anthropic leads the final one', () => {
    const body = request([SIGNED, call('b')]);
    (body.messages as Array<{ content: unknown[] }>)[1]!.content = [{ type: 'thinking', thinking: 'theirs', signature: 'aiproxy:unsigned' }, call('a')];
    const out = rewrite(body)!;
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 });
    expect((out.messages as Array<{ content: unknown[] }>)[1]!.content).toEqual([call('a')]);
  });

  test('redacted thinking is Anthropic\'s alone and stays', () => {
    const redacted = { type: 'redacted_thinking', data: 'opaque' };
    const out = rewrite(request([redacted, { type: 'thinking', thinking: 'theirs', signature: 'aiproxy:unsigned' }, call('b')]))!;
    expect((out.messages as Array<{ content: unknown[] }>)[3]!.content).toEqual([redacted, call('b')]);
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 });
  });

  test('a mapped model is set; a model that thinks unless told gets thinking disabled', () => {
    const out = rewrite(request([{ type: 'thinking', thinking: 'theirs', signature: 'aiproxy:unsigned' }, call('b')]), undefined, 'claude-opus-5')!;
    expect(out.model).toBe('claude-opus-5');
    expect(out.thinking).toEqual({ type: 'disabled' });
  });

  test('Claude Code\'s system entries take no part in the final-turn rule; clear_thinking edits go with thinking', () => {
    const body = request([{ type: 'thinking', thinking: 'theirs', signature: 'aiproxy:unsigned' }, call('b')], {
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }, { type: 'clear_tool_uses_20250919' }] },
    });
    (body.messages as unknown[]).push({ role: 'system', content: [{ type: 'text', text: 'reminder' }] });
    const out = rewrite(body)!;
    expect(out.thinking).toBeUndefined();
    expect(out.context_management).toEqual({ edits: [{ type: 'clear_tool_uses_20250919' }] });
  });

  test('a final tool turn served without any thinking (an upstream that did not think) turns thinking off, history untouched', () => {
    // Claude Code on Claude with thinking, one tool turn answered by gpt-4o, then back: the API refuses
    // "a final `assistant` message must start with a thinking block" for every request of that loop.
    const body = request([{ type: 'text', text: 'Reading b.' }, call('b')]);
    body.messages = [...(body.messages as unknown[]), { role: 'system', content: [{ type: 'text', text: 'reminder' }] }];
    const out = rewrite(body)!;
    expect(out.thinking).toBeUndefined();
    expect(out.messages).toEqual(body.messages);
    expect(rewrite(request([call('b')]), undefined, 'claude-opus-5')!.thinking).toEqual({ type: 'disabled' });
  });

  test('thinking stays when the final tool turn has some: split over adjacent messages (the API merges them), or redacted', () => {
    const split = request([call('b')]);
    (split.messages as unknown[]).splice(3, 0, { role: 'assistant', content: [SIGNED] });
    expect(rewrite(split)).toBeUndefined();
    expect(rewrite(request([{ type: 'redacted_thinking', data: 'opaque' }, call('b')]))).toBeUndefined();
    // Not a tool loop, or thinking already off: nothing to do.
    const answered = request([call('b')]);
    (answered.messages as unknown[]).push({ role: 'assistant', content: [{ type: 'text', text: 'done' }] }, { role: 'user', content: 'thanks' });
    expect(rewrite(answered)).toBeUndefined();
    expect(rewrite(request([call('b')], { thinking: { type: 'disabled' } }))).toBeUndefined();
  });

  test('a thinking-only turn is left out; a prefill that loses its thinking is finished as thinking-off requires', () => {
    const body = {
      model: 'claude-sonnet-4-6',
      max_tokens: 16000,
      thinking: { type: 'adaptive' },
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: 'aiproxy:unsigned' }] },
        { role: 'user', content: 'again' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'y', signature: 'gemini:abc' }, { type: 'text', text: 'Sure ' }] },
      ],
    };
    const out = rewrite(body)!;
    expect(out.messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'user', content: 'again' },
      { role: 'assistant', content: [{ type: 'text', text: 'Sure' }] },
    ]);
    expect(out.thinking).toBeUndefined();
  });
});
