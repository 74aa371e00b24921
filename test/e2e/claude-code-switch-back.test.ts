/**
 * A Claude Code conversation (Anthropic SDK, thinking on, tool loop) whose middle turn another upstream
 * served, by /model switch (X-Model-Provider) or by pool fallback after a 429, then back on
 * claude-custom, where the body is relayed. The middle turn's thinking came back to the client with a
 * signature aiproxy wrote (empty after Gemini or a reasoning_content server, `openai:…` after the
 * Responses API), and Anthropic refuses it on every later request: aiproxy leaves those blocks out, and
 * turns thinking off while the final tool turn has none of Anthropic's to lead it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { clearThinkingCache } from '../../src/protocols/anthropic/thinking-cache.ts';
import { clearSignatureCache } from '../../src/protocols/gemini/signature-cache.ts';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startGeminiMock } from '../helpers/mocks/gemini-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const CLAUDE = 'claude-sonnet-4-6';
const BETAS = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27';
const TOOLS: Anthropic.Tool[] = [
  { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
];

let s: Stack;
beforeAll(async () => {
  s = await startStack('claude-custom,gemini-cli,openai-custom,openaiResponses-custom');
});
afterAll(() => s.stop());
beforeEach(() => {
  // What reaches Anthropic must come from what the client sent back, not from aiproxy's memory.
  clearThinkingCache();
  clearSignatureCache();
  s.claude.reset();
  s.gemini.reset();
  s.openai.reset();
});

/** Claude Code on the plain path; `provider` is what its /model choice routes to. */
function client(base: string, key: string, provider?: string): Anthropic {
  return new Anthropic({
    apiKey: key,
    baseURL: base,
    maxRetries: 0,
    defaultQuery: { beta: 'true' },
    defaultHeaders: { 'anthropic-beta': BETAS, ...(provider ? { 'X-Model-Provider': provider } : {}) },
  });
}

function params(model: string, messages: Anthropic.MessageParam[], adaptive = false): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: 16000,
    system: [{ type: 'text', text: 'You are Claude Code.' }],
    tools: TOOLS,
    ...(adaptive
      ? { thinking: { type: 'adaptive' }, context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] } }
      : { thinking: { type: 'enabled', budget_tokens: 4000 } }),
    messages,
  } as Anthropic.MessageCreateParamsNonStreaming;
}

/** One turn as Claude Code runs it: the reply goes into the history, its tool call gets a result. */
async function turn(c: Anthropic, model: string, messages: Anthropic.MessageParam[], stream: boolean, adaptive = false): Promise<Anthropic.Message> {
  const p = params(model, messages, adaptive);
  const msg = stream ? await c.messages.stream(p).finalMessage() : await c.messages.create(p);
  messages.push({ role: 'assistant', content: msg.content });
  const call = msg.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  if (call) messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: `contents of ${JSON.stringify(call.input)}` }] });
  return msg;
}

const toolReply = (thinking: string, path: string) => ({ thinking, toolCalls: [{ name: 'read_file', args: { path } }] });

function lastSent(mock: MockServer): Record<string, unknown> & { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> } {
  const call = mock.calls.filter((c) => c.url.startsWith('/v1/messages')).at(-1)!;
  expect(call.status).toBe(200);
  return call.body as never;
}

const thinkingOf = (body: ReturnType<typeof lastSent>) =>
  body.messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((b) => b.type === 'thinking') : []));

const ELSEWHERE = [
  { provider: 'gemini-cli', model: 'gemini-3-pro-preview', queue: (r: object) => s.gemini.queue(r), signature: 'aiproxy:unsigned' },
  // A reasoning_content server (GLM) rather than DeepSeek, whose own rule on replayed tool turns is another matter.
  { provider: 'openai-custom', model: 'glm-4.6', queue: (r: object) => s.openai.queue(r), signature: 'aiproxy:unsigned' },
  { provider: 'openaiResponses-custom', model: 'gpt-5-codex', queue: (r: object) => s.openai.queue(r), signature: 'openai:' },
] as const;

