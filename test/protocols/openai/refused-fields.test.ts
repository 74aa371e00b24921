/**
 * A compatible server that refuses a field aiproxy could do without (Mistral's 422 extra_forbidden for
 * stream_options, user…; OpenAI's "Unrecognized request argument"; Groq's, xAI's wordings) gets the
 * request again without it, and later requests go without it at once.
 */
import { describe, expect, test } from 'bun:test';
import type { ProviderAdapter, RequestBody } from '../../../src/providers/types.ts';
import { refusedCeiling, refusedEfforts, refusedField, withEffortIn, withinCeiling, withoutField, withThinkingOn } from '../../../src/protocols/openai/refused-fields.ts';
import { retryWithoutRefused, withoutKnownRefused } from '../../../src/proxy/refused-retry.ts';

/** What the request path does: the known refusals left out, then a retry for each new refusal. */
async function sendDroppingRefused(adapter: ProviderAdapter, model: string, body: RequestBody, send: (b: RequestBody) => Promise<Response>): Promise<Response> {
  const first = withoutKnownRefused(adapter, model, body);
  const res = await send(first);
  return res.ok ? res : retryWithoutRefused(adapter, model, first, res, send);
}

const pydantic = (field: string) => JSON.stringify({ detail: [{ type: 'extra_forbidden', loc: ['body', field], msg: 'Extra inputs are not permitted', input: true }] });

describe('refusedField', () => {
  test('reads the field out of each server’s wording', () => {
    expect(refusedField(422, pydantic('stream_options'))).toBe('stream_options');
    expect(refusedField(422, JSON.stringify({ object: 'error', message: { detail: JSON.parse(pydantic('user')).detail }, type: 'invalid_request_error' }))).toBe('user');
    expect(refusedField(400, '{"error":{"message":"Unrecognized request argument supplied: seed"}}')).toBe('seed');
    expect(refusedField(400, "Unknown parameter: 'store'.")).toBe('store');
    expect(refusedField(400, "property 'logit_bias' is unsupported")).toBe('logit_bias');
    expect(refusedField(400, 'Argument not supported on this model: stream_options')).toBe('stream_options');
    // NVIDIA's NIM API, with and without backticks around the name.
    expect(refusedField(400, '{"message":"Validation: Unsupported parameter(s): prompt_cache_key","type":"Bad Request","code":400}')).toBe('prompt_cache_key');
    expect(refusedField(400, '{"message":"Validation: Unsupported parameter(s): `prompt_cache_key`","type":"Bad Request","code":400}')).toBe('prompt_cache_key');
    // Moonshot's Kimi K2.5+: sampling is fixed, another value is refused.
    expect(refusedField(400, '{"error":{"message":"invalid temperature: only 1 is allowed for this model","type":"invalid_request_error"}}')).toBe('temperature');
    expect(refusedField(400, '{"error":{"message":"invalid temperature: only 0.6 is allowed for this model","type":"invalid_request_error"}}')).toBe('temperature');
    // OpenAI's (and Azure's) own, for a reasoning model whose deployment name does not say it is one.
    const openai = (message: string) => JSON.stringify({ error: { message, type: 'invalid_request_error', code: 'unsupported_parameter' } });
    expect(refusedField(400, openai("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."))).toBe('max_tokens');
    expect(refusedField(400, openai("Unsupported parameter: 'stop' is not supported with this model."))).toBe('stop');
    expect(refusedField(400, openai("Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported."))).toBe('temperature');
    // gpt-5's verbosity to gpt-4o (google-deepmind/concordia#164); a refused effort is not dropped but moved (refusedEfforts).
    expect(refusedField(400, openai("Unsupported value: 'verbosity' does not support 'low' with this model. Supported values are: 'medium'."))).toBe('verbosity');
    expect(refusedField(400, openai("Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'low', 'medium', and 'high'."))).toBeUndefined();
  });

  test('a field inside the messages, another status or another error is not one', () => {
    const nested = JSON.stringify({ detail: [{ type: 'extra_forbidden', loc: ['body', 'messages', 1, 'assistant', 'reasoning_content'] }] });
    expect(refusedField(422, nested)).toBeUndefined();
    expect(refusedField(429, pydantic('user'))).toBeUndefined();
    expect(refusedField(400, 'Invalid schema for function')).toBeUndefined();
    // An effort the model does not take is model-rules.ts's to map (nearestEffort), not a field to drop.
    expect(refusedField(400, "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'low', 'medium', and 'high'.")).toBeUndefined();
  });
});

describe('withoutField', () => {
  const body = { model: 'm', messages: [], tools: [], stream_options: { include_usage: true }, user: 'u', max_completion_tokens: 100 };
  test('optional fields go, the output limit takes its other name, what carries the request stays', () => {
    expect(withoutField(body, 'stream_options')).not.toHaveProperty('stream_options');
    expect(withoutField(body, 'max_completion_tokens')).toMatchObject({ max_tokens: 100 });
    expect(withoutField(body, 'max_completion_tokens')).not.toHaveProperty('max_completion_tokens');
    for (const f of ['model', 'messages', 'tools', 'seed']) expect(withoutField(body, f), f).toBeUndefined();
  });
});

