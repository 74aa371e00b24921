import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { FinishReason, type Content } from '@google/genai';
import { isRecord } from '../../src/util/json.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { collect, geminiClient, lastBody, UPSTREAMS, type Upstream } from './gemini-client-helpers.ts';

/**
 * Requests shaped the way Gemini CLI sends them (protocols.md §9): topK 64, a thinkingConfig, tools as
 * parametersJsonSchema, replayed calls carrying the "skip_thought_signature_validator" sentinel, and
 * ids of its own making on calls it had to name itself.
 */
let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const SKIP = 'skip_thought_signature_validator';
const SYSTEM = 'You are an interactive CLI agent specializing in software engineering tasks.';
const TOOLS = [
  {
    functionDeclarations: [
      {
        name: 'list_directory',
        description: 'Lists a directory.',
        parametersJsonSchema: {
          type: 'object',
          properties: {
            dir_path: { type: 'string', description: 'The path to the directory to list' },
            ignore: { type: 'array', items: { type: 'string' } },
            file_filtering_options: {
              type: 'object',
              properties: { respect_git_ignore: { type: 'boolean' }, respect_gemini_ignore: { type: 'boolean' } },
            },
          },
          required: ['dir_path'],
        },
      },
      {
        name: 'read_file',
        description: 'Reads a file.',
        parametersJsonSchema: {
          type: 'object',
          properties: { absolute_path: { type: 'string' }, offset: { type: 'number' }, limit: { type: 'number' } },
          required: ['absolute_path'],
        },
      },
    ],
  },
];
const GENERATION = { temperature: 0, topP: 1, topK: 64, thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } };

/** A replayed tool step: the call as the CLI keeps it (its own id, the sentinel signature) and its result. */
const HISTORY: Content[] = [
  { role: 'user', parts: [{ text: 'What is in src?' }] },
  {
    role: 'model',
    parts: [{ functionCall: { id: 'list_directory-1767225600000-a1b2c3', name: 'list_directory', args: { dir_path: '/repo/src' } }, thoughtSignature: SKIP }],
  },
  {
    role: 'user',
    parts: [{ functionResponse: { id: 'list_directory-1767225600000-a1b2c3', name: 'list_directory', response: { output: 'main.ts\nutil.ts' } } }],
  },
];

/** What the upstream received, reduced to what must match across protocols. */
function received(up: Upstream, body: Record<string, unknown>) {
  const messages = (Array.isArray(body.messages) ? body.messages : []).filter(isRecord);
  const json = JSON.stringify(body);
  if (up.provider === 'openai-custom') {
    const assistant = messages.find((m) => m.role === 'assistant');
    const tool = messages.find((m) => m.role === 'tool');
    const call = (assistant?.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>)[0]!;
    return { json, callId: call.id, callName: call.function.name, args: JSON.parse(call.function.arguments), resultId: tool?.tool_call_id, result: tool?.content };
  }
  const blocks = messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter(isRecord) : []));
  const use = blocks.find((b) => b.type === 'tool_use')!;
  const result = blocks.find((b) => b.type === 'tool_result')!;
  const resultText = (result.content as Array<{ text: string }>).map((c) => c.text).join('');
  return { json, callId: use.id, callName: use.name, args: use.input, resultId: result.tool_use_id, result: resultText };
}

describe('Gemini CLI-shaped requests → gemini-cli (same protocol, relayed)', () => {
  test('gemini-3: the sentinel and the signatures Google issued pass the strict signature check', async () => {
    const g = geminiClient(s, 'gemini-cli');
    const model = 'gemini-3-flash-preview';
    const config = { systemInstruction: SYSTEM, tools: TOOLS, ...GENERATION };
    // A replayed step made elsewhere: only the sentinel lets Gemini 3 accept it.
    s.gemini.queue({ thinking: 'Reading main.ts next.', toolCalls: [{ name: 'read_file', args: { absolute_path: '/repo/src/main.ts' } }] });
    const chat = g.chats.create({ model, config, history: HISTORY });
    // Not streamed: the SDK records each streamed chunk as its own model content (python-genai#1791 has
    // the same), and the relay forwards that as it is, where the mock's function-turn rule rejects it.
    const step = await chat.sendMessage({ message: 'and main.ts?' });
    expect(step.candidates?.[0]?.content?.parts?.[0]).toMatchObject({ thought: true, text: 'Reading main.ts next.' });
    const call = step.functionCalls![0]!;
    expect(call.name).toBe('read_file');

    // The SDK replays the signed call from its history; the mock accepts only signatures it issued.
    s.gemini.queue({ text: 'main.ts starts the server.' });
    const answer = await collect(
      await chat.sendMessageStream({ message: [{ functionResponse: { id: call.id, name: call.name, response: { output: 'serve()' } } }] }),
    );
    expect(answer.text).toBe('main.ts starts the server.');
    const contents = lastBody(s.gemini).contents as Content[];
    const signed = contents.flatMap((c) => c.parts ?? []).filter((p) => p.functionCall?.name === 'read_file' && p.functionCall.args?.absolute_path === '/repo/src/main.ts');
    expect(signed).toHaveLength(1);
    expect(s.gemini.issuedSignatures.has(String(signed[0]!.thoughtSignature))).toBe(true);
  });
});

