/**
 * A Codex-style conversation (openai SDK, Responses API, store:false, encrypted reasoning included,
 * items replayed without their reasoning ids) whose turns were served by an upstream that thinks
 * without signatures (gemini-cli thought parts, a reasoning_content server on openai-custom), then
 * continued on openaiResponses-custom. OpenAI refuses a replayed reasoning item without
 * encrypted_content ("Missing required parameter"), and could not read another provider's thinking
 * anyway: aiproxy marks every reasoning item it writes, and leaves those out on the way to OpenAI.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { Response as ResponseObject, ResponseInputItem } from 'openai/resources/responses/responses';
import { clearThinkingCache } from '../../src/protocols/anthropic/thinking-cache.ts';
import { clearSignatureCache } from '../../src/protocols/gemini/signature-cache.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { GET_WEATHER, asInput, dig, lastBody, lastCall, streamAll } from './responses-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack('openaiResponses-custom,openai-custom,claude-custom,gemini-cli');
});
afterAll(() => s.stop());
beforeEach(() => {
  // What reaches an upstream must come from what the client sent back, not from aiproxy's memory.
  clearThinkingCache();
  clearSignatureCache();
  s.openai.reset();
  s.gemini.reset();
  s.claude.reset();
});

const THOUGHT = 'I should check the weather in Rome first.';
const PARAMS = {
  tools: [GET_WEATHER],
  reasoning: { effort: 'low' as const, summary: 'auto' as const },
  include: ['reasoning.encrypted_content' as const],
  store: false,
};

function client(provider: string, header = false): OpenAI {
  // The provider chosen by path prefix, or by the X-Model-Provider header on the plain /v1 path.
  return header
    ? new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/v1`, maxRetries: 0, defaultHeaders: { 'X-Model-Provider': provider } })
    : new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${provider}/v1`, maxRetries: 0 });
}

/** The output as Codex sends it back: reasoning items without their id (codex-rs models.rs: skip_serializing). */
function replayed(res: ResponseObject): ResponseInputItem[] {
  return asInput(res.output).map((item) => {
    if (item.type !== 'reasoning') return item;
    const { id: _id, ...rest } = item as unknown as Record<string, unknown>;
    return rest as unknown as ResponseInputItem;
  });
}

/** Turn 1 on `provider`, a tool call after thinking; the conversation so far, as the client would send it next. */
async function firstTurn(provider: string, model: string, stream: boolean, header = false): Promise<ResponseInputItem[]> {
  const params = { ...PARAMS, model, input: 'Weather in Rome?' };
  const c = client(provider, header);
  const res = stream ? (await streamAll(c, params)).final : await c.responses.create(params);
  const reasoning = res.output.filter((i) => i.type === 'reasoning');
  expect(reasoning.map((r) => r.summary.map((t) => t.text).join(''))).toContain(THOUGHT);
  // Every reasoning item aiproxy writes carries its token, signed thinking or not.
  for (const r of reasoning) expect(r.encrypted_content).toStartWith('aiproxy:');
  const call = res.output.find((i) => i.type === 'function_call');
  expect(call).toBeDefined();
  return [
    { role: 'user', content: 'Weather in Rome?' },
    ...replayed(res),
    { type: 'function_call_output', call_id: call!.call_id, output: '25°C and sunny' },
  ];
}

const responsesBody = (): Record<string, unknown> => {
  const call = s.openai.calls.filter((c) => c.url.startsWith('/v1/responses')).at(-1);
  expect(call?.status).toBe(200);
  return call!.body as Record<string, unknown>;
};