describe('refusedCeiling', () => {
  test("reads DeepSeek's and OpenAI's statements of a model's output ceiling, and nothing else", () => {
    const deepseek = JSON.stringify({ error: { message: 'Invalid max_tokens value, the valid range of max_tokens is [1, 8192]', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } });
    expect(refusedCeiling(400, deepseek)).toBe(8192);
    expect(refusedCeiling(400, 'Invalid max_tokens value, the valid range of max_tokens is [1, 393216]')).toBe(393216);
    // Qwen on DashScope's compatible mode; Volcengine Ark (Doubao).
    expect(refusedCeiling(400, '{"error":{"code":"invalid_parameter_error","param":null,"message":"<400> InternalError.Algo.InvalidParameter: Range of max_tokens should be [1, 8192]","type":"invalid_request_error"}}')).toBe(8192);
    expect(refusedCeiling(400, '{"error":{"code":"InvalidParameter","message":"The parameter max_tokens specified in the request is not valid: integer above maximum value, expected a value <= 32768, but got 64000 instead. Request id: 0217","param":"max_tokens","type":"BadRequest"}}')).toBe(32768);
    expect(refusedCeiling(400, 'max_completion_tokens is too large: 200000. This model supports at most 100000 completion tokens, whereas you provided 200000.')).toBe(100000);
    // The Responses API's, in its two wordings.
    expect(refusedCeiling(400, 'max_output_tokens is too large: 32000. This model supports at most 16384 output tokens, whereas you provided 32000.')).toBe(16384);
    expect(refusedCeiling(400, "Invalid 'max_output_tokens': integer above maximum value. Expected a value <= 32768, but got 65536 instead.")).toBe(32768);
    expect(refusedCeiling(429, deepseek)).toBeUndefined();
    // vLLM's is a prompt that does not fit (context-overflow.ts), not a ceiling to send again within.
    expect(refusedCeiling(400, "'max_tokens' or 'max_completion_tokens' is too large: 16384. This model's maximum context length is 65536 tokens and your request has 52189 input tokens (16384 > 65536 - 52189).")).toBeUndefined();
  });

  test('withinCeiling lowers the limit under either name, and leaves a body within it alone', () => {
    expect(withinCeiling({ model: 'm', max_tokens: 32000 }, 8192)).toEqual({ model: 'm', max_tokens: 8192 });
    expect(withinCeiling({ model: 'm', max_completion_tokens: 32000 }, 8192)).toEqual({ model: 'm', max_completion_tokens: 8192 });
    expect(withinCeiling({ model: 'm', max_output_tokens: 32000 }, 8192)).toEqual({ model: 'm', max_output_tokens: 8192 });
    expect(withinCeiling({ model: 'm', max_tokens: 100 }, 8192)).toBeUndefined();
    expect(withinCeiling({ model: 'm' }, 8192)).toBeUndefined();
  });
});

describe('refusedEfforts', () => {
  test('reads the efforts SGLang, Kimi and Ollama Cloud list when they refuse the one sent', () => {
    const sglang = JSON.stringify({
      object: 'error',
      message: "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'reasoning_effort'), 'msg': \"Input should be 'low', 'medium' or 'high'\", 'input': 'xhigh', 'ctx': {'expected': \"'low', 'medium' or 'high'\"}}",
      type: 'Bad Request',
      param: null,
      code: 400,
    });
    expect(refusedEfforts(400, sglang, 'xhigh')).toEqual(['low', 'medium', 'high']);
    const ollama = JSON.stringify({ error: { message: 'invalid reasoning value: \'xhigh\' (must be "high", "medium", "low", "max", or "none")' } });
    expect(refusedEfforts(400, ollama, 'xhigh')).toEqual(['none', 'low', 'medium', 'high', 'max']);
    // Another error, another status, or an effort the body did not send is not one.
    expect(refusedEfforts(400, sglang, 'max')).toBeUndefined();
    expect(refusedEfforts(429, sglang, 'xhigh')).toBeUndefined();
    expect(refusedEfforts(400, '{"error":{"message":"The reasoning_content in the thinking mode must be passed back to the API."}}', 'high')).toBeUndefined();
  });

  test('withEffortIn takes the nearest listed effort (on a tie the higher) and leaves a listed one alone', () => {
    expect(withEffortIn({ model: 'm', reasoning_effort: 'xhigh' }, ['low', 'medium', 'high'])).toEqual({ model: 'm', reasoning_effort: 'high' });
    expect(withEffortIn({ model: 'm', reasoning_effort: 'minimal' }, ['low', 'medium', 'high'])).toEqual({ model: 'm', reasoning_effort: 'low' });
    expect(withEffortIn({ model: 'm', reasoning_effort: 'high' }, ['low', 'medium', 'high'])).toBeUndefined();
    expect(withEffortIn({ model: 'm' }, ['low'])).toBeUndefined();
  });
});