describe('Claude Code back on claude-custom after a turn served elsewhere', () => {
  for (const other of ELSEWHERE) {
    for (const stream of [true, false]) {
      test(`${other.provider} in between (${stream ? 'stream' : 'unary'})`, async () => {
        const claude = client(s.proxy.url, s.proxy.key, 'claude-custom');
        const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Fix the bug in a.txt' }];

        s.claude.queue(toolReply('Read a.txt first.', 'a.txt'));
        const t1 = await turn(claude, CLAUDE, messages, stream);
        const signed = t1.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking')!;

        other.queue(toolReply('Now b.txt.', 'b.txt'));
        const t2 = await turn(client(s.proxy.url, s.proxy.key, other.provider), other.model, messages, stream);
        const foreign = t2.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking')!;
        expect(foreign.thinking).toBe('Now b.txt.');
        if (other.signature === 'aiproxy:unsigned') expect(foreign.signature).toBe('aiproxy:unsigned');
        else expect(foreign.signature).toStartWith(other.signature);

        // Counting the same history (Claude Code does before each turn) gets it repaired the same way.
        const counted = await claude.messages.countTokens({ model: CLAUDE, tools: params(CLAUDE, messages).tools, messages });
        expect(counted.input_tokens).toBeGreaterThan(0);
        expect(JSON.stringify(s.claude.calls.at(-1)!.body)).not.toContain(other.signature);

        // Back: the foreign thinking leads the final tool turn, so thinking is off for this request.
        s.claude.queue(toolReply('And c.txt.', 'c.txt'));
        await turn(claude, CLAUDE, messages, stream);
        const back = lastSent(s.claude);
        expect(back.thinking).toBeUndefined();
        expect(thinkingOf(back)).toEqual([{ type: 'thinking', thinking: signed.thinking, signature: signed.signature }]);
        expect(back.messages[3]!.content.map((b) => b.type)).toEqual(['tool_use']);

        // Once Anthropic's own thinking leads the final turn again, thinking is on, as the client asked.
        s.claude.queue({ thinking: 'Done.', text: 'All fixed.' });
        const t4 = await turn(claude, CLAUDE, messages, stream);
        expect(t4.content.find((b) => b.type === 'text')).toMatchObject({ text: 'All fixed.' });
        const next = lastSent(s.claude);
        expect(next.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 });
        expect(thinkingOf(next).map((b) => b.thinking)).toEqual([signed.thinking, 'And c.txt.']);
      });
    }
  }

  test('an upstream that did not think in between: nothing to leave out, thinking still goes off for that loop', async () => {
    const claude = client(s.proxy.url, s.proxy.key, 'claude-custom');
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Fix the bug in a.txt' }];
    s.claude.queue(toolReply('Read a.txt first.', 'a.txt'));
    await turn(claude, CLAUDE, messages, false);
    // gpt-4o gives no reasoning: its tool turn reaches Claude Code without any thinking block.
    s.openai.queue({ toolCalls: [{ name: 'read_file', args: { path: 'b.txt' } }] });
    const t2 = await turn(client(s.proxy.url, s.proxy.key, 'openai-custom'), 'gpt-4o', messages, false);
    expect(t2.content.map((b) => b.type)).toEqual(['tool_use']);

    s.claude.queue({ text: 'Both read.' });
    const t3 = await turn(claude, CLAUDE, messages, false);
    expect(t3.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Both read.' });
    const back = lastSent(s.claude);
    expect(back.thinking).toBeUndefined();
    expect(back.messages).toEqual(JSON.parse(JSON.stringify(messages.slice(0, -1))));
  });

  test('Claude Code\'s adaptive thinking and thinking-clearing edit go off together, then come back', async () => {
    const claude = client(s.proxy.url, s.proxy.key, 'claude-custom');
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Fix the bug in a.txt' }];
    s.gemini.queue(toolReply('Read a.txt first.', 'a.txt'));
    await turn(client(s.proxy.url, s.proxy.key, 'gemini-cli'), 'gemini-3-pro-preview', messages, true, true);

    s.claude.queue(toolReply('And b.txt.', 'b.txt'));
    await turn(claude, 'claude-sonnet-4-6', messages, true, true);
    const back = lastSent(s.claude);
    expect(back.thinking).toBeUndefined();
    expect(back.context_management).toBeUndefined();
    expect(thinkingOf(back)).toEqual([]);

    s.claude.queue({ text: 'Done.' });
    await turn(claude, 'claude-sonnet-4-6', messages, true, true);
    const next = lastSent(s.claude);
    expect(next.thinking).toEqual({ type: 'adaptive' });
    expect(next.context_management).toEqual({ edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] });
    expect(thinkingOf(next).map((b) => b.thinking)).toEqual(['And b.txt.']);
  });

  test('a conversation Anthropic alone served goes byte for byte', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Fix the bug in a.txt' }];
    s.claude.queue(toolReply('Read a.txt first.', 'a.txt'));
    await turn(client(s.proxy.url, s.proxy.key, 'claude-custom'), CLAUDE, messages, false);
    s.claude.queue({ text: 'Fixed.' });
    const raw = JSON.stringify({ ...params(CLAUDE, messages), stream: false });
    const res = await fetch(`${s.proxy.url}/claude-custom/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': s.proxy.key, 'anthropic-version': '2023-06-01' },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(s.claude.calls.at(-1)!.text).toBe(raw);
  });
});

describe('Claude Code on claude-custom with a gemini-cli fallback', () => {
  test('one turn served by the fallback after a 429; the next turns go back to Anthropic', async () => {
    const [claude, gemini] = await Promise.all([startAnthropicMock(), startGeminiMock()]);
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-switch-back-'));
    const cfg = join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      [
        'model_providers: [claude-custom, gemini-cli]',
        'claude:',
        `  api_key: ${claude.key}`,
        `  base_url: ${claude.url}`,
        'provider_pools:',
        '  gemini-cli:',
        '    - name: g1',
        `      api_key: ${gemini.key}`,
        `      base_url: ${gemini.url}`,
        `      model_map: {${CLAUDE}: gemini-3-pro-preview}`,
        'fallbacks:',
        '  claude-custom: [gemini-cli]',
        '',
      ].join('\n'),
    );
    const proxy = await startProxy(['--config', cfg]);
    try {
      const c = client(proxy.url, proxy.key);
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Fix the bug in a.txt' }];
      claude.queue(toolReply('Read a.txt first.', 'a.txt'));
      await turn(c, CLAUDE, messages, true);

      const limited = { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } };
      claude.queue({ error: { status: 429, body: limited, headers: { 'retry-after': '1' } } });
      gemini.queue(toolReply('Now b.txt.', 'b.txt'));
      await turn(c, CLAUDE, messages, true);
      expect(gemini.calls.length).toBe(1);

      await Bun.sleep(1100); // the Claude member's cooldown
      for (const [i, path] of ['c.txt', 'd.txt'].entries()) {
        claude.queue(toolReply(`Step ${i}.`, path));
        await turn(c, CLAUDE, messages, i === 0);
        expect(claude.calls.at(-1)!.status).toBe(200);
      }
      expect(gemini.calls.length).toBe(1);
      const sent = claude.calls.at(-1)!.body as { thinking?: unknown; messages: Array<{ content: Array<{ type: string; signature?: string }> }> };
      expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 });
      expect(sent.messages.flatMap((m) => m.content).filter((b) => b.type === 'thinking' && !b.signature)).toEqual([]);
    } finally {
      await Promise.all([proxy.stop(), claude.stop(), gemini.stop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
