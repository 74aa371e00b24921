/**
 * A Chat Completions client (Cline, Roo Code) relayed to a self-hosted OpenAI-compatible server whose
 * prompt overflows the loaded context: the server states it in its own shape and words, without the
 * code `context_length_exceeded` on which Cline trims its history and retries.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI, { BadRequestError } from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { collect } from './openai-client-util.ts';

const stack = useOpenAICustom();

async function overflowOf(stream: boolean): Promise<BadRequestError> {
  const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'a very long prompt' }];
  const call = async () => {
    if (!stream) return client.chat.completions.create({ model: 'qwen3:8b', messages });
    return collect(await client.chat.completions.create({ model: 'qwen3:8b', messages, stream: true }));
  };
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadRequestError);
  return err as BadRequestError;
}

describe('a self-hosted server’s context overflow reaches a relayed OpenAI client as context_length_exceeded', () => {
  for (const stream of [false, true]) {
    test(`llama-server’s "exceeds the available context size" (${stream ? 'stream' : 'non-stream'}): OpenAI’s code and wording, its words and headers kept`, async () => {
      const message = 'request (41533 tokens) exceeds the available context size (32768 tokens), try increasing it';
      stack.upstream.queue({
        error: {
          status: 400,
          body: { error: { code: 400, message, type: 'exceed_context_size_error', n_prompt_tokens: 41533, n_ctx: 32768 } },
          headers: { 'x-request-id': 'req_llama_7' },
        },
      });
      const e = await overflowOf(stream);
      expect(e.status).toBe(400);
      // Cline: code === "context_length_exceeded"; Roo Code: a 400 whose message mentions "maximum context".
      expect(e.code).toBe('context_length_exceeded');
      expect(e.message).toContain("This model's maximum context length is 32768 tokens");
      expect(e.message).toContain(message);
      expect(e.headers?.get('x-upstream-request-id')).toBe('req_llama_7');
    });
  }

  test('vLLM’s `{"object":"error",…,"code":400}`: its OpenAI-worded message kept as it is, the code added', async () => {
    const message =
      "This model's maximum context length is 32768 tokens. However, you requested 40960 tokens (32768 in the messages, 8192 in the completion). Please reduce the length of the messages or completion.";
    stack.upstream.queue({ error: { status: 400, body: { object: 'error', message, type: 'BadRequestError', param: null, code: 400 } } });
    const e = await overflowOf(false);
    expect(e.code).toBe('context_length_exceeded');
    expect(e.error).toMatchObject({ message, type: 'invalid_request_error', code: 'context_length_exceeded' });
  });

  test('LM Studio’s `{"error":"…"}`: OpenAI’s shape, code and wording, its words kept', async () => {
    // lmstudio-ai/lmstudio-bug-tracker#546, cline/cline#3664: Cline only told the user to reload the model.
    const message =
      'Trying to keep the first 10136 tokens when context the overflows. However, the model is loaded with context length of only 7866 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input';
    stack.upstream.queue({ error: { status: 400, body: { error: message } } });
    const e = await overflowOf(true);
    expect(e.code).toBe('context_length_exceeded');
    expect(e.error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    expect(e.message).toContain("This model's maximum context length is 7866 tokens. However, your messages resulted in 10136 tokens.");
    expect(e.message).toContain(message);
  });

  test('OpenAI’s own overflow and other errors go back byte for byte', async () => {
    const own = {
      error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' },
    };
    stack.upstream.queue({ error: { status: 400, body: own } });
    expect((await overflowOf(false)).error).toEqual(own.error);
    // OpenAI's other wording, with its code: no stand-in window is made up for it.
    const worded = {
      error: { message: 'Your input exceeds the context window of this model. Please adjust your input and try again.', type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded' },
    };
    stack.upstream.queue({ error: { status: 400, body: worded } });
    expect((await overflowOf(false)).error).toEqual(worded.error);
    const other = { object: 'error', message: 'The model `qwen3:8b` does not support tools.', type: 'BadRequestError', param: null, code: 400 };
    stack.upstream.queue({ error: { status: 400, body: other } });
    const e = await overflowOf(false);
    expect(e.code).toBe(400 as unknown as string);
    expect(e.message).toContain('does not support tools');
  });
});
