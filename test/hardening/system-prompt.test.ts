import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-sp-'));
const file = join(dir, 'prompt.txt');
writeFileSync(file, 'Answer in French.\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const last = <T>(xs: T[]): T => xs[xs.length - 1]!;
type Body = Record<string, unknown>;
const sentTo = (m: { calls: Array<{ body: unknown }> }): Body => last(m.calls).body as Body;

describe('--system-prompt-mode overwrite (the default)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack('openai-custom,claude-custom,gemini-cli', ['--system-prompt-file', file]);
  });
  afterAll(() => s.stop());

  test('each protocol gets it in its own place, replacing the client’s', async () => {
    await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'developer', content: 'Be terse.' }, { role: 'user', content: 'hi' }] });
    expect(sentTo(s.openai).messages).toEqual([{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'hi' }]);
    await s.anthropicClient.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, system: 'Be terse.', messages: [{ role: 'user', content: 'hi' }] });
    expect(sentTo(s.claude).system).toBe('Answer in French.');
    await s.geminiClient.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { systemInstruction: 'Be terse.' } });
    expect(sentTo(s.gemini).systemInstruction).toEqual({ parts: [{ text: 'Answer in French.' }] });
  });

  test('a Responses API client: it replaces `instructions`, whichever upstream answers', async () => {
    await s.openaiClient.responses.create({ model: 'gpt-4o', instructions: 'Be terse.', input: 'hi' });
    expect(sentTo(s.openai).messages).toEqual([{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'hi' }]);
    await s.openaiClient.responses.create({ model: 'claude-sonnet-4-6', instructions: 'Be terse.', input: 'hi' });
    expect(JSON.stringify(sentTo(s.claude).system)).toContain('Answer in French.');
    expect(JSON.stringify(sentTo(s.claude).system)).not.toContain('Be terse.');
  });

  test('token counts are asked with it too: the count is of what will be sent', async () => {
    await s.anthropicClient.messages.countTokens({ model: 'claude-sonnet-4-6', system: 'Be terse.', messages: [{ role: 'user', content: 'hi' }] });
    expect(sentTo(s.claude).system).toBe('Answer in French.');
    // A Gemini body's generate_content_request (snake_case, as Google's parser takes it) is the same field.
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ generate_content_request: { contents: [{ parts: [{ text: 'hi' }] }], system_instruction: { parts: [{ text: 'Be terse.' }] } } }),
    });
    expect(res.status).toBe(200);
    expect(sentTo(s.gemini)).toEqual({ generateContentRequest: { contents: [{ parts: [{ text: 'hi' }] }], systemInstruction: { parts: [{ text: 'Answer in French.' }] } } });
  });

  test('also across a conversion (OpenAI client → Anthropic upstream)', async () => {
    await s.openaiClient.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi' }] });
    expect(JSON.stringify(sentTo(s.claude).system)).toContain('Answer in French.');
    expect(JSON.stringify(sentTo(s.claude).system)).not.toContain('Be terse.');
  });
});

describe('--system-prompt-mode append', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack('openai-custom,claude-custom,gemini-cli', ['--system-prompt-file', file, '--system-prompt-mode', 'append']);
  });
  afterAll(() => s.stop());

  test('after the client’s system prompt, in each protocol', async () => {
    await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi' }] });
    expect(sentTo(s.openai).messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'hi' },
    ]);
    await s.anthropicClient.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 8,
      system: [{ type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(sentTo(s.claude).system).toEqual([
      { type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Answer in French.' },
    ]);
    await s.geminiClient.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { systemInstruction: 'Be terse.' } });
    expect((sentTo(s.gemini).systemInstruction as { parts: unknown[] }).parts).toEqual([{ text: 'Be terse.' }, { text: 'Answer in French.' }]);
  });

  test("a Gemini system instruction whose parts is one part, as Google's REST cookbook writes it, is kept", async () => {
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ system_instruction: { parts: { text: 'Be terse.' } }, contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    expect((sentTo(s.gemini).systemInstruction as { parts: unknown[] }).parts).toEqual([{ text: 'Be terse.' }, { text: 'Answer in French.' }]);
  });

  test('a Responses API client: after its `instructions`', async () => {
    await s.openaiClient.responses.create({ model: 'gpt-4o', instructions: 'Be terse.', input: 'hi' });
    expect(sentTo(s.openai).messages).toEqual([{ role: 'system', content: 'Be terse.\n\nAnswer in French.' }, { role: 'user', content: 'hi' }]);
  });

  test('without a client system prompt: only the file’s, never a copy of the first user message', async () => {
    await s.anthropicClient.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'my private question' }] });
    expect(sentTo(s.claude).system).toBe('Answer in French.');
    await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'my private question' }] });
    expect(sentTo(s.openai).messages).toEqual([{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'my private question' }]);
  });
});
