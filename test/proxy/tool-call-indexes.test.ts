import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { ToolCallIndexes } from '../../src/proxy/tool-call-indexes.ts';
import { SSE_HEAD, startFaultServer, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const frame = (json: object): string => `data: ${JSON.stringify(json)}\n\n`;

/** Chunks as Google's OpenAI-compatible endpoint writes a turn of two calls: each call whole, no index (THU-MAIC/OpenMAIC#1556). */
const googleCalls = (): string[] => [
  frame({
    id: 'g1', object: 'chat.completion.chunk', created: 1, model: 'gemini-3-flash-preview',
    choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [
      { extra_content: { google: { thought_signature: 'c2ln' } }, function: { arguments: '{"path":"a.txt"}', name: 'read' }, id: 'call_a', type: 'function' },
      { function: { arguments: '{"path":"b.txt"}', name: 'read' }, id: 'call_b', type: 'function' },
    ] } }],
  }),
  frame({ id: 'g1', object: 'chat.completion.chunk', created: 1, model: 'gemini-3-flash-preview', choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 } }),
  'data: [DONE]\n\n',
];

const dataOf = (text: string): Array<Record<string, any>> =>
  text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)));

describe('ToolCallIndexes', () => {
  test('a chunk without tool calls is relayed as the very bytes it was', () => {
    const t = new ToolCallIndexes();
    const chunk = enc.encode(frame({ choices: [{ index: 0, delta: { content: 'hello' }, finish_reason: null }] }));
    expect(t.push(chunk)).toBe(chunk);
  });

  test('calls without an index get 0 and 1 by their ids, and "stop" after them becomes "tool_calls"', () => {
    const t = new ToolCallIndexes();
    const out = googleCalls().map((c) => dec.decode(t.push(enc.encode(c)))).join('') + dec.decode(t.flush());
    const [calls, finish] = dataOf(out);
    expect(calls!.choices[0].delta.tool_calls.map((c: any) => [c.index, c.id])).toEqual([[0, 'call_a'], [1, 'call_b']]);
    // Everything else as Google sent it, the signature included.
    expect(calls!.choices[0].delta.tool_calls[0].extra_content).toEqual({ google: { thought_signature: 'c2ln' } });
    expect(finish!.choices[0].finish_reason).toBe('tool_calls');
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  test('an id-less delta continues the call before it; a line cut across chunks is held until whole', () => {
    const t = new ToolCallIndexes();
    const text =
      frame({ choices: [{ index: 0, delta: { tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'f', arguments: '' } }] } }] }) +
      frame({ choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: '{"a":"你' } }] } }] }) +
      frame({ choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: '好"}' } }] } }] });
    const bytes = enc.encode(text);
    let out = '';
    for (let i = 0; i < bytes.length; i += 7) out += dec.decode(t.push(bytes.subarray(i, i + 7)));
    out += dec.decode(t.flush());
    const deltas = dataOf(out).map((d) => d.choices[0].delta.tool_calls[0]);
    expect(deltas.map((d) => d.index)).toEqual([0, 0, 0]);
    expect(deltas.map((d) => d.function.arguments).join('')).toBe('{"a":"你好"}');
  });

  test('calls with an empty id or none are told apart by the function each names', () => {
    const t = new ToolCallIndexes();
    const call = (name: string, args: string) => ({ id: '', type: '', function: { name, arguments: args } });
    const text =
      frame({ choices: [{ index: 0, delta: { tool_calls: [call('a', '{"x":1}')] } }] }) +
      frame({ choices: [{ index: 0, delta: { tool_calls: [call('b', '{"y":2}'), call('c', '{}')] } }] });
    const out = dec.decode(t.push(enc.encode(text)));
    expect(dataOf(out).flatMap((d) => d.choices[0].delta.tool_calls.map((c: any) => [c.index, c.function.name]))).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
  });

  test('a repaired line keeps U+2028 and U+2029 escaped, as the upstream wrote them', () => {
    const t = new ToolCallIndexes();
    const line = 'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\\"s\\":\\"a\\u2028b\\"}"}}]}}]}\n\n';
    const out = dec.decode(t.push(enc.encode(line)));
    expect(out).not.toMatch(/[\u2028\u2029]/);
    expect(out).toContain('\\u2028');
    expect(JSON.parse(JSON.parse(out.slice(6)).choices[0].delta.tool_calls[0].function.arguments)).toEqual({ s: 'a\u2028b' });
  });

  test('"tool_calls": null in every delta, as some servers write it, leaves the relay on bytes', () => {
    const t = new ToolCallIndexes();
    for (let i = 0; i < 3; i++) {
      const chunk = enc.encode(frame({ choices: [{ index: 0, delta: { content: `w${i}`, tool_calls: null, function_call: null } }] }));
      expect(t.push(chunk)).toBe(chunk);
    }
  });

  test('a long call cut into many chunks goes out whole once its line ends', () => {
    const t = new ToolCallIndexes();
    const args = JSON.stringify({ content: 'x'.repeat(50_000) });
    const bytes = enc.encode(frame({ choices: [{ index: 0, delta: { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'write', arguments: args } }] } }] }));
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 1000) parts.push(t.push(bytes.subarray(i, i + 1000)));
    parts.push(t.flush());
    expect(parts.filter((p) => p.length > 0).length).toBeLessThanOrEqual(2);
    const call = dataOf(dec.decode(Buffer.concat(parts)))[0]!.choices[0].delta.tool_calls[0];
    expect([call.index, call.function.arguments]).toEqual([0, args]);
  });

  test('a stream whose lines end with a bare CR is relayed as it comes, not held for an LF', () => {
    const t = new ToolCallIndexes();
    const chunk = enc.encode('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\r\r');
    expect(t.push(chunk)).toBe(chunk);
    const call = enc.encode('data: {"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}\r\r');
    const out = dec.decode(t.push(call));
    expect(out.endsWith('}\r\r')).toBe(true);
    expect(JSON.parse(out.slice(6)).choices[0].delta.tool_calls[0].index).toBe(0);
  });

  test('a text stream cut anywhere, inside characters too, comes out as the same bytes', () => {
    const t = new ToolCallIndexes();
    const text = frame({ choices: [{ index: 0, delta: { content: '你好, tool_calls 世界' } }] }).repeat(3) + 'data: [DONE]\n\n';
    const bytes = enc.encode(text);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 5) parts.push(t.push(bytes.subarray(i, i + 5)));
    parts.push(t.flush());
    expect(Buffer.concat(parts).equals(Buffer.from(bytes))).toBe(true);
  });

  test('a line that never ends is held for at most 16 MB, then relayed as it came: the upstream is not read whole into memory', () => {
    // Held, nothing went to the client, so the pump read on regardless of the client's backpressure:
    // an upstream writing one endless line (a broken server, a binary behind an SSE content type) was
    // read to its end into memory.
    const t = new ToolCallIndexes();
    const mb = new Uint8Array(1024 * 1024).fill(0x78);
    const start = enc.encode('data: {"choices":[{"index":0,"delta":{"content":"');
    const parts: Uint8Array[] = [t.push(start)];
    let held = start.length;
    let pushed = start.length;
    for (let i = 0; i < 40; i++) {
      const out = t.push(mb);
      pushed += mb.length;
      parts.push(out);
      held = out.length > 0 ? 0 : held + mb.length;
      expect(held).toBeLessThanOrEqual(16 * 1024 * 1024 + mb.length);
    }
    expect(pushed - parts.reduce((n, p) => n + p.length, 0)).toBeLessThanOrEqual(16 * 1024 * 1024);
    // The rest of the line, then a chunk with a call, still repaired.
    const end = '"},"finish_reason":null}]}\n\n';
    const call = frame({ choices: [{ index: 0, delta: { tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] } }] });
    parts.push(t.push(enc.encode(end + call)), t.flush());
    const out = Buffer.concat(parts);
    const line = start.length + 40 * mb.length + end.length;
    expect(dec.decode(out.subarray(0, start.length))).toBe(dec.decode(start));
    expect(out.subarray(start.length, line - end.length).equals(Buffer.alloc(40 * mb.length, 0x78))).toBe(true);
    expect(dec.decode(out.subarray(line - end.length, line))).toBe(end);
    expect(dataOf(dec.decode(out.subarray(line)))[0]!.choices[0].delta.tool_calls[0].index).toBe(0);
  });

  test('a server that numbers its calls gets its bytes back untouched, and the relay returns to bytes', () => {
    const t = new ToolCallIndexes();
    const first = frame({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] } }] });
    expect(dec.decode(t.push(enc.encode(first)))).toBe(first);
    const next = enc.encode(frame({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, finish_reason: 'stop' }] }));
    expect(t.push(next)).toBe(next);
  });
});

