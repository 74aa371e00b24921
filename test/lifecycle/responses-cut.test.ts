import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { APIError } from 'openai';
import type { ProxyErrorInfo } from '../../src/core/errors.ts';
import { codecs } from '../../src/protocols/index.ts';
import { cuttableBody } from '../../src/server/cuttable-body.ts';
import { parseSSE } from '../../src/util/sse.ts';
import { manualSource, readChunks, readRest } from '../helpers/manual-stream.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';

/**
 * A Responses API stream cut at a shutdown deadline after it started: the in-band error must continue
 * the response the client is reading, not begin another one (a second response.created with another id).
 */
const ERROR: ProxyErrorInfo = { status: 503, kind: 'overloaded', message: 'aiproxy is shutting down' };

describe('a started Responses stream cut by the server', () => {
  test('the cut adds the error and response.failed, and no second response.created', async () => {
    const enc = codecs.responses.createStreamEncoder({ model: 'gpt-4o', format: 'sse' });
    const opening = enc.encode({ type: 'start', id: 'abc', model: 'gpt-4o' }) + enc.encode({ type: 'text', text: 'Hel' });
    const src = manualSource();
    const body = cuttableBody(src.stream, 'responses', 'sse', () => {});
    const reader = body.stream.getReader();
    src.push(opening);
    await readChunks(reader, 1);
    expect(body.cut(ERROR, false)).toBe(true);
    const types = parseSSE(opening + (await readRest(reader))).map((m) => (JSON.parse(m.data) as { type: string }).type);
    expect(types.filter((t) => t === 'response.created')).toHaveLength(1);
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
  });

  let s: Stack;
  beforeAll(async () => {
    // --log-prompts copies the body, so the server wraps it in a cuttable stream of its own.
    s = await startStack('openai-custom', ['--log-prompts', 'console']);
  });
  afterAll(() => s.stop());

  test('the openai SDK’s responses.stream() raises the shutdown error itself', async () => {
    s.openai.queue({ text: 'one two three four five six seven eight', chunkDelayMs: 100 });
    const stream = s.openaiClient.responses.stream({ model: 'gpt-4o', input: 'hi' });
    let deltas = 0;
    stream.on('response.output_text.delta', () => deltas++);
    const outcome = stream.finalResponse().then(
      () => undefined,
      (e: unknown) => e,
    );
    await eventually(() => deltas > 0, 5000);
    s.proxy.app.lifecycle.cut(false);
    const err = await outcome;
    expect(err).toBeInstanceOf(APIError);
    expect((err as Error).message).toContain('shutting down');
  });
});
