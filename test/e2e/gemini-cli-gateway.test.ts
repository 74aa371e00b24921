/**
 * Gemini CLI against aiproxy, beyond the request shapes of gemini-client-cli.test.ts: what a user of
 * the current Gemini CLI (GOOGLE_GEMINI_BASE_URL=<aiproxy>/<provider>, `gemini -m <model>`) runs into.
 * The CLI puts whatever `-m` names into the URL path, `models/{model}:streamGenerateContent?alt=sse`
 * (google-gemini/gemini-cli packages/core/src/core/contentGenerator.ts, via @google/genai).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { GoogleGenAI } from '@google/genai';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import { startProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { collect, geminiClient, lastCall } from './gemini-client-helpers.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

describe('Gemini CLI -m with model ids of OpenAI-compatible upstreams', () => {
  // Ollama tags (qwen3:8b), Bedrock ids behind LiteLLM (…-v2:0), Vertex Claude versions (…@20250929), and
  // ids with an owner: vLLM's and SGLang's default (the Hugging Face repo, Qwen/Qwen3-8B), LM Studio's
  // (openai/gpt-oss-20b), which @google/genai puts in the path slash and all.
  for (const model of ['qwen3:8b', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-sonnet-4-5@20250929', 'Qwen/Qwen3-8B', 'openai/gpt-oss-20b']) {
    test(`${model} reaches the upstream as it was named`, async () => {
      const g = geminiClient(s, 'openai-custom');
      const { text } = await collect(await g.models.generateContentStream({ model, contents: 'hello' }));
      expect(text).toBe('mock(openai) heard: hello');
      expect((lastCall(s.openai).body as { model?: string }).model).toBe(model);
    });
  }
});

describe('Gemini model ids with an owner, other routes', () => {
  test('apiVersion v1 and the provider in a header: the path is still a Gemini action', async () => {
    const g = new GoogleGenAI({ apiKey: s.proxy.key, httpOptions: { baseUrl: s.proxy.url, apiVersion: 'v1', headers: { 'x-model-provider': 'openai-custom' } } });
    const res = await g.models.generateContent({ model: 'Qwen/Qwen3-8B', contents: 'hi' });
    expect(res.text).toBe('mock(openai) heard: hi');
    expect((lastCall(s.openai).body as { model?: string }).model).toBe('Qwen/Qwen3-8B');
  });

  test('models.get finds it too, under either API version', async () => {
    const upstream = await startOpenAIMock({ models: ['Qwen/Qwen3-8B'] });
    const proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', upstream.url, '--openai-api-key', upstream.key]);
    try {
      for (const apiVersion of ['v1beta', 'v1']) {
        const g = new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: proxy.url, apiVersion } });
        expect((await g.models.get({ model: 'Qwen/Qwen3-8B' })).name).toBe('models/Qwen/Qwen3-8B');
      }
    } finally {
      await Promise.all([proxy.stop(), upstream.stop()]);
    }
  });

  test('more than one slash is refused in Gemini’s error shape', async () => {
    const res = await fetch(`${s.proxy.url}/openai-custom/v1beta/models/a/b/c:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
    // Nor does one hide in an owner segment, encoded.
    const hidden = await fetch(`${s.proxy.url}/openai-custom/v1beta/models/a%2Fb/c:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(hidden.status).toBe(400);
  });
});

describe('Gemini CLI side requests with tool history and no tools, to Claude', () => {
  // Chat compression, loop detection and the next-speaker check send the whole history, function calls
  // and results included, without tool declarations (gemini-cli loopDetectionService.ts, baseLlmClient.ts).
  test('the history goes up with its tools declared and none callable; the answer comes back', async () => {
    const g = geminiClient(s, 'claude-custom');
    const res = await g.models.generateContent({
      model: 'claude-sonnet-4-5',
      contents: [
        { role: 'user', parts: [{ text: 'list the files' }] },
        { role: 'model', parts: [{ functionCall: { name: 'list_directory', args: { path: '.' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'list_directory', response: { output: 'a.ts b.ts' } } }] },
        { role: 'user', parts: [{ text: 'Summarize the conversation so far.' }] },
      ],
    });
    expect(res.text).toContain('Summarize the conversation so far.');
    const body = lastCall(s.claude).body as { tools?: Array<{ name: string }>; tool_choice?: unknown };
    expect(body.tools?.map((t) => t.name)).toEqual(['list_directory']);
    expect(body.tool_choice).toEqual({ type: 'none' });
  });
});

describe('Gemini CLI web tools to an upstream that cannot run them', () => {
  // google_web_search sends tools: [{googleSearch: {}}], web_fetch [{urlContext: {}}] (gemini-cli tools/web-search.ts, web-fetch.ts).
  for (const tool of [{ googleSearch: {} }, { urlContext: {} }]) {
    test(`${Object.keys(tool)[0]} alone is a 400 that says so, and nothing is asked of Claude`, async () => {
      const before = s.claude.calls.length;
      const g = geminiClient(s, 'claude-custom');
      const err = (await g.models.generateContent({ model: 'claude-sonnet-4-5', contents: 'news today?', config: { tools: [tool] } }).catch((e) => e)) as {
        status?: number;
        message?: string;
      };
      expect(err.status).toBe(400);
      expect(err.message).toContain(`${Object.keys(tool)[0]} is a tool only Google runs`);
      expect(s.claude.calls.length).toBe(before);
    });
  }
});

describe('Gemini CLI web tools with a Gemini provider among the fallbacks', () => {
  test('the request skips the provider that cannot run them and reaches the Gemini one', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-google-tools-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'fallbacks:\n  claude-custom: [gemini-cli]\n');
    const fb = await startStack('claude-custom,gemini-cli', ['--config', file]);
    try {
      const claudeBefore = fb.claude.calls.length;
      // A name both could serve (operators map Gemini CLI's names to Claude); the prefix picks claude-custom.
      const res = await geminiClient(fb, 'claude-custom').models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'news today?',
        config: { tools: [{ googleSearch: {} }] },
      });
      expect(res.text).toBeTruthy();
      expect(fb.claude.calls.length).toBe(claudeBefore);
      expect(lastCall(fb.gemini).body).toMatchObject({ tools: [{ googleSearch: {} }] });
    } finally {
      await fb.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