describe('OpenAI client → openai-custom on an upstream that leaves out tool-call indexes (relayed)', () => {
  let up: FaultServer;
  let proxy: TestProxy;
  beforeAll(async () => {
    up = await startFaultServer((c) => {
      c.head(200, SSE_HEAD);
      for (const chunk of googleCalls()) c.write(chunk);
      c.socket.end();
    });
    proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${up.url}/v1beta/openai`, '--openai-api-key', 'AIza-test-key']);
  });
  afterAll(async () => {
    await proxy.stop();
    await up.stop();
  });

  test("the SDK's stream helper gathers both calls with their arguments and sees a tool_calls finish", async () => {
    const client = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const stream = client.chat.completions.stream({
      model: 'gemini-3-flash-preview',
      messages: [{ role: 'user', content: 'Read a.txt and b.txt' }],
      tools: [{ type: 'function', function: { name: 'read', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }],
    });
    const done = await stream.finalChatCompletion();
    const calls = done.choices[0]!.message.tool_calls!;
    expect(calls.map((c) => (c.type === 'function' ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : []))).toEqual([
      ['call_a', 'read', { path: 'a.txt' }],
      ['call_b', 'read', { path: 'b.txt' }],
    ]);
    expect(done.choices[0]!.finish_reason).toBe('tool_calls');
  });
});
