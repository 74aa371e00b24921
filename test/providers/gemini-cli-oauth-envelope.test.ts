import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../src/core/errors.ts';
import { unwrapResponse, wrapCountTokensRequest, wrapGenerateRequest } from '../../src/providers/gemini-cli-oauth/envelope.ts';
import { withCodeAssistHint } from '../../src/providers/gemini-cli-oauth/error-hints.ts';

describe('Code Assist envelope', () => {
  test('a generateContent body goes inside {model, project, user_prompt_id, request}, parts untouched', () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi', thoughtSignature: 'c2ln' }] }], generationConfig: { topK: 64 } };
    const wrapped = JSON.parse(wrapGenerateRequest('models/gemini-2.5-pro', 'proj-1', JSON.stringify(body)) as string);
    expect(Object.keys(wrapped)).toEqual(['model', 'project', 'user_prompt_id', 'request']);
    expect(wrapped.model).toBe('gemini-2.5-pro');
    expect(wrapped.project).toBe('proj-1');
    expect(wrapped.user_prompt_id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(wrapped.request).toEqual(body);
  });

  test('a client’s bytes go inside as they are, never decoded or re-serialised', () => {
    const text = '{ "contents" : [{"role":"user","parts":[{"text":"caf\\u00e9 Grüße"}]}], "generationConfig": {"temperature": 0.70} }';
    const wrapped = wrapGenerateRequest('gemini-2.5-pro', 'proj-1', new TextEncoder().encode(text));
    expect(wrapped).toBeInstanceOf(Uint8Array);
    const out = new TextDecoder().decode(wrapped as Uint8Array);
    expect(out.endsWith(`,"request":${text}}`)).toBe(true);
    expect(JSON.parse(out)).toMatchObject({ model: 'gemini-2.5-pro', project: 'proj-1', request: JSON.parse(text) });
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

  test("snake_case names and a lone object where a list goes, as Google's parser takes them, are counted as such", () => {
    const wrapped = JSON.parse(
      wrapCountTokensRequest(
        'gemini-2.5-flash',
        JSON.stringify({ generate_content_request: { contents: { role: 'user', parts: { text: 'hi' } }, system_instruction: { parts: { text: 'be terse' } } } }),
      ),
    );
    expect(wrapped.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'be terse' }] },
      { role: 'user', parts: { text: 'hi' } },
    ]);
  });

  test('tool declarations, which Code Assist cannot count, are counted as their text', () => {
    const tools = [{ functionDeclarations: [{ name: 'mcp__github__create_issue', description: 'Create an issue', parametersJsonSchema: { type: 'object' } }] }];
    const wrapped = JSON.parse(wrapCountTokensRequest('gemini-2.5-flash', JSON.stringify({ contents: [], tools }))) as {
      request: { contents: Array<{ role: string; parts: Array<{ text: string }> }> };
    };
    expect(wrapped.request.contents).toHaveLength(1);
    expect(wrapped.request.contents[0]!.parts[0]!.text).toContain('mcp__github__create_issue');
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

  test('VALIDATION_REQUIRED names the verification link from Help or ErrorInfo, once', () => {
    const url = 'https://accounts.google.com/signin/continue?plt=x';
    const help = JSON.stringify({ error: { code: 403, message: 'Verify your account to continue.', details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'VALIDATION_REQUIRED', domain: 'cloudcode-pa.googleapis.com' },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Verify your account', url }] },
    ] } });
    const meta = JSON.stringify({ error: { code: 403, message: 'Verify your account to continue.', details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'VALIDATION_REQUIRED', domain: 'cloudcode-pa.googleapis.com', metadata: { validation_url: url } },
    ] } });
    for (const body of [help, meta]) {
      const out = withCodeAssistHint({ status: 403, kind: 'permission', message: 'Verify your account to continue.' }, body).message;
      expect(out).toContain(url);
      expect(out).not.toContain('gemini.project_id');
    }
    // The older wording already carries the link in the message.
    const inline = `To continue, verify your account at\n\n${url}\n`;
    const out = withCodeAssistHint({ status: 403, kind: 'permission', message: inline }, meta).message;
    expect(out.split(url).length).toBe(2);
  });

  test('SUBSCRIPTION_REQUIRED (a project without a license for the account) says to get one or unset the project', () => {
    const message =
      'You are currently configured to use a Google Cloud Project but lack a Gemini Code Assist license. Please contact your administrator to request a license. (#3501)';
    const body = JSON.stringify({ error: { code: 403, message, status: 'PERMISSION_DENIED', details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SUBSCRIPTION_REQUIRED', domain: 'cloudaicompanion.googleapis.com' },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more', url: 'https://cloud.google.com/gemini/docs/codeassist/request-license' }] },
    ] } });
    const out = withCodeAssistHint({ status: 403, kind: 'permission', message }, body).message;
    expect(out).toStartWith(message);
    expect(out).toContain('unset gemini.project_id');
    // Not the generic advice to set a project, which is what went wrong.
    expect(out).not.toContain('Set gemini.project_id');
  });

  test('VPC Service Controls get their own hint; other statuses none', () => {
    expect(withCodeAssistHint({ status: 403, kind: 'permission', message: 'denied' }, '{"reason":"SECURITY_POLICY_VIOLATED"}').message).toContain('VPC Service Controls');
    expect(withCodeAssistHint({ status: 429, kind: 'rate_limit', message: 'slow down' }).message).toBe('slow down');
  });
});