describe('withThinkingOn', () => {
  test('a graded effort gets Ark’s thinking switch; none, minimal, no effort or a switch of the client’s own do not', () => {
    expect(withThinkingOn({ model: 'm', reasoning_effort: 'medium' })).toEqual({ model: 'm', reasoning_effort: 'medium', thinking: { type: 'enabled' } });
    for (const effort of ['none', 'minimal']) expect(withThinkingOn({ model: 'm', reasoning_effort: effort })).toBeUndefined();
    expect(withThinkingOn({ model: 'm' })).toBeUndefined();
    expect(withThinkingOn({ model: 'm', reasoning_effort: 'high', thinking: { type: 'disabled' } })).toBeUndefined();
  });
});

describe('sendDroppingRefused', () => {
  const adapter = {} as ProviderAdapter;
  /** A server that refuses these fields, one 422 per field, as pydantic names the first. */
  const server = (refuses: string[]) => {
    const sent: Array<Record<string, unknown>> = [];
    const send = async (b: RequestBody): Promise<Response> => {
      const body = JSON.parse(typeof b === 'string' ? b : new TextDecoder().decode(b)) as Record<string, unknown>;
      sent.push(body);
      const extra = refuses.find((f) => f in body);
      return extra ? new Response(pydantic(extra), { status: 422 }) : new Response('{}', { status: 200 });
    };
    return { sent, send };
  };
  const request = JSON.stringify({ model: 'mistral-large-latest', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true }, user: 'abc' });

  test('each refused field goes in turn; the next request goes without them at once', async () => {
    const s = server(['stream_options', 'user']);
    expect((await sendDroppingRefused(adapter, 'mistral-large-latest', request, s.send)).status).toBe(200);
    expect(s.sent.map((b) => Object.keys(b).length)).toEqual([5, 4, 3]);
    expect(s.sent[2]).toEqual({ model: 'mistral-large-latest', messages: [{ role: 'user', content: 'hi' }], stream: true });
    s.sent.length = 0;
    expect((await sendDroppingRefused(adapter, 'mistral-large-latest', new TextEncoder().encode(request), s.send)).status).toBe(200);
    expect(s.sent).toHaveLength(1);
    // Another model of the same upstream is asked as it is.
    s.sent.length = 0;
    await sendDroppingRefused(adapter, 'mistral-small-latest', request, s.send);
    expect(s.sent).toHaveLength(3);
  });

  test('a refusal of something the request cannot do without is the answer', async () => {
    const s = server(['tools']);
    const body = JSON.stringify({ model: 'x', messages: [], tools: [{ type: 'function', function: { name: 'f' } }] });
    const res = await sendDroppingRefused({} as ProviderAdapter, 'x', body, s.send);
    expect(res.status).toBe(422);
    expect(s.sent).toHaveLength(1);
    const untouched = server([]);
    await sendDroppingRefused({} as ProviderAdapter, 'x', body, async (b: RequestBody) => (untouched.sent.push({ raw: b }), new Response('{}')));
    expect(untouched.sent).toEqual([{ raw: body }]);
  });

  test('an Anthropic-compatible server: its own wording, and only what a Messages request does without', async () => {
    const anthropic = { protocol: 'anthropic' } as ProviderAdapter;
    const extra = (field: string) => JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: `${field}: Extra inputs are not permitted` }, request_id: 'req_1' });
    const sent: Array<Record<string, unknown>> = [];
    const send = async (b: RequestBody): Promise<Response> => {
      const body = JSON.parse(typeof b === 'string' ? b : new TextDecoder().decode(b)) as Record<string, unknown>;
      sent.push(body);
      const refused = ['context_management', 'mcp_servers', 'max_tokens'].find((f) => f in body);
      return refused ? new Response(extra(refused), { status: 400 }) : new Response('{}', { status: 200 });
    };
    const messages = [{ role: 'user', content: 'hi' }];
    const cm = { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] };
    expect((await sendDroppingRefused(anthropic, 'claude-sonnet-4-5', JSON.stringify({ model: 'claude-sonnet-4-5', messages, context_management: cm }), send)).status).toBe(200);
    expect(sent.at(-1)).toEqual({ model: 'claude-sonnet-4-5', messages });
    // Chat Completions' renames and optional fields are not Messages': max_tokens stays, and so the refusal.
    sent.length = 0;
    expect((await sendDroppingRefused(anthropic, 'claude-opus-4-1', JSON.stringify({ model: 'claude-opus-4-1', messages, max_tokens: 8 }), send)).status).toBe(400);
    expect((await sendDroppingRefused(anthropic, 'claude-opus-4-1', JSON.stringify({ model: 'claude-opus-4-1', messages, mcp_servers: [] }), send)).status).toBe(400);
    expect(sent).toHaveLength(2);
  });
});
