import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Content, Part } from '@google/genai';
import OpenAI from 'openai';
import { CODE_ASSIST_MARKER } from '../../src/protocols/gemini/signature.ts';
import { CODE_ASSIST_MODELS } from '../../src/providers/gemini-cli-oauth/models.ts';
import { parseSSE } from '../../src/util/sse.ts';
import { startCodeAssistStack, type CodeAssistStack } from '../helpers/code-assist-stack.ts';
import { postRaw } from '../helpers/proxy.ts';
import { codeAssistQuotaError, generateChatDenied, modelCapacityExhausted, validationRequired } from '../helpers/mocks/code-assist-mock.ts';

let s: CodeAssistStack;
beforeAll(async () => {
  s = await startCodeAssistStack();
});
afterAll(() => s.stop());

const last = <T>(xs: T[]): T => xs[xs.length - 1]!;
const lastGenerate = () => last(s.api.calls.filter((c) => /:(stream)?[gG]enerateContent/.test(c.url)));
const envelope = () => lastGenerate().body as { model: string; project: string; user_prompt_id: string; request: Record<string, unknown> };
const MULTIBYTE = 'Grüße 你好 🙂 — done';

describe('Gemini client → gemini-cli-oauth (envelope only)', () => {
  test('generateContent: the body goes upstream inside the envelope, the answer comes back unwrapped', async () => {
    const res = await s.geminiClient.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello 你好', config: { topK: 64 } });
    expect(res.text).toBe('mock(code-assist) heard: Hello 你好');
    expect(res.responseId).toMatch(/^[a-z0-9]{16}$/);
    const call = lastGenerate();
    expect(call.url).toBe('/v1internal:generateContent');
    expect(call.headers.authorization).toBe('Bearer ya29.initial');
    expect(call.headers['user-agent']).toStartWith('GeminiCLI/');
    expect(call.headers['user-agent']).toContain('/gemini-2.5-flash (');
    const env = envelope();
    expect(env.model).toBe('gemini-2.5-flash');
    expect(env.project).toBe(s.api.project);
    expect(typeof env.user_prompt_id).toBe('string');
    expect(env.request).toEqual({ contents: [{ parts: [{ text: 'Hello 你好' }], role: 'user' }], generationConfig: { topK: 64 } });
  });

  test('the client’s bytes go inside the envelope as they are', async () => {
    const text = '{ "contents": [{"role":"user","parts":[{"text":"caf\\u00e9 \\ud83d\\ude80 Grüße"}]}],\n "generationConfig": {"temperature": 0.70} }';
    const res = await postRaw(s.proxy, '/v1beta/models/gemini-2.5-flash:generateContent', text);
    expect(res.status).toBe(200);
    expect(lastGenerate().text.endsWith(`,"request":${text}}`)).toBe(true);
  });

  test('streamGenerateContent (SSE): every chunk unwrapped, split multi-byte text intact', async () => {
    s.api.queue({ text: MULTIBYTE, splitBytes: 3 });
    let text = '';
    let finish: string | undefined;
    for await (const chunk of await s.geminiClient.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'hi' })) {
      text += chunk.text ?? '';
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
    }
    expect(text).toBe(MULTIBYTE);
    expect(finish).toBe('STOP');
    expect(lastGenerate().url).toBe('/v1internal:streamGenerateContent?alt=sse');
    expect(lastGenerate().headers.accept).toBe('text/event-stream');
  });

  // Re-framed after unwrapping, so written by JSON.stringify: raw U+2028/U+2029, where the `.` of
  // @google/genai 1.x's /^\s*data: (.*)(?:\n\n|\r\r|\r\n\r\n)/ (the Gemini CLI's) stops and reads no more.
  test('streamGenerateContent (SSE): U+2028 and U+2029 in the text do not end the stream for genai 1.x', async () => {
    const odd = 'one\u2028two\u2029three';
    s.api.queue({ text: odd });
    const res = await postRaw(s.proxy, '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }));
    const event = /^\s*data: (.*)(?:\n\n|\r\r|\r\n\r\n)/;
    let rest = await res.text();
    let text = '';
    for (let m = event.exec(rest); m; m = event.exec(rest)) {
      for (const p of (JSON.parse(m[1]!) as { candidates: Array<{ content: { parts: Part[] } }> }).candidates[0]!.content.parts) text += p.text ?? '';
      rest = rest.slice(m[0].length);
    }
    expect(rest).toBe('');
    expect(text).toBe(odd);
  });

  test('the plain streamGenerateContent JSON array is served from Code Assist’s SSE', async () => {
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'array please' }] }] }),
    });
    expect(res.status).toBe(200);
    const items = (await res.json()) as Array<{ candidates: Array<{ content: { parts: Array<{ text: string }> } }>; response?: unknown }>;
    expect(items.length).toBeGreaterThan(1);
    expect(items.every((i) => i.response === undefined && Array.isArray(i.candidates))).toBe(true);
    expect(items.map((i) => i.candidates[0]!.content.parts.map((p) => p.text).join('')).join('')).toBe('mock(code-assist) heard: array please');
  });

  test('countTokens goes to v1internal:countTokens as {request: {model: "models/…", contents}}', async () => {
    const res = await s.geminiClient.models.countTokens({ model: 'gemini-2.5-flash', contents: 'count these words please' });
    expect(res.totalTokens).toBeGreaterThan(0);
    const call = last(s.api.calls);
    expect(call.url).toBe('/v1internal:countTokens');
    expect(call.body).toEqual({ request: { model: 'models/gemini-2.5-flash', contents: [{ parts: [{ text: 'count these words please' }], role: 'user' }] } });
  });

  test('a quota error keeps Google’s RetryInfo for the Gemini client', async () => {
    s.api.queue({ error: codeAssistQuotaError() });
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-pro:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { status: string; details: Array<{ retryDelay?: string }> } };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.details.some((d) => d.retryDelay === '68940s')).toBe(true);
  });

  test("Code Assist's signatures reach the client marked as its own (the Gemini API refuses them), and go back raw", async () => {
    const call = { name: 'read_file', args: { path: 'a.txt' } };
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'Fix a.txt' }] }];
    for (const stream of [false, true]) {
      s.api.queue({ thinking: 'Read it first.', toolCalls: [call] });
      const request = { model: 'gemini-3-flash-preview', contents, config: { thinkingConfig: { includeThoughts: true } } };
      const parts: Part[] = [];
      if (stream) for await (const c of await s.geminiClient.models.generateContentStream(request)) parts.push(...(c.candidates?.[0]?.content?.parts ?? []));
      else parts.push(...((await s.geminiClient.models.generateContent(request)).candidates?.[0]?.content?.parts ?? []));
      const signatures = parts.flatMap((p) => (p.thoughtSignature ? [p.thoughtSignature] : []));
      expect(signatures.length).toBeGreaterThan(0);
      for (const sig of signatures) expect(sig.startsWith(CODE_ASSIST_MARKER)).toBe(true);
      contents.push({ role: 'model', parts }, { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { output: 'ok' } } }] });
    }
    s.api.queue({ text: 'Done.' });
    const res = await s.geminiClient.models.generateContent({ model: 'gemini-3-flash-preview', contents });
    expect(res.text).toBe('Done.');
    const sent = JSON.stringify(envelope().request);
    // Every signature went back as Code Assist issued it: none marked, none replaced by the bypass value.
    expect(sent).not.toContain(CODE_ASSIST_MARKER);
    expect(sent).not.toContain('skip_thought_signature_validator');
    expect(sent).toContain('"thoughtSignature"');
  });
});

