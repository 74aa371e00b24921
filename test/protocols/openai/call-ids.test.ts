/**
 * Tool call ids a server refuses, made from a history other upstreams served: Mistral's models take
 * exactly 9 letters and digits, OpenAI at most 40 characters. Calls and results keep one id.
 */
import { describe, expect, test } from 'bun:test';
import type { CanonicalRequest, Message } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { callIdFor, withCallIdsFor } from '../../../src/protocols/openai/call-ids.ts';
import { TOOL_RESULTS_READ, withRoleOrderFor } from '../../../src/protocols/openai/role-order.ts';
import { validateChatRequest } from '../../helpers/mocks/openai-mock-validate.ts';
import { canonicalRequest } from '../../helpers/canonical.ts';

const loop = (id: string): Message[] => [
  { role: 'user', content: [{ type: 'text', text: 'read a.txt' }] },
  { role: 'assistant', content: [{ type: 'tool_call', id, name: 'read_file', args: { path: 'a.txt' } }] },
  { role: 'user', content: [{ type: 'tool_result', callId: id, content: [{ type: 'text', text: 'hello' }] }] },
];
const shortCallId = callIdFor('mistral-large-latest');
const encode = (messages: Message[], model: string) =>
  openaiCodec.encodeRequest(canonicalRequest({ model, messages } as Partial<CanonicalRequest>), { model });

describe('short call ids for Mistral', () => {
  test('an id is kept when Mistral takes it, else 9 letters and digits derived from it, the same every time', () => {
    expect(shortCallId('D681PevKs')).toBe('D681PevKs');
    const mapped = shortCallId('toolu_01A09q90qw90lq917835lq9');
    expect(mapped).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(shortCallId('toolu_01A09q90qw90lq917835lq9')).toBe(mapped);
    expect(shortCallId('call_1')).not.toBe(mapped);
  });

  test('converted: calls and their results carry the same short id, and Mistral accepts the body', () => {
    for (const model of ['mistral-large-latest', 'devstral-medium-2507', 'mistralai/codestral-2508']) {
      const body = encode(loop('toolu_01A09q90qw90lq917835lq9'), model);
      expect(validateChatRequest(body), model).toBeUndefined();
      const [, assistant, tool] = body.messages as Array<Record<string, unknown>>;
      const id = (assistant!.tool_calls as Array<{ id: string }>)[0]!.id;
      expect(id).toBe(shortCallId('toolu_01A09q90qw90lq917835lq9'));
      expect(tool!.tool_call_id).toBe(id);
    }
    // Other servers get the ids as they were.
    const body = encode(loop('toolu_01A09q90qw90lq917835lq9'), 'gpt-4o');
    expect((body.messages as Array<Record<string, unknown>>)[2]!.tool_call_id).toBe('toolu_01A09q90qw90lq917835lq9');
  });

  test('relayed: only a history holding other ids is rewritten', () => {
    const history = (id: string) => ({
      model: 'mistral-small-latest',
      messages: [
        { role: 'user', content: 'read a.txt' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'read_file', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: id, content: 'hello' },
      ],
    });
    const repair = (b: Record<string, unknown>, model = 'mistral-small-latest') => withCallIdsFor(JSON.stringify(b), b, model);
    const out = repair(history('call_abc123'))!;
    expect(validateChatRequest(out)).toBeUndefined();
    expect((out.messages as Array<Record<string, unknown>>)[2]!.tool_call_id).toBe(shortCallId('call_abc123'));
    expect(repair(history('D681PevKs'))).toBeUndefined();
    expect(repair(history('call_abc123'), 'gpt-4o')).toBeUndefined();
  });
});

describe('at most 40 characters for OpenAI, which refuses longer', () => {
  const kimi = 'functions.mcp__github__create_pull_request_review:0';
  test('a longer id other upstreams made is shortened the same way in the call and its result; shorter ones stay', () => {
    const fit = callIdFor('gpt-4o');
    expect(fit('toolu_01A09q90qw90lq917835lq9')).toBe('toolu_01A09q90qw90lq917835lq9');
    expect(fit(kimi)).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(fit(kimi)).toBe(fit(kimi));
    const body = encode(loop(kimi), 'gpt-4o');
    expect(validateChatRequest(body)).toBeUndefined();
    const [, assistant, tool] = body.messages as Array<Record<string, unknown>>;
    expect((assistant!.tool_calls as Array<{ id: string }>)[0]!.id).toBe(fit(kimi));
    expect(tool!.tool_call_id).toBe(fit(kimi));
    // Without the mapping OpenAI refuses it.
    // Kimi gets its own ids back as they are: its template renders them into the prompt.
    for (const model of ['kimi-k2.5', 'moonshotai/kimi-k2-thinking', 'deepseek-chat']) expect(callIdFor(model)(kimi), model).toBe(kimi);
    const raw = { ...body, messages: (body.messages as unknown[]).map((m) => JSON.parse(JSON.stringify(m).replaceAll(fit(kimi), kimi))) };
    expect(validateChatRequest(raw)?.message).toBe(
      `Invalid 'messages[1].tool_calls[0].id': string too long. Expected a string with maximum length 40, but got a string with length ${kimi.length} instead.`,
    );
  });
});

describe("Mistral's role order", () => {
  test('an assistant message goes between tool results and the user’s words in the same turn, converted or relayed', () => {
    const turn: Message[] = [
      ...loop('toolu_01A09q90qw90lq917835lq9').slice(0, 2),
      {
        role: 'user',
        content: [
          { type: 'tool_result', callId: 'toolu_01A09q90qw90lq917835lq9', content: [{ type: 'text', text: 'hello' }] },
          { type: 'text', text: '<system-reminder>Keep going.</system-reminder>' },
        ],
      },
    ];
    const body = encode(turn, 'devstral-medium-2507');
    expect(validateChatRequest(body)).toBeUndefined();
    expect((body.messages as Array<{ role: string; content: unknown }>).map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
    expect((body.messages as Array<{ content: unknown }>)[3]!.content).toBe(TOOL_RESULTS_READ);
    // Other servers take the order as it is.
    expect((encode(turn, 'gpt-4o').messages as Array<{ role: string }>).map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'user']);

    const relayed = { model: 'mistral-large-latest', messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: null, tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'D681PevKs', content: 'ok' }, { role: 'user', content: 'and now?' }] };
    const out = withRoleOrderFor(JSON.stringify(relayed), relayed, 'mistral-large-latest')!;
    expect(validateChatRequest(out)).toBeUndefined();
    expect(withRoleOrderFor('', relayed, 'gpt-4o')).toBeUndefined();
  });
});
