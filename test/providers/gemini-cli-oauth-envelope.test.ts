import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../src/core/errors.ts';
import { unwrapResponse, wrapCountTokensRequest, wrapGenerateRequest } from '../../src/providers/gemini-cli-oauth/envelope.ts';
import { withCodeAssistHint } from '../../src/providers/gemini-cli-oauth/error-hints.ts';

describe('Code Assist envelope', () => {
  test('a generateContent body goes inside {model, project, user_prompt_id, request}, parts untouched', () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi', thoughtSignature: 'c2ln' }] }], generationConfig: { topK: 64 } };
    const wrapped = JSON.parse(wrapGenerateRequest('models/gemini-2.5-pro', 'proj-1', JSON.stringify(body)));
    expect(Object.keys(wrapped)).toEqual(['model', 'project', 'user_prompt_id', 'request']);
    expect(wrapped.model).toBe('gemini-2.5-pro');
    expect(wrapped.project).toBe('proj-1');
    expect(wrapped.user_prompt_id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(wrapped.request).toEqual(body);
  });

  test('a body that is not a JSON object is the client’s 400, not a broken envelope', () => {
    for (const text of ['[1]', 'not json', '{"a":1},"project":"x"']) {
      let err: unknown;
      try {
        wrapGenerateRequest('gemini-2.5-pro', 'p', text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProxyError);
      expect((err as ProxyError).status).toBe(400);
    }
  });

  test('responses and stream messages come out of {response}, with traceId as responseId', () => {
    const inner = { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, finishReason: 'STOP' }], modelVersion: 'gemini-2.5-pro' };
    expect(unwrapResponse({ response: { ...inner }, traceId: 't1', consumedCredits: [] })).toEqual({ ...inner, responseId: 't1' });
    expect(unwrapResponse({ response: { ...inner, responseId: 'own' }, traceId: 't1' })).toEqual({ ...inner, responseId: 'own' });
    // No response at all: an answer without candidates.
    expect(unwrapResponse({ traceId: 't2' })).toEqual({ responseId: 't2' });
  });

  test('in-band errors pass through for the Gemini decoder, in both Google shapes', () => {
    const err = { error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } };
    expect(unwrapResponse(err)).toBe(err);
    expect(unwrapResponse([err])).toEqual([err]);
  });

  test('countTokens bodies become {request: {model: "models/…", contents}}, the system instruction counted as a first turn', () => {
    const contents = [{ role: 'user', parts: [{ text: 'count me' }] }];
    expect(JSON.parse(wrapCountTokensRequest('gemini-2.5-flash', JSON.stringify({ contents })))).toEqual({
      request: { model: 'models/gemini-2.5-flash', contents },
    });
    const wrapped = JSON.parse(
      wrapCountTokensRequest(
        'gemini-2.5-flash',
        JSON.stringify({ generateContentRequest: { model: 'models/gemini-2.5-flash', contents, systemInstruction: { parts: [{ text: 'be terse' }] }, tools: [] } }),
      ),
    );
    expect(wrapped).toEqual({
      request: { model: 'models/gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: 'be terse' }] }, ...contents] },
    });
  });
});

describe('403 hints', () => {
  test('the cloudaicompanion permission error keeps Google’s words and says what to do', () => {
    const message = "Permission 'cloudaicompanion.companions.generateChat' denied on resource '//cloudaicompanion.googleapis.com/projects/p/locations/global'";
    const out = withCodeAssistHint({ status: 403, kind: 'permission', message });
    expect(out.message).toStartWith(message);
    expect(out.message).toContain('gemini.project_id');
    expect(out.message).toContain('gemini-cli provider');
  });

  test('VPC Service Controls get their own hint; other statuses none', () => {
    expect(withCodeAssistHint({ status: 403, kind: 'permission', message: 'denied' }, '{"reason":"SECURITY_POLICY_VIOLATED"}').message).toContain('VPC Service Controls');
    expect(withCodeAssistHint({ status: 429, kind: 'rate_limit', message: 'slow down' }).message).toBe('slow down');
  });
});
