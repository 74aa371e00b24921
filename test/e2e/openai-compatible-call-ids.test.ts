/**
 * Claude Code and a Chat Completions client continuing a tool loop that other upstreams served, on
 * servers strict about call ids: Mistral takes only 9 letters and digits, OpenAI at most 40 characters
 * (Kimi names its calls after the tool), in calls and results alike.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { lastBody } from './openai-client-util.ts';

const stack = useOpenAICustom();

const sentIds = () =>
  (lastBody(stack.upstream).messages as Array<Record<string, unknown>>).flatMap((m) =>
    m.role === 'tool' ? [m.tool_call_id] : Array.isArray(m.tool_calls) ? m.tool_calls.map((c: { id: string }) => c.id) : [],
  );

describe('Mistral: tool call ids other upstreams made', () => {
  test('Claude Code’s toolu_ ids reach devstral as 9 letters and digits, call and result alike', async () => {
    stack.upstream.queue({ text: 'It says hello.' });
    const client = new Anthropic({ apiKey: stack.proxy.key, baseURL: stack.proxy.url, maxRetries: 0 });
    const answer = await client.messages.create({
      model: 'devstral-medium-2507',
      max_tokens: 256,
      tools: [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'Read a.txt' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'read_file', input: { path: 'a.txt' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: 'hello' },
            // Claude Code's reminders ride in the same turn; Mistral refuses a user message right after a tool one.
            { type: 'text', text: '<system-reminder>The user may edit files.</system-reminder>' },
          ],
        },
      ],
    });
    expect(answer.content.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual(['It says hello.']);
    const [call, result] = sentIds();
    expect(call).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(result).toBe(call);
  });

  test('a Chat Completions client relayed: OpenAI’s call_ ids are mapped; Mistral’s own go as they came', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: {} } } }];
    const history = (id: string): OpenAI.ChatCompletionMessageParam[] => [
      { role: 'user', content: 'Read a.txt' },
      { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'read_file', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: id, content: 'hello' },
    ];
    stack.upstream.queue({ text: 'Done.' });
    const res = await client.chat.completions.create({ model: 'mistral-large-latest', tools, messages: history('call_Vq2x0sK8m1RtYb7Lz3Nc9WdE') });
    expect(res.choices[0]!.message.content).toBe('Done.');
    expect(sentIds().every((id) => /^[A-Za-z0-9]{9}$/.test(String(id)))).toBe(true);

    // The loop Mistral itself served: its id comes back as it gave it.
    stack.upstream.queue({ toolCalls: [{ name: 'read_file', args: {} }] }, { text: 'Again.' });
    const first = await client.chat.completions.create({ model: 'mistral-large-latest', tools, messages: [{ role: 'user', content: 'Read a.txt' }] });
    const own = first.choices[0]!.message.tool_calls![0]!.id;
    expect(own).toMatch(/^[A-Za-z0-9]{9}$/);
    await client.chat.completions.create({ model: 'mistral-large-latest', tools, messages: history(own) });
    expect(sentIds()).toEqual([own, own]);
  });
});

describe('OpenAI: call ids over 40 characters', () => {
  test('a Kimi-served call (named after a long MCP tool) continues on gpt-4o', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    const id = 'functions.mcp__github__create_pull_request_review:0';
    stack.upstream.queue({ text: 'Reviewed.' });
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      tools: [{ type: 'function', function: { name: 'mcp__github__create_pull_request_review', parameters: { type: 'object', properties: {} } } }],
      messages: [
        { role: 'user', content: 'Review PR 7' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'mcp__github__create_pull_request_review', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: id, content: 'ok' },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('Reviewed.');
    const [call, result] = sentIds();
    expect(String(call).length).toBeLessThanOrEqual(40);
    expect(result).toBe(call);
  });
});