describe('a turn without signed thinking, then the same conversation on openaiResponses-custom', () => {
  for (const stream of [true, false]) {
    test(`gemini-cli by path prefix (${stream ? 'streamed' : 'non-streaming'}): OpenAI accepts the history, without the Gemini reasoning`, async () => {
      s.gemini.queue({ thinking: THOUGHT, toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
      const history = await firstTurn('gemini-cli', 'gemini-2.5-flash', stream);

      s.openai.queue({ thinking: 'Report it.', text: 'Rome: 25°C and sunny.' });
      const params = { ...PARAMS, model: 'gpt-5-codex', input: history };
      const res = stream ? (await streamAll(client('openaiResponses-custom'), params)).final : await client('openaiResponses-custom').responses.create(params);
      expect(res.output_text).toBe('Rome: 25°C and sunny.');
      const sent = responsesBody().input as Array<Record<string, unknown>>;
      expect(sent.map((i) => i.type ?? i.role)).toEqual(['user', 'function_call', 'function_call_output']);
      expect(JSON.stringify(sent)).not.toContain(THOUGHT);
    });
  }

  test('gemini-cli by the X-Model-Provider header, then on: the OpenAI turn replays too', async () => {
    s.gemini.queue({ thinking: THOUGHT, toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
    const history = await firstTurn('gemini-cli', 'gemini-2.5-flash', true, true);

    s.openai.queue({ thinking: 'Report it.', text: 'Rome: 25°C and sunny.' });
    const openai = client('openaiResponses-custom', true);
    const t2 = (await streamAll(openai, { ...PARAMS, model: 'gpt-5-codex', input: history })).final;
    expect(t2.output_text).toBe('Rome: 25°C and sunny.');

    // OpenAI's own reasoning from turn 2 goes back to it as it was issued, beside the history it was given.
    s.openai.queue({ text: 'You are welcome.' });
    const t3 = await openai.responses.create({ ...PARAMS, model: 'gpt-5-codex', input: [...history, ...replayed(t2), { role: 'user', content: 'thanks' }] });
    expect(t3.output_text).toBe('You are welcome.');
    const sent = responsesBody().input as Array<Record<string, unknown>>;
    expect(sent.map((i) => i.type ?? i.role)).toEqual(['user', 'function_call', 'function_call_output', 'reasoning', 'message', 'user']);
    expect(sent[3]!.encrypted_content).not.toStartWith('aiproxy:');
  });

  test('openai-custom with reasoning_content (deepseek-reasoner): OpenAI accepts the history', async () => {
    s.openai.queue({ thinking: THOUGHT, toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
    const history = await firstTurn('openai-custom', 'deepseek-reasoner', true);

    s.openai.queue({ text: 'Rome: 25°C and sunny.' });
    const res = await client('openaiResponses-custom').responses.create({ ...PARAMS, model: 'gpt-5-codex', input: history });
    expect(res.output_text).toBe('Rome: 25°C and sunny.');
    expect((responsesBody().input as Array<Record<string, unknown>>).map((i) => i.type ?? i.role)).toEqual(['user', 'function_call', 'function_call_output']);
  });
});

describe('the marked items still carry their thinking to the other upstreams, as before', () => {
  test('back to a reasoning_content server: the thinking returns as reasoning_content with its call', async () => {
    s.gemini.queue({ thinking: THOUGHT, toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
    const history = await firstTurn('gemini-cli', 'gemini-2.5-flash', true);

    s.openai.queue({ text: 'Warm.' });
    const res = await client('openai-custom').responses.create({ ...PARAMS, model: 'deepseek-reasoner', input: history });
    expect(res.output_text).toBe('Warm.');
    expect(lastCall(s.openai).status).toBe(200);
    const assistant = (lastBody(s.openai).messages as Array<Record<string, unknown>>).find((m) => m.role === 'assistant');
    expect(assistant).toMatchObject({ reasoning_content: THOUGHT, tool_calls: [{ function: { name: 'get_weather' } }] });
  });

  test('to Claude: unsigned thinking is not sent as a thinking block', async () => {
    s.openai.queue({ thinking: THOUGHT, toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
    const history = await firstTurn('openai-custom', 'deepseek-reasoner', false);

    s.claude.queue({ text: 'Warm.' });
    const res = await client('claude-custom').responses.create({ ...PARAMS, model: 'claude-sonnet-4-5', input: history });
    expect(res.output_text).toBe('Warm.');
    const assistant = (lastBody(s.claude).messages as Array<Record<string, unknown>>).find((m) => m.role === 'assistant');
    expect((dig(assistant, 'content') as Array<{ type: string }>).map((b) => b.type)).toEqual(['tool_use']);
  });
});
