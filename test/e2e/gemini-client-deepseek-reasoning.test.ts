/**
 * The @google/genai SDK in a tool loop on openai-custom → DeepSeek's thinking model, on the strict mock,
 * which answers as DeepSeek V4 does (400 "The `reasoning_content` in the thinking mode must be passed back
 * to the API.") to a conversation with tool calls whose assistant messages come back without their reasoning. Gemini CLI drops thought parts from the history it sends
 * (geminiChat.processStreamResponse), so the reasoning has to come back from the proxy.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import type { Content, FunctionDeclaration, GenerateContentResponse, Part } from '@google/genai';
import { clearReasoningCache } from '../../src/protocols/openai/reasoning-cache.ts';
import { isRecord } from '../../src/util/json.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { geminiClient, lastBody } from './gemini-client-helpers.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());
beforeEach(() => {
  s.openai.reset();
  clearReasoningCache();
});

const TOOLS: FunctionDeclaration[] = [
  { name: 'read_file', description: 'Reads a file', parametersJsonSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
];

/** One model turn as Gemini CLI keeps it: every part the stream brought but the thoughts. */
async function turn(contents: Content[], stream: boolean, model = 'deepseek-reasoner'): Promise<{ parts: Part[]; thoughts: string }> {
  const g = geminiClient(s, 'openai-custom');
  const request = { model, contents, config: { tools: [{ functionDeclarations: TOOLS }], thinkingConfig: { includeThoughts: true } } };
  const chunks: GenerateContentResponse[] = stream ? [] : [await g.models.generateContent(request)];
  if (stream) for await (const c of await g.models.generateContentStream(request)) chunks.push(c);
  const all = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
  return {
    parts: all.filter((p) => !p.thought),
    thoughts: all.filter((p) => p.thought).map((p) => p.text ?? '').join(''),
  };
}

function answers(parts: Part[], output: string): Content {
  return {
    role: 'user',
    parts: parts.flatMap((p) => (p.functionCall ? [{ functionResponse: { id: p.functionCall.id, name: p.functionCall.name, response: { output } } }] : [])),
  };
}

const upstreamAssistants = (): Array<Record<string, unknown>> =>
  (lastBody(s.openai).messages as unknown[]).filter((m): m is Record<string, unknown> => isRecord(m) && m.role === 'assistant');

describe.each([
  ['streamed, as Gemini CLI asks', true],
  ['unary', false],
])('Gemini SDK → openai-custom deepseek-reasoner: a 3-turn tool loop (%s)', (_label, stream) => {
  test('each tool-call turn reaches DeepSeek with the reasoning it came with, though the client dropped it', async () => {
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'Read a.txt, then b.txt, then sum them.' }] }];

    s.openai.queue({ thinking: 'First I need a.txt.', toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }] });
    const one = await turn(contents, stream);
    expect(one.thoughts).toBe('First I need a.txt.');
    expect(one.parts.map((p) => p.functionCall?.name)).toEqual(['read_file']);
    contents.push({ role: 'model', parts: one.parts }, answers(one.parts, '2'));

    s.openai.queue({ thinking: 'Now b.txt.', toolCalls: [{ name: 'read_file', args: { path: 'b.txt' } }] });
    const two = await turn(contents, stream);
    expect(upstreamAssistants()).toMatchObject([{ reasoning_content: 'First I need a.txt.', tool_calls: [{ id: one.parts[0]!.functionCall!.id }] }]);
    contents.push({ role: 'model', parts: two.parts }, answers(two.parts, '3'));

    s.openai.queue({ thinking: 'Two plus three.', text: 'The sum is 5.' });
    const three = await turn(contents, stream);
    expect(three.parts.map((p) => p.text).join('')).toBe('The sum is 5.');
    expect(upstreamAssistants()).toMatchObject([
      { reasoning_content: 'First I need a.txt.', tool_calls: [{ id: one.parts[0]!.functionCall!.id }] },
      { reasoning_content: 'Now b.txt.', tool_calls: [{ id: two.parts[0]!.functionCall!.id }] },
    ]);
    // What the client sent carried no reasoning at all.
    expect(JSON.stringify(contents)).not.toContain('First I need a.txt.');

    // The conversation goes on after the loop: DeepSeek V4 wants reasoning_content on the answer that
    // closed it as well, and the client dropped that turn's thoughts too.
    contents.push({ role: 'model', parts: three.parts }, { role: 'user', parts: [{ text: 'And doubled?' }] });
    s.openai.queue({ thinking: 'Five times two.', text: 'Ten.' });
    const four = await turn(contents, stream);
    expect(four.parts.map((p) => p.text).join('')).toBe('Ten.');
    expect(upstreamAssistants().map((m) => m.reasoning_content)).toEqual(['First I need a.txt.', 'Now b.txt.', '']);
  });
});

describe('Gemini SDK → openai-custom deepseek-reasoner: reasoning the proxy never saw', () => {
  test('a continuation whose reasoning is gone (say, after a restart) goes with an empty one, which DeepSeek takes', async () => {
    // DeepSeek refuses only a missing field ("Missing `reasoning_content` field in the assistant message"),
    // and would refuse it on every later request of the conversation.
    s.openai.queue({ thinking: 'First I need a.txt.', toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }] });
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'Read a.txt.' }] }];
    const one = await turn(contents, true);
    contents.push({ role: 'model', parts: one.parts }, answers(one.parts, '2'));
    clearReasoningCache();
    s.openai.queue({ text: 'It says 2.' });
    const two = await turn(contents, true);
    expect(two.parts.map((p) => p.text).join('')).toBe('It says 2.');
    expect(upstreamAssistants()).toMatchObject([{ reasoning_content: '', tool_calls: [{ id: one.parts[0]!.functionCall!.id }] }]);
  });
});
