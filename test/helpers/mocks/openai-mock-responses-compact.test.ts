/**
 * Self-test of the OpenAI mock's compaction: `POST /v1/responses/compact`, the `compaction` item it
 * issues (accepted back only when it issued it), and a `compaction_trigger` item ending a
 * `/v1/responses` input, answered with one compaction item, whole or streamed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { encryptedReasoningBlob, startOpenAIMock } from './openai-mock.ts';
import { postResponses } from './openai-mock-responses-client.ts';
import type { MockServer } from './types.ts';

let mock: MockServer;
let client: OpenAI;
beforeAll(async () => {
  mock = await startOpenAIMock();
  client = new OpenAI({ apiKey: mock.key, baseURL: mock.url, maxRetries: 0, timeout: 5_000 });
});
afterAll(() => mock.stop());

const history = [
  { role: 'user', content: 'fix the parser' },
  { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
  { role: 'user', content: 'now the tests' },
];

describe('openai responses mock: compaction', () => {
  test('compact keeps the user messages and adds one compaction item, which a later request may carry', async () => {
    const compacted = await client.responses.compact({ model: 'gpt-5.1-codex', input: history as never });
    expect(compacted.object).toBe('response.compaction');
    const output = compacted.output as unknown as Array<Record<string, unknown>>;
    expect(output.map((i) => [i.type, i.role])).toEqual([['message', 'user'], ['message', 'user'], ['compaction', undefined]]);
    const item = output.at(-1)!;
    expect(item.encrypted_content).toMatch(/^gAAAAA/);

    const next = await postResponses(mock, { model: 'gpt-5.1-codex', input: [item, { role: 'user', content: 'go on' }] });
    expect(next.status).toBe(200);
    const forged = await postResponses(mock, { model: 'gpt-5.1-codex', input: [{ ...item, encrypted_content: encryptedReasoningBlob() }, { role: 'user', content: 'go on' }] });
    expect(forged.status).toBe(400);
    expect(forged.json.error.code).toBe('invalid_encrypted_content');
  });

  test('compact refuses what it does not take (it never streams)', async () => {
    const res = await fetch(`${mock.url}/responses/compact`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.1', input: 'x', stream: true }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("Unknown parameter: 'stream'.");
  });

  test('a compaction_trigger last: one compaction item, whole or as a stream', async () => {
    const input = [...history, { type: 'compaction_trigger' }];
    const whole = await postResponses(mock, { model: 'gpt-5.1-codex', input, store: false });
    expect(whole.status).toBe(200);
    expect(whole.json.output.map((i: { type: string }) => i.type)).toEqual(['compaction']);

    const streamed = await postResponses(mock, { model: 'gpt-5.1-codex', input, store: false, stream: true });
    const types = [...streamed.text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(types).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.output_item.done', 'response.completed']);
  });
});
