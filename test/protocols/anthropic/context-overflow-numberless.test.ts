import { describe, expect, test } from 'bun:test';
import { FALLBACK_CONTEXT_WINDOW } from '../../../src/core/context-overflow.ts';
import type { ProxyErrorInfo } from '../../../src/core/errors.ts';
import { encodeError as anthropicError } from '../../../src/protocols/anthropic/errors.ts';
import { encodeError as openaiError } from '../../../src/protocols/openai/errors.ts';
import { responsesCodec } from '../../../src/protocols/responses/index.ts';

/** Overflows stated without figures still reach each client in the form it recovers from. */
const overflow = (message: string, code?: string): ProxyErrorInfo => ({ status: 400, kind: 'invalid_request', message, ...(code ? { code } : {}) });
const forClaude = (e: ProxyErrorInfo) => anthropicError(e).error.message;
const forOpenAI = (e: ProxyErrorInfo) => openaiError(e).error;

const RESPONSES = 'Your input exceeds the context window of this model. Please adjust your input and try again.';
const M = FALLBACK_CONTEXT_WINDOW;

describe('a numberless overflow → Anthropic clients', () => {
  test.each([
    ['the Responses API’s wording with its code', overflow(RESPONSES, 'context_length_exceeded')],
    ['the Responses API’s wording alone (as a server without codes passes it on)', overflow(RESPONSES)],
    ['the code alone, whatever the words', overflow('too long', 'context_length_exceeded')],
    ['Anthropic’s words without figures', overflow('Prompt is too long')],
    ['Bedrock’s', overflow('Input is too long for requested model.')],
  ])('%s: "prompt is too long: M+1 tokens > M maximum", the fallback window', (_, err) => {
    expect(forClaude(err)).toBe(`prompt is too long: ${M + 1} tokens > ${M} maximum (upstream: ${err.message})`);
  });

  test('OpenAI’s short form names the window: it is M', () => {
    const message = "This model's maximum context length is 32768 tokens.";
    expect(forClaude(overflow(message, 'context_length_exceeded'))).toBe(`prompt is too long: 32769 tokens > 32768 maximum (upstream: ${message})`);
  });

  test('stated figures win over stand-ins; Anthropic’s own numbered wording is left alone', () => {
    const stated = 'prompt is too long: 210000 tokens > 200000 maximum';
    expect(forClaude(overflow(stated))).toBe(stated);
    const openai = "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.";
    expect(forClaude(overflow(openai, 'context_length_exceeded'))).toStartWith('prompt is too long: 131072 tokens > 128000 maximum');
  });

  test('other 400s, and overflows in other statuses, keep their words', () => {
    const other = "Invalid 'input[0].content': string too long. Expected a string with maximum length 10485760.";
    expect(forClaude(overflow(other, 'string_above_max_length'))).toBe(other);
    expect(forClaude({ status: 500, kind: 'api_error', message: RESPONSES, code: 'context_length_exceeded' })).toBe(RESPONSES);
  });
});

describe('a numberless overflow → OpenAI clients', () => {
  test('the Responses API’s wording gains "maximum context length" (Roo Code), the code stays (Cline)', () => {
    const e = forOpenAI(overflow(RESPONSES, 'context_length_exceeded'));
    expect(e.code).toBe('context_length_exceeded');
    expect(e.message).toBe(`This model's maximum context length is ${M} tokens. However, your messages resulted in ${M + 1} tokens. (upstream: ${RESPONSES})`);
  });

  test('Anthropic’s numberless words gain the code as well', () => {
    expect(forOpenAI(overflow('Prompt is too long'))).toMatchObject({ code: 'context_length_exceeded', message: expect.stringMatching(/^This model's maximum context length is \d+ tokens/) });
  });

  test('OpenAI’s own short form is already what they look for', () => {
    const message = "This model's maximum context length is 32768 tokens.";
    expect(forOpenAI(overflow(message, 'context_length_exceeded'))).toMatchObject({ message, code: 'context_length_exceeded' });
  });

  test('a Responses client’s stream error: code context_length_exceeded (Codex compacts on it)', () => {
    expect(responsesCodec.encodeError(overflow('Prompt is too long'))).toMatchObject({ error: { code: 'context_length_exceeded' } });
  });
});
