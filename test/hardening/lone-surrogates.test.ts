import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { postRaw } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

/**
 * Half an emoji: a string cut between the two UTF-16 halves of a character, which JSON.stringify writes
 * as a lone `\ud83d` escape. JSON.parse takes it; Anthropic's parser answers "no low surrogate in
 * string" (a Claude Code session then fails on every turn: anthropics/claude-code#56064) and DeepSeek's
 * "lone leading surrogate in hex escape" (JohnnyZ93/oai-compatible-copilot#206). aiproxy sends U+FFFD
 * in its place, relayed or converted; a body without one goes as it came.
 */
let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

/** A lone surrogate escape in JSON text (not one half of a pair). */
const LONE = /\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/;
const CUT = 'a tool result cut at 200 characters: 🙂 \ud83d… and a stray low half \ude00.';

describe('lone surrogates in a request', () => {
  test('Anthropic client to Anthropic (relayed): the answer comes, the upstream gets U+FFFD', async () => {
    const msg = await s.anthropicClient.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: CUT }] });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(anthropic) heard: a tool result cut at 200 characters: 🙂 \ufffd… and a stray low half \ufffd.' });
    expect(s.claude.calls.at(-1)!.text).not.toMatch(LONE);
  });

  test('to the other upstreams, relayed and converted: none reaches them', async () => {
    for (const model of ['gpt-4o', 'gemini-2.5-flash']) {
      const before = s.openai.calls.length + s.gemini.calls.length;
      const msg = await s.anthropicClient.messages.create({ model, max_tokens: 32, messages: [{ role: 'user', content: CUT }] });
      expect(msg.content[0]).toMatchObject({ type: 'text' });
      expect(s.openai.calls.length + s.gemini.calls.length).toBe(before + 1);
      const upstream = model === 'gpt-4o' ? s.openai : s.gemini;
      expect(upstream.calls.at(-1)!.text).not.toMatch(LONE);
      expect(upstream.calls.at(-1)!.text).toContain('🙂');
    }
    const chat = await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: CUT }] });
    expect(chat.choices[0]!.message.content).toContain('\ufffd… and a stray low half \ufffd.');
    expect(s.openai.calls.at(-1)!.text).not.toMatch(LONE);
  });

  test('pairs written as escapes (Python json.dumps) are no lone surrogates: the bytes go as they came', async () => {
    const raw = '{"model":"claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"smile \\ud83d\\ude42, a backslash and letters \\\\ud83d"}]}';
    const res = await postRaw(s.proxy, '/v1/messages', raw);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(s.claude.calls.at(-1)!.text).toBe(raw);
  });

  test('an escape in capitals (\\uD83D) alone is found too', async () => {
    const raw = '{"model":"claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"cut \\uD83D here"}]}';
    const res = await postRaw(s.proxy, '/v1/messages', raw);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(s.claude.calls.at(-1)!.text).not.toMatch(LONE);
    expect(s.claude.calls.at(-1)!.text).toContain('cut \ufffd here');
  });
});