describe.each(UPSTREAMS)('Gemini CLI-shaped requests → $provider', (up) => {
  test('topK is dropped where the upstream lacks it, thinking maps over, the sentinel never leaves', async () => {
    const g = geminiClient(s, up.provider);
    up.mock(s).queue({ thinking: 'Two files.', text: 'src holds main.ts and util.ts.' });
    const { text, thoughts, chunks } = await collect(
      await g.models.generateContentStream({
        model: up.reasoningModel,
        contents: HISTORY,
        config: { systemInstruction: SYSTEM, tools: TOOLS, ...GENERATION },
      }),
    );
    expect(text).toBe('src holds main.ts and util.ts.');
    expect(thoughts).toBe('Two files.');
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);

    const body = lastBody(up.mock(s));
    const seen = received(up, body);
    expect(seen.json).not.toContain(SKIP);
    expect(seen).toMatchObject({ callName: 'list_directory', args: { dir_path: '/repo/src' }, result: 'main.ts\nutil.ts' });
    // The CLI's own id pairs the call with its result upstream.
    expect(seen.resultId).toBe(seen.callId);
    if (up.provider === 'openai-custom') {
      expect(seen.callId).toBe('list_directory-1767225600000-a1b2c3');
      expect(body.top_k).toBeUndefined();
      expect(body.reasoning_effort).toBe('medium');
      expect(body.tools).toEqual(TOOLS[0]!.functionDeclarations.map((d) => ({ type: 'function', function: { name: d.name, description: d.description, parameters: d.parametersJsonSchema } })));
    } else {
      // No Anthropic thinking precedes the replayed call, so thinking cannot be on for this turn;
      // with it off, Anthropic takes temperature and top_k as they are; Gemini CLI's topP goes no further,
      // as Claude 4.5 and later refuse temperature and top_p together.
      expect(body.thinking).toBeUndefined();
      expect(body).toMatchObject({ top_k: 64, temperature: 0 });
      expect(body).not.toHaveProperty('top_p');
      expect(body.system).toEqual([{ type: 'text', text: SYSTEM }]);
    }
  });

  test('the plain streamGenerateContent (a JSON array, no alt=sse) carries thoughts, text and calls', async () => {
    up.mock(s).queue({ thinking: 'Need the file.', text: 'Reading it.', toolCalls: [{ name: 'read_file', args: { absolute_path: '/repo/src/main.ts' } }] });
    const res = await fetch(`${s.proxy.url}/${up.provider}/v1beta/models/${up.reasoningModel}:streamGenerateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'Show me main.ts' }] }],
        systemInstruction: { role: 'user', parts: [{ text: SYSTEM }] },
        tools: TOOLS,
        generationConfig: GENERATION,
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const chunks = JSON.parse(await res.text()) as Array<{
      candidates: Array<{ content: { parts: Array<Record<string, unknown>> }; finishReason?: string }>;
      usageMetadata?: Record<string, number>;
    }>;
    const parts = chunks.flatMap((c) => c.candidates[0]!.content.parts);
    const join = (thought: boolean): string =>
      parts.filter((p) => typeof p.text === 'string' && (p.thought === true) === thought).map((p) => p.text).join('');
    expect(join(true)).toBe('Need the file.');
    expect(join(false)).toBe('Reading it.');
    const calls = parts.filter((p) => isRecord(p.functionCall)).map((p) => p.functionCall as Record<string, unknown>);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'read_file', args: { absolute_path: '/repo/src/main.ts' } });
    expect(typeof calls[0]!.id).toBe('string');
    expect(chunks.at(-1)!.candidates[0]!.finishReason).toBe('STOP');
    expect(chunks.at(-1)!.usageMetadata!.totalTokenCount).toBeGreaterThan(0);
  });

  test('a call the proxy handed out comes back with the sentinel; the upstream sees its own id again', async () => {
    const g = geminiClient(s, up.provider);
    up.mock(s).queue({ toolCalls: [{ name: 'read_file', args: { absolute_path: '/repo/README.md' } }] });
    const first = await g.models.generateContent({ model: up.model, contents: 'Read the README', config: { tools: TOOLS } });
    const call = first.functionCalls![0]!;
    // Like Gemini CLI: replay the call with the sentinel when it carried no signature.
    const contents: Content[] = [
      { role: 'user', parts: [{ text: 'Read the README' }] },
      { role: 'model', parts: [{ functionCall: call, thoughtSignature: first.candidates![0]!.content!.parts![0]!.thoughtSignature ?? SKIP }] },
      { role: 'user', parts: [{ functionResponse: { id: call.id, name: call.name, response: { output: '# Repo' } } }] },
    ];
    await g.models.generateContent({ model: up.model, contents, config: { tools: TOOLS, topK: 64 } });
    const seen = received(up, lastBody(up.mock(s)));
    expect(seen.callId).toBe(call.id);
    expect(seen.resultId).toBe(call.id);
    expect(seen.json).not.toContain(SKIP);
  });
});
