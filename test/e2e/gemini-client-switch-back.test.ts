/**
 * A @google/genai conversation with tools on gemini-3, one turn served elsewhere (X-Model-Provider, as a
 * /model switch routes it), then back on gemini-cli, where the body is relayed. The call another
 * upstream made has no thoughtSignature (none of Google's exists for it), and Gemini 3 refuses it;
 * unlike Gemini CLI, a plain SDK client does not fill in the bypass value, so aiproxy does, on the way
 * to Gemini 3 only.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import type { Content, GenerateContentResponse } from '@google/genai';
import { clearThinkingCache } from '../../src/protocols/anthropic/thinking-cache.ts';
import { clearSignatureCache } from '../../src/protocols/gemini/signature-cache.ts';
import { isRecord } from '../../src/util/json.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { geminiClient } from './gemini-client-helpers.ts';

const SKIP = 'skip_thought_signature_validator';
const TOOLS = [{ functionDeclarations: [{ name: 'read_file', parametersJsonSchema: { type: 'object', properties: { path: { type: 'string' } } } }] }];

let s: Stack;
beforeAll(async () => {
  s = await startStack('gemini-cli,claude-custom,openai-custom,openaiResponses-custom');
});
afterAll(() => s.stop());
beforeEach(() => {
  // What reaches Gemini must come from what the client sent back, not from aiproxy's memory.
  clearThinkingCache();
  clearSignatureCache();
  s.gemini.reset();
  s.claude.reset();
  s.openai.reset();
});

/** One turn as an SDK agent runs it: the reply goes into the history, its call gets a response. */
async function turn(provider: string, model: string, contents: Content[], stream: boolean): Promise<void> {
  const g = geminiClient(s, provider, 'header');
  const request = { model, contents, config: { tools: TOOLS, thinkingConfig: { includeThoughts: true } } };
  if (stream) {
    const parts = [];
    for await (const chunk of await g.models.generateContentStream(request)) parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
    // Streams end on empty text parts, which Gemini refuses in a history (clients leave them out).
    contents.push({ role: 'model', parts: parts.filter((p) => p.text !== '') });
  } else {
    const res: GenerateContentResponse = await g.models.generateContent(request);
    contents.push(res.candidates![0]!.content!);
  }
  const call = contents.at(-1)!.parts!.find((p) => p.functionCall)?.functionCall;
  if (call) contents.push({ role: 'user', parts: [{ functionResponse: { id: call.id, name: call.name!, response: { output: `contents of ${call.args?.path}` } } }] });
}

const toolReply = (thinking: string, path: string) => ({ thinking, toolCalls: [{ name: 'read_file', args: { path } }] });

type Part = Record<string, unknown> & { functionCall?: { name: string; args: { path: string } }; thoughtSignature?: string };
function sentCalls(): Part[] {
  const call = s.gemini.calls.filter((c) => /enerateContent/.test(c.url)).at(-1)!;
  expect(call.status).toBe(200);
  const contents = (call.body as { contents: Array<{ role: string; parts: Part[] }> }).contents;
  return contents.filter((c) => c.role === 'model').flatMap((c) => c.parts.filter((p) => isRecord(p.functionCall)));
}

const ELSEWHERE = [
  { provider: 'claude-custom', model: 'claude-sonnet-4-6', queue: (r: object) => s.claude.queue(r) },
  { provider: 'openai-custom', model: 'gpt-5', queue: (r: object) => s.openai.queue(r) },
  { provider: 'openaiResponses-custom', model: 'gpt-5-codex', queue: (r: object) => s.openai.queue(r) },
] as const;

describe('Gemini SDK back on gemini-3 after a turn served elsewhere', () => {
  for (const other of ELSEWHERE) {
    for (const stream of [true, false]) {
      test(`${other.provider} in between (${stream ? 'stream' : 'unary'})`, async () => {
        const contents: Content[] = [{ role: 'user', parts: [{ text: 'Fix the bug in a.txt' }] }];
        s.gemini.queue(toolReply('Read a.txt first.', 'a.txt'));
        await turn('gemini-cli', 'gemini-3-pro-preview', contents, stream);
        const own = sentCallsOf(contents)[0]!.thoughtSignature;
        expect(typeof own).toBe('string');

        other.queue(toolReply('Now b.txt.', 'b.txt'));
        await turn(other.provider, other.model, contents, stream);
        expect(sentCallsOf(contents)[1]!.thoughtSignature).toBeUndefined();

        s.gemini.queue({ text: 'Both files are fixed.' });
        await turn('gemini-cli', 'gemini-3-pro-preview', contents, stream);
        // Google's own signature goes back as it came; the other upstream's call gets the bypass value.
        expect(sentCalls().map((p) => [p.functionCall!.args.path, p.thoughtSignature])).toEqual([
          ['a.txt', own],
          ['b.txt', SKIP],
        ]);
      });
    }
  }

  test('requests that need nothing go byte for byte: all calls signed, or a model that does not validate', async () => {
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'Fix the bug in a.txt' }] }];
    s.gemini.queue(toolReply('Read a.txt first.', 'a.txt'));
    await turn('gemini-cli', 'gemini-3-pro-preview', contents, false);
    const send = async (model: string, history: Content[]): Promise<void> => {
      const raw = JSON.stringify({ contents: history, tools: TOOLS });
      const res = await fetch(`${s.proxy.url}/gemini-cli/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': s.proxy.key },
        body: raw,
      });
      expect(res.status).toBe(200);
      expect(s.gemini.calls.at(-1)!.text).toBe(raw);
    };
    await send('gemini-3-pro-preview', contents);

    s.claude.queue(toolReply('Now b.txt.', 'b.txt'));
    await turn('claude-custom', 'claude-sonnet-4-6', contents, false);
    await send('gemini-2.5-flash', contents);
  });
});

describe("the SDK's chat helper, a streamed turn served elsewhere, then Gemini", () => {
  test('the empty text part a converted stream ends on does not reach Gemini, which refuses it', async () => {
    const history: Content[] = [];
    const say = async (provider: string, model: string, message: string): Promise<string> => {
      const chat = geminiClient(s, provider, 'header').chats.create({ model, history });
      let text = '';
      for await (const chunk of await chat.sendMessageStream({ message })) text += chunk.text ?? '';
      history.splice(0, history.length, ...chat.getHistory());
      return text;
    };
    s.claude.queue({ text: 'Hello from Claude.' });
    expect(await say('claude-custom', 'claude-sonnet-4-6', 'hi')).toBe('Hello from Claude.');
    // The chat keeps every chunk, the closing empty text part too.
    expect(history.at(-1)).toEqual({ role: 'model', parts: [{ text: '' }] });

    s.gemini.queue({ text: 'Hello from Gemini.' });
    expect(await say('gemini-cli', 'gemini-2.5-flash', 'and you?')).toBe('Hello from Gemini.');
    const sent = (s.gemini.calls.at(-1)!.body as { contents: Content[] }).contents;
    expect(sent.flatMap((c) => c.parts ?? []).filter((p) => p.text === '')).toEqual([]);
    expect(sent.map((c) => c.role)).toEqual(['user', 'model', 'model', 'model', 'user']);
  });
});

function sentCallsOf(contents: Content[]): Part[] {
  return contents.filter((c) => c.role === 'model').flatMap((c) => (c.parts ?? []).filter((p) => p.functionCall)) as Part[];
}