describe('OpenAI client → gemini-cli-oauth (canonical conversion)', () => {
  test('non-streaming chat with a system prompt', async () => {
    const res = await s.openaiClient.chat.completions.create({
      model: 'gemini-2.5-pro',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hello there' },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('mock(code-assist) heard: Hello there');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    const env = envelope();
    expect(env.model).toBe('gemini-2.5-pro');
    expect(env.project).toBe(s.api.project);
    expect(env.request.systemInstruction).toMatchObject({ parts: [{ text: 'Be terse.' }] });
  });

  test('streaming tool calls through the unwrapping decoder', async () => {
    s.api.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Zürich' } }] });
    const final = await s.openaiClient.chat.completions
      .stream({
        model: 'gemini-2.5-flash',
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
        stream_options: { include_usage: true },
      })
      .finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]).toEqual(['get_weather', { city: 'Zürich' }]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  test('a quota error is a 429 with retry-after taken from RetryInfo', async () => {
    s.api.queue({ error: codeAssistQuotaError() });
    const err = await s.openaiClient.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get('retry-after')).toBe('68940');
    expect(err.error.message).toContain('exhausted your capacity');
  });

  test('the cloudaicompanion permission error reaches the client with Google’s message', async () => {
    s.api.queue({ error: generateChatDenied(s.api.project) });
    const err = await s.openaiClient.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.error.message).toContain("Permission 'cloudaicompanion.companions.generateChat' denied");
    expect(err.error.message).toContain('Hint:');
  });

  test('an account Google wants verified gets the verification link, not advice to change projects', async () => {
    const url = 'https://accounts.google.com/signin/continue?sarp=1&plt=verify-me';
    s.api.queue({ error: validationRequired(url) });
    const err = await s.openaiClient.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.error.message).toStartWith('Verify your account to continue.');
    expect(err.error.message).toContain(url);
    expect(err.error.message).not.toContain('gemini.project_id');
  });

  test('an unknown model is Google’s 404, never swapped for another model', async () => {
    const err = await s.openaiClient.chat.completions.create({ model: 'gemini-9-ultra', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(envelope().model).toBe('gemini-9-ultra');
    expect(lastGenerate().status).toBe(404);
  });

  test('a model the account cannot use is a 404 that says so, not only “Requested entity was not found”', async () => {
    const err = await s.openaiClient.chat.completions.create({ model: 'gemini-9-ultra', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error.message).toStartWith('Requested entity was not found.');
    expect(err.error.message).toContain('gemini-2.5-flash');
    expect(err.error.code).toBe('model_not_found');
  });

  // router-for-me/CLIProxyAPI#996: Gemini 3 previews were a bare 404 until the project's release channel was Preview.
  test('a preview model Google will not serve says where previews are switched on', async () => {
    const err = await s.openaiClient.chat.completions.create({ model: 'gemini-3.1-pro-preview', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error.message).toStartWith('Requested entity was not found.');
    expect(err.error.message).toContain('release channel set to Preview');
    expect(err.error.message).toContain('https://console.cloud.google.com/gemini-admin/settings');
  });

  // can1357/oh-my-pi#8885: users ask for gemini-3.5-flash, which Code Assist serves as gemini-3-flash.
  test('Gemini 3.5 Flash is asked of Code Assist by its Code Assist name, as the Gemini CLI does', async () => {
    const res = await s.openaiClient.chat.completions.create({ model: 'gemini-3.5-flash', messages: [{ role: 'user', content: 'x' }] });
    expect(res.choices[0]!.message.content).toBe('mock(code-assist) heard: x');
    expect(lastGenerate().status).toBe(200);
    expect(envelope().model).toBe('gemini-3-flash');
    expect(lastGenerate().headers['user-agent']).toContain('/gemini-3-flash (');
    const count = await s.geminiClient.models.countTokens({ model: 'gemini-3.5-flash', contents: 'count these' });
    expect(count.totalTokens).toBeGreaterThan(0);
    expect((last(s.api.calls).body as { request: { model: string } }).request.model).toBe('models/gemini-3-flash');
  });

  test('the model list is the free-tier list', async () => {
    const ids = (await s.openaiClient.models.list()).data.map((m) => m.id);
    expect(ids).toEqual([...CODE_ASSIST_MODELS]);
  });
});

describe('Anthropic client → gemini-cli-oauth (canonical conversion)', () => {
  test('non-streaming message', async () => {
    const msg = await s.anthropicClient.messages.create({ model: 'gemini-2.5-flash', max_tokens: 256, messages: [{ role: 'user', content: 'Hallo' }] });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(code-assist) heard: Hallo' });
    expect(msg.stop_reason).toBe('end_turn');
  });

  test('streaming with thinking: thought parts become thinking blocks', async () => {
    s.api.queue({ thinking: 'Let me think… 考える', text: MULTIBYTE });
    const final = await s.anthropicClient.messages
      .stream({ model: 'gemini-2.5-pro', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'go' }] })
      .finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(final.content[0]).toMatchObject({ thinking: 'Let me think… 考える' });
    expect(final.content[1]).toMatchObject({ text: MULTIBYTE });
    expect(envelope().request.generationConfig).toMatchObject({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
  });

  test('count_tokens through Code Assist', async () => {
    const res = await s.anthropicClient.messages.countTokens({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'count me in' }] });
    expect(res.input_tokens).toBeGreaterThan(0);
    expect(last(s.api.calls).url).toBe('/v1internal:countTokens');
  });

  test('a quota error is a 429 rate_limit_error with retry-after', async () => {
    s.api.queue({ error: codeAssistQuotaError('RATE_LIMIT_EXCEEDED', '12s') });
    const err = await s.anthropicClient.messages.create({ model: 'gemini-2.5-flash', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers.get('retry-after')).toBe('12');
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  test('Google running out of capacity for a model is overloaded, not the account’s rate limit', async () => {
    s.api.queue({ error: modelCapacityExhausted() });
    const err = await s.anthropicClient.messages.create({ model: 'gemini-2.5-pro', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).not.toBe(429);
    expect(err.error.error.type).toBe('overloaded_error');
    expect(err.error.error.message).toContain('No capacity available for model gemini-2.5-pro');
  });

  test.each([429, 503] as const)('Google’s capacity shortage (as a %d) cools only that model on the account, not the account', async (status) => {
    // One attempt only: the failure is the request's last, recorded as the client saw it.
    const one = await startCodeAssistStack({ config: ['pool: {max_attempts: 1}'] });
    try {
      one.api.queue({ error: modelCapacityExhausted('gemini-2.5-pro', status) });
      const err = await one.geminiClient.models.generateContent({ model: 'gemini-2.5-pro', contents: 'x' }).catch((e) => e);
      expect((err as { status?: number }).status).toBe(503);
      const view = (await (await fetch(`${one.proxy.url}/pools`, { headers: { authorization: `Bearer ${one.proxy.key}` } })).json()) as {
        providers: Record<string, { members: Array<{ health: string; last_error: { status: number } | null; model_cooldowns_ms: Record<string, number> }> }>;
      };
      const member = view.providers['gemini-cli-oauth']!.members[0]!;
      expect(member.last_error?.status).toBe(503);
      expect(member.health).toBe('healthy');
      // Only the model Google had no room for waits; the account's other models do not.
      expect(Object.keys(member.model_cooldowns_ms)).toEqual(['gemini-2.5-pro']);
    } finally {
      await one.stop();
    }
  });

  test('a shortage Google names under Code Assist’s name for Gemini 3.5 Flash cools the model the client asked for', async () => {
    const one = await startCodeAssistStack({ config: ['pool: {max_attempts: 1}'] });
    try {
      one.api.queue({ error: modelCapacityExhausted('gemini-3-flash') });
      const err = await one.geminiClient.models.generateContent({ model: 'gemini-3.5-flash', contents: 'x' }).catch((e) => e);
      expect((err as { status?: number }).status).toBe(503);
      const view = (await (await fetch(`${one.proxy.url}/pools`, { headers: { authorization: `Bearer ${one.proxy.key}` } })).json()) as {
        providers: Record<string, { members: Array<{ model_cooldowns_ms: Record<string, number> }> }>;
      };
      expect(Object.keys(view.providers['gemini-cli-oauth']!.members[0]!.model_cooldowns_ms)).toEqual(['gemini-3.5-flash']);
    } finally {
      await one.stop();
    }
  });

  test('a Gemini client gets Google’s error details back: the reason Gemini CLI acts on, the verification link', async () => {
    const raw = async (error: ReturnType<typeof codeAssistQuotaError>) => {
      s.api.queue({ error });
      const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-pro:generateContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
      });
      return { status: res.status, body: (await res.json()) as { error: { details?: Array<Record<string, unknown>> } } };
    };
    const quota = await raw(codeAssistQuotaError());
    expect(quota.status).toBe(429);
    expect(quota.body.error.details).toContainEqual(expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED' }));
    expect(quota.body.error.details!.filter((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo')).toHaveLength(1);
    const url = 'https://accounts.google.com/signin/continue?plt=verify-gemini';
    const verify = await raw(validationRequired(url));
    expect(verify.status).toBe(403);
    expect(JSON.stringify(verify.body.error.details)).toContain(url);
  });

  test('a mid-stream upstream error ends the stream with an in-band error event', async () => {
    s.api.queue({ text: 'one two three four', midStreamErrorAfter: 2 });
    const res = await fetch(`${s.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': s.proxy.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    const events = parseSSE(await res.text());
    expect(events.at(-1)?.event).toBe('error');
    expect(events.at(-1)?.data).toContain('overloaded');
  });

  test('an error as the stream’s first message is the HTTP error a Gemini client retries, not a 200 stream', async () => {
    s.api.queue({ text: 'one two three four', midStreamErrorAfter: 0 });
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE', message: expect.stringContaining('overloaded') } });
  });

  test('model lists in the Anthropic and Gemini shapes show the same free-tier models', async () => {
    const anthropicIds = (await s.anthropicClient.models.list()).data.map((m) => m.id);
    expect(anthropicIds).toEqual([...CODE_ASSIST_MODELS]);
    const names: string[] = [];
    for await (const m of await s.geminiClient.models.list()) names.push(m.name ?? '');
    expect(names).toEqual(CODE_ASSIST_MODELS.map((m) => `models/${m}`));
  });
});
