import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ProxyErrorInfo } from '../../src/core/errors.ts';
import { controlOf } from '../../src/proxy/stream-control.ts';
import { relayStream, type StreamEnd } from '../../src/proxy/stream-pipeline.ts';
import { startCodeAssistStack, type CodeAssistStack } from '../helpers/code-assist-stack.ts';
import Anthropic from '@anthropic-ai/sdk';
import { SSE_HEAD, startFaultServer, type FaultConnection } from '../helpers/fault-upstream.ts';
import { manualSource, readChunks, readRest } from '../helpers/manual-stream.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

/** The request log line of the request with this id, once written. */
async function logLine(proxy: TestProxy, rid: string): Promise<string> {
  await eventually(() => proxy.logs.some((l) => l.includes(` request rid=${rid} `)));
  return proxy.logs.find((l) => l.includes(` request rid=${rid} `))!;
}

describe('a relayed stream the upstream ends with its own in-band error', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(() => s.stop());

  const cases = [
    { name: 'OpenAI', mock: () => s.openai, path: '/v1/chat/completions', body: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }, message: 'The server had an error while processing your request' },
    { name: 'Anthropic', mock: () => s.claude, path: '/v1/messages', body: { model: 'claude-sonnet-4-6', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }, message: 'Overloaded' },
    { name: 'Gemini SSE', mock: () => s.gemini, path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, message: 'The model is overloaded' },
    { name: 'Gemini JSON array', mock: () => s.gemini, path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, message: 'The model is overloaded' },
  ];
  for (const c of cases) {
    test(`${c.name}: relayed as it came, and logged and counted as failed`, async () => {
      c.mock().queue({ text: 'one two three four', midStreamErrorAfter: 1 });
      const rid = `inband-${c.name.replace(/ /g, '-')}`;
      const res = await fetch(`${s.proxy.url}${c.path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.proxy.key}`, 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json', 'x-request-id': rid },
        body: JSON.stringify(c.body),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain(c.message);
      const line = await logLine(s.proxy, rid);
      expect(line).toContain(' WARN ');
      expect(line).toMatch(new RegExp(`error="?${c.message}`));
    });
  }

  test('a stream that ends normally is still logged as a success', async () => {
    s.openai.queue({ text: 'fine' });
    const res = await fetch(`${s.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'x-request-id': 'inband-none' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.text();
    const line = await logLine(s.proxy, 'inband-none');
    expect(line).toContain(' INFO ');
    expect(line).not.toContain('error=');
  });
});

describe('a Code Assist stream (envelope taken off) the upstream ends with an in-band error', () => {
  let s: CodeAssistStack;
  beforeAll(async () => {
    s = await startCodeAssistStack();
  });
  afterAll(() => s.stop());

  test('is relayed, and logged as failed', async () => {
    s.api.queue({ text: 'one two three four', midStreamErrorAfter: 1 });
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json', 'x-request-id': 'inband-ca' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(await res.text()).toContain('"error"');
    const line = await logLine(s.proxy, 'inband-ca');
    expect(line).toContain(' WARN ');
    expect(line).toContain('error=');
  });
});

describe('Gemini’s streamed JSON array ended early by the proxy', () => {
  const ERROR: ProxyErrorInfo = { status: 503, kind: 'overloaded', message: 'shutting down' };
  const first = '[{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}';

  test('after a separator that arrived without its element: still one valid array', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, { protocol: 'gemini', format: 'json-array', idleMs: 0, keepaliveMs: 0 });
    const reader = body.getReader();
    src.push(first);
    await readChunks(reader, 1);
    src.push(',\r\n');
    await readChunks(reader, 1);
    expect(controlOf(body)!.cut(ERROR, false)).toBe(true);
    const arr = JSON.parse(`${first},\r\n${await readRest(reader)}`) as unknown[];
    expect(arr).toHaveLength(2);
    expect(arr[1]).toMatchObject({ error: { code: 503, message: 'shutting down' } });
  });

  test('the upstream closing right after a nested array’s `]`: truncated, not complete', async () => {
    const src = manualSource();
    let end: StreamEnd | undefined;
    const body = relayStream(src.stream, { protocol: 'gemini', format: 'json-array', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
    src.push(`${first},\r\n{"candidates":[{"content":{"parts":[{"text":"b"}]`);
    src.close();
    expect(await readRest(body.getReader())).toContain('the answer is truncated');
    expect(end?.error).toContain('the answer is truncated');
  });

  test('the upstream closing right after a separator: the truncation error completes the array', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, { protocol: 'gemini', format: 'json-array', idleMs: 0, keepaliveMs: 0 });
    src.push(first);
    src.push(',\r\n');
    src.close();
    const arr = JSON.parse(await readRest(body.getReader())) as unknown[];
    expect(arr[1]).toMatchObject({ error: { message: expect.stringContaining('truncated') } });
  });
});

describe('an SSE stream the upstream ends without the blank line after its last event', () => {
  test('gets it, so the client’s parser does not drop the end marker', async () => {
    for (const [protocol, last, ending] of [
      ['openai', 'data: [DONE]', ''],
      ['anthropic', 'event: message_stop\ndata: {"type":"message_stop"}', '\n'],
      ['anthropic', 'event: message_stop\r\ndata: {"type":"message_stop"}', '\r\n'],
      // JSON leaves U+2028 raw; it ends no SSE line.
      ['gemini', 'data: {"candidates":[{"content":{"parts":[{"text":"a\u2028b"}]},"finishReason":"STOP"}]}', ''],
    ] as const) {
      const src = manualSource();
      const body = relayStream(src.stream, { protocol, format: 'sse', idleMs: 0, keepaliveMs: 0 });
      src.push(`data: {"x":1}\n\n${last}${ending}`);
      src.close();
      const text = await readRest(body.getReader());
      expect(text.startsWith(`data: {"x":1}\n\n${last}`)).toBe(true);
      expect(text).toMatch(/(\n\n|\r\n\r\n|\r\n\n)$/);
      expect(text).not.toContain('truncated');
    }
  });

  test('one cut inside the data of an event that names the end marker is truncated, not complete', async () => {
    for (const [protocol, last] of [
      ['anthropic', 'event: message_stop\ndata: {"type":"message_st'],
      ['gemini', 'data: {"candidates":[{"content":{"parts":[{"text":"end"}]},"finishReason":"STOP"}],"usageMetadata":{"prompt'],
      ['responses', 'event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_1","output":[{"type":"mess'],
    ] as const) {
      const src = manualSource();
      let end: StreamEnd | undefined;
      const body = relayStream(src.stream, { protocol, format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
      src.push(`data: {"x":1}\n\n${last}`);
      src.close();
      const text = await readRest(body.getReader());
      expect(text.startsWith(`data: {"x":1}\n\n${last}\n\n`)).toBe(true);
      expect(text).toContain('the answer is truncated');
      expect(end?.error).toContain('the answer is truncated');
    }
  });

  test('line endings mixed within the stream (CRLF then CR, CR then CRLF) still separate events', async () => {
    for (const [protocol, whole] of [
      ['openai', 'data: {"x":1}\r\n\rdata: [DONE]\r\r\n'],
      ['anthropic', 'event: message_delta\r\ndata: {"type":"message_delta"}\r\n\revent: message_stop\r\ndata: {"type":"message_stop"}\r\n'],
    ] as const) {
      const src = manualSource();
      const body = relayStream(src.stream, { protocol, format: 'sse', idleMs: 0, keepaliveMs: 0 });
      src.push(whole);
      src.close();
      const text = await readRest(body.getReader());
      expect(text.startsWith(whole)).toBe(true);
      expect(text).not.toContain('truncated');
    }
  });

  test('comments, id and retry fields after the end marker leave it the last event', async () => {
    for (const trail of [': bye\n\n', 'retry: 3000\n\n', 'id: 42\r\n\r\n', 'id\n: x\nretry: 5\n\n']) {
      const src = manualSource();
      let end: StreamEnd | undefined;
      const body = relayStream(src.stream, { protocol: 'openai', format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
      const whole = `data: {"x":1}\n\ndata: [DONE]\n\n${trail}`;
      src.push(whole);
      src.close();
      expect(await readRest(body.getReader())).toBe(whole);
      expect(end?.error).toBeUndefined();
    }
  });

  test('a stream that ends properly is relayed byte for byte, nothing added', async () => {
    const src = manualSource();
    const body = relayStream(src.stream, { protocol: 'openai', format: 'sse', idleMs: 0, keepaliveMs: 0 });
    const whole = 'data: {"x":1}\r\n\r\ndata: [DONE]\r\n\r\n';
    src.push(whole);
    src.close();
    expect(await readRest(body.getReader())).toBe(whole);
  });
});

describe('a relayed Chat Completions stream whose last chunks are whole without [DONE]', () => {
  const chunk = (o: object): string => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', ...o })}\n\n`;
  const text = chunk({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] });
  const finish = (reason: string): string => chunk({ choices: [{ index: 0, delta: {}, finish_reason: reason }] });
  const usage = chunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  // OpenRouter's mid-stream error: the error beside the chunk's usual fields, its choice finished with "error".
  const openrouterError = chunk({ provider: 'OpenAI', error: { code: 502, message: 'Provider disconnected unexpectedly' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] });

  /** `cut`: where the upstream's two writes meet (the stream's last bytes are judged first). */
  async function relay(whole: string, cut = 0): Promise<{ text: string; end: StreamEnd | undefined }> {
    const src = manualSource();
    let end: StreamEnd | undefined;
    const body = relayStream(src.stream, { protocol: 'openai', format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
    if (cut) src.push(whole.slice(0, cut));
    src.push(whole.slice(cut));
    src.close();
    return { text: await readRest(body.getReader()), end };
  }

  test('a finish_reason, alone or followed by the usage chunk, ends it as complete: [DONE] is added', async () => {
    for (const whole of [text + finish('stop'), text + finish('tool_calls') + usage, `${text}${finish('length')}: keep-alive\n\n`, (text + finish('stop')).trimEnd()]) {
      const r = await relay(whole);
      expect(r.text.startsWith(whole)).toBe(true);
      expect(r.text.slice(whole.length).replace(/^\n+/, '')).toBe('data: [DONE]\n\n');
      expect(r.end?.error).toBeUndefined();
    }
  });

  test('a long finishing chunk written in two pieces before the usage chunk: still complete', async () => {
    const long = chunk({ choices: [{ index: 0, delta: { content: 'z'.repeat(2000) }, finish_reason: 'stop' }] });
    const whole = text + long + usage;
    const r = await relay(whole, text.length + 20);
    expect(r.text).toBe(`${whole}data: [DONE]\n\n`);
    expect(r.end?.error).toBeUndefined();
  });

  test('no finish_reason, GLM’s network_error, DeepSeek’s insufficient_system_resource or a usage chunk with no finish before it: truncated', async () => {
    for (const whole of [text, text + usage, text + finish('network_error'), text + finish('insufficient_system_resource') + usage, text + finish('abort'), usage]) {
      const r = await relay(whole);
      expect(r.text).toContain('the answer is truncated');
      expect(r.end?.error).toContain('the answer is truncated');
    }
  });

  test('OpenRouter’s error chunk ends it with OpenRouter’s error, logged as such, with or without [DONE] after it', async () => {
    for (const whole of [text + openrouterError, `${text}${openrouterError}data: [DONE]\n\n`]) {
      const r = await relay(whole);
      expect(r.text).toBe(whole);
      expect(r.end?.error).toBe('Provider disconnected unexpectedly');
    }
  });
});

describe('a relayed Responses or Anthropic stream that ends with data: [DONE] (LiteLLM\'s proxy: BerriAI/litellm#34095)', () => {
  const ev = (type: string, seq: number, o: object = {}): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq, ...o })}\n\n`;
  const head = ev('response.created', 0, { response: { id: 'resp_1', model: 'm', created_at: 1, status: 'in_progress' } }) + ev('response.output_text.delta', 1, { item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'hi' });
  const DONE = 'data: [DONE]\n\n';

  async function relay(whole: string): Promise<{ text: string; end: StreamEnd | undefined }> {
    const src = manualSource();
    let end: StreamEnd | undefined;
    const body = relayStream(src.stream, { protocol: 'responses', format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
    src.push(whole);
    src.close();
    return { text: await readRest(body.getReader()), end };
  }

  test('after response.completed: whole, relayed byte for byte, a success', async () => {
    const whole = head + ev('response.completed', 2, { response: { id: 'resp_1', status: 'completed' } }) + DONE;
    const r = await relay(whole);
    expect(r.text).toBe(whole);
    expect(r.end?.error).toBeUndefined();
  });

  test('after response.failed: whole, with the response\'s error; with nothing that ends it before: truncated', async () => {
    const failed = await relay(head + ev('response.failed', 2, { response: { id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'boom' } } }) + DONE);
    expect(failed.end?.error).toBe('boom');
    const cut = await relay(head + DONE);
    expect(cut.text).toContain('the answer is truncated');
    expect(cut.end?.error).toContain('the answer is truncated');
  });

  test('an Anthropic stream a gateway ends so after message_stop: whole too', async () => {
    const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const src = manualSource();
    let end: StreamEnd | undefined;
    const body = relayStream(src.stream, { protocol: 'anthropic', format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
    src.push(`event: message_start\ndata: {"type":"message_start","message":{"id":"m"}}\n\n${stop}${DONE}`);
    src.close();
    expect(await readRest(body.getReader())).toBe(`event: message_start\ndata: {"type":"message_start","message":{"id":"m"}}\n\n${stop}${DONE}`);
    expect(end?.error).toBeUndefined();
  });
});

describe('a relayed Anthropic stream that ends after message_delta without message_stop', () => {
  const ev = (type: string, o: object = {}): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...o })}\n\n`;
  const head =
    ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }) +
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
    ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'whole' } }) +
    ev('content_block_stop', { index: 0 });
  const delta = ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } });

  async function relay(whole: string): Promise<{ text: string; end: StreamEnd | undefined }> {
    const src = manualSource();
    let end: StreamEnd | undefined;
    const body = relayStream(src.stream, { protocol: 'anthropic', format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e));
    src.push(whole);
    src.close();
    return { text: await readRest(body.getReader()), end };
  }

  test('its stop_reason makes it whole: message_stop is added, as the Anthropic SDK waits for it', async () => {
    const r = await relay(head + delta);
    expect(r.text).toBe(`${head}${delta}event: message_stop\ndata: {"type":"message_stop"}\n\n`);
    expect(r.end?.error).toBeUndefined();
  });

  test('without a stop_reason, or cut before message_delta, it is truncated', async () => {
    for (const whole of [head, head + ev('message_delta', { delta: {}, usage: { output_tokens: 2 } })]) {
      const r = await relay(whole);
      expect(r.text).toContain('the answer is truncated');
      expect(r.text).not.toContain('message_stop');
    }
  });

  test('the Anthropic SDK reads the relayed answer whole (esengine/DeepSeek-Reasonix#8756)', async () => {
    const up = await startFaultServer((c: FaultConnection) => {
      c.head(200, SSE_HEAD);
      c.write(head + delta);
      c.socket.end();
    });
    const proxy = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', up.url, '--claude-api-key', 'sk-up', '--keepalive-ms', '0']);
    try {
      const client = new Anthropic({ baseURL: proxy.url, apiKey: proxy.key, maxRetries: 0 });
      const msg = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
      expect(msg.stop_reason).toBe('end_turn');
      expect(msg.content).toMatchObject([{ type: 'text', text: 'whole' }]);
    } finally {
      await proxy.stop();
      await up.stop();
    }
  });
});
