/**
 * A Gemini client's request relayed to another Gemini model (model_map): the body goes as it came,
 * except a thinkingConfig the target takes another way. Gemini CLI asks gemini-3 models for a
 * thinkingLevel and its helper calls for thinkingBudget 0; gemini-2.5-pro refuses both.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { GoogleGenAI } from '@google/genai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thinkingForModel } from '../../src/protocols/gemini/thinking-config.ts';
import { startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-gemini-map-'));
let gemini: GeminiMock;
let proxy: TestProxy;

beforeAll(async () => {
  gemini = await startGeminiMock();
  const file = join(dir, 'config.yaml');
  const map = '{gemini-3-pro-preview: gemini-2.5-pro, gemini-2.5-flash-lite: gemini-2.5-pro, team-gemini: gemini-2.5-flash}';
  writeFileSync(file, `model_providers: [gemini-cli]\nprovider_pools:\n  gemini-cli:\n    - {name: a, api_key: ${gemini.key}, base_url: "${gemini.url}", model_map: ${map}}\n`);
  proxy = await startProxy(['--config', file]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), gemini.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const client = () => new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: proxy.url, apiVersion: 'v1beta' } });
const sentThinking = () => ((gemini.calls.at(-1)!.body as { generationConfig?: { thinkingConfig?: unknown } }).generationConfig ?? {}).thinkingConfig;

describe('Gemini client, model_map to another Gemini model', () => {
  test('a thinkingLevel for gemini-3 reaches gemini-2.5-pro as a budget', async () => {
    const res = await client().models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: 'hello',
      config: { thinkingConfig: { thinkingLevel: 'HIGH' as never, includeThoughts: true } },
    });
    expect(res.text).toContain('hello');
    expect(gemini.calls.at(-1)!.url).toContain('gemini-2.5-pro');
    expect(sentThinking()).toEqual({ thinkingBudget: 24576, includeThoughts: true });
  });

  test('thinkingBudget 0 (thinking off) to a model that cannot turn it off gets its smallest budget', async () => {
    await client().models.generateContent({ model: 'gemini-2.5-flash-lite', contents: 'hello', config: { thinkingConfig: { thinkingBudget: 0 } } });
    expect(sentThinking()).toEqual({ thinkingBudget: 128 });
  });

  test("countTokens in the generateContentRequest form (Zed, langchain4j) counts with the target, named in the body too", async () => {
    // The wrapped request names its model, and that is the one Google counts: the alias is no model of Google's.
    for (const key of ['generateContentRequest', 'generate_content_request']) {
      const res = await fetch(`${proxy.url}/v1beta/models/team-gemini:countTokens`, {
        method: 'POST',
        headers: { 'x-goog-api-key': proxy.key, 'content-type': 'application/json' },
        body: JSON.stringify({ [key]: { model: 'models/team-gemini', contents: [{ role: 'user', parts: [{ text: 'count me' }] }], systemInstruction: { parts: [{ text: 'be terse' }] } } }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
      const sent = gemini.calls.at(-1)!;
      expect(sent.url).toContain('/models/gemini-2.5-flash:countTokens');
      expect((sent.body as Record<string, { model: string }>)[key]!.model).toBe('models/gemini-2.5-flash');
    }
    // The plain form has no model in the body, and goes as it came.
    expect((await client().models.countTokens({ model: 'team-gemini', contents: 'count me' })).totalTokens).toBeGreaterThan(0);
    expect(gemini.calls.at(-1)!.body).toEqual({ contents: [{ parts: [{ text: 'count me' }], role: 'user' }] });
  });

  test('a config the target takes as it is leaves the body untouched', () => {
    const body = { contents: [], generationConfig: { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } } };
    expect(thinkingForModel(body, 'gemini-2.5-pro')).toBeUndefined();
    expect(thinkingForModel({ contents: [] }, 'gemini-2.5-pro')).toBeUndefined();
    expect(thinkingForModel({ contents: [], generationConfig: { thinkingConfig: { thinkingBudget: 1024 } } }, 'gemini-3-pro-preview')).toEqual({
      contents: [],
      generationConfig: { thinkingConfig: { thinkingLevel: 'LOW' } },
    });
  });
});

describe('Gemini relay: what the target takes as it is stays untouched', () => {
  test('a level to another level-taking model is left as the client chose it', () => {
    const body = { contents: [], generationConfig: { thinkingConfig: { thinkingLevel: 'MINIMAL' } } };
    expect(thinkingForModel(body, 'gemini-3-flash-preview')).toBeUndefined();
  });
});

test('a config the target takes, in another key order, still leaves the body untouched', () => {
  const body = { contents: [], generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } } };
  expect(thinkingForModel(body, 'gemini-2.5-pro')).toBeUndefined();
});
