/**
 * The scenarios of issue 7. `direct` (client → mock) is the ceiling and `forwarder` (client → minimal Bun
 * forwarder → mock) the floor; both run streaming and not, so every aiproxy scenario is compared with
 * baselines of its own kind measured in the same run.
 */
import type { BenchRequest } from './load-types.ts';
import { PACED_MARKER } from './mock-upstream.ts';

export type Target = 'direct' | 'forwarder' | 'aiproxy';
export type ClientProtocol = 'openai' | 'anthropic' | 'gemini';

export interface Scenario {
  /** The id `--only` takes. */
  name: string;
  /** What the table shows. */
  label: string;
  target: Target;
  stream: boolean;
  /** True when client and upstream speak the same protocol (aiproxy relays bytes). */
  passthrough: boolean;
  request: BenchRequest;
  /** The same request with a paced model (mock-upstream.ts), for time to first byte. */
  pacedRequest: BenchRequest;
  /** Text every correct reply contains; checked once before measuring, so errors are never benchmarked. */
  expect: string;
}

/** The key aiproxy is configured with; the mock and the forwarder ignore keys. */
export const PROXY_KEY = 'bench-proxy-key';

export const SYSTEM_PROMPT = 'You are a concise assistant. Answer in one short paragraph.';
const QUESTION = 'Explain in two sentences why a proxy should stream tokens instead of buffering the whole reply.';

function openaiRequest(model: string, stream: boolean): BenchRequest {
  const body: Record<string, unknown> = {
    model,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: QUESTION },
    ],
    max_tokens: 256,
    temperature: 0.7,
  };
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PROXY_KEY}` },
    body: JSON.stringify(body),
  };
}

function anthropicRequest(model: string, stream: boolean): BenchRequest {
  return {
    method: 'POST',
    path: '/v1/messages',
    headers: { 'content-type': 'application/json', 'x-api-key': PROXY_KEY, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model,
      max_tokens: 256,
      system: SYSTEM_PROMPT,
      messages: [{ role: 'user', content: QUESTION }],
      temperature: 0.7,
      ...(stream ? { stream: true } : {}),
    }),
  };
}

function geminiRequest(model: string, stream: boolean): BenchRequest {
  return {
    method: 'POST',
    path: `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    headers: { 'content-type': 'application/json', 'x-goog-api-key': PROXY_KEY },
    body: JSON.stringify({
      systemInstruction: { parts: [{ text: SYSTEM_PROMPT }] },
      contents: [{ role: 'user', parts: [{ text: QUESTION }] }],
      generationConfig: { maxOutputTokens: 256, temperature: 0.7 },
    }),
  };
}

const BUILDERS = { openai: openaiRequest, anthropic: anthropicRequest, gemini: geminiRequest };

/** What a correct reply of each client protocol contains. */
const EXPECT = {
  openai: { unary: '"chat.completion"', stream: 'data: [DONE]' },
  anthropic: { unary: '"type":"message"', stream: 'event: message_stop' },
  gemini: { unary: '"finishReason":"STOP"', stream: '"finishReason":"STOP"' },
};

/** Model names aiproxy routes by family to each provider (README "Which provider serves a request"). */
const MODEL = { 'openai-custom': 'gpt-4o', 'claude-custom': 'claude-sonnet-4-5', 'gemini-cli': 'gemini-2.5-flash' };
type Provider = keyof typeof MODEL;
const PROTOCOL_OF: Record<Provider, ClientProtocol> = { 'openai-custom': 'openai', 'claude-custom': 'anthropic', 'gemini-cli': 'gemini' };

function scenario(name: string, label: string, target: Target, client: ClientProtocol, provider: Provider, stream: boolean): Scenario {
  const build = BUILDERS[client];
  return {
    name,
    label,
    target,
    stream,
    passthrough: PROTOCOL_OF[provider] === client,
    request: build(MODEL[provider], stream),
    pacedRequest: build(MODEL[provider] + PACED_MARKER, stream),
    expect: EXPECT[client][stream ? 'stream' : 'unary'],
  };
}

export const SCENARIOS: readonly Scenario[] = [
  scenario('direct', 'direct to mock (ceiling)', 'direct', 'openai', 'openai-custom', false),
  scenario('direct-stream', 'direct to mock, stream (ceiling)', 'direct', 'openai', 'openai-custom', true),
  scenario('forwarder', 'minimal Bun forwarder (floor)', 'forwarder', 'openai', 'openai-custom', false),
  scenario('forwarder-stream', 'minimal Bun forwarder, stream (floor)', 'forwarder', 'openai', 'openai-custom', true),
  scenario('openai-openai', 'aiproxy OpenAI→openai-custom', 'aiproxy', 'openai', 'openai-custom', false),
  scenario('openai-openai-stream', 'aiproxy OpenAI→openai-custom, stream', 'aiproxy', 'openai', 'openai-custom', true),
  scenario('openai-claude', 'aiproxy OpenAI→claude-custom', 'aiproxy', 'openai', 'claude-custom', false),
  scenario('openai-gemini-stream', 'aiproxy OpenAI→gemini-cli, stream', 'aiproxy', 'openai', 'gemini-cli', true),
  scenario('anthropic-openai-stream', 'aiproxy Anthropic→openai-custom, stream', 'aiproxy', 'anthropic', 'openai-custom', true),
  scenario('gemini-claude-stream', 'aiproxy Gemini→claude-custom, stream', 'aiproxy', 'gemini', 'claude-custom', true),
];

/** The mixed streaming load of the soak: every aiproxy stream scenario in turn. */
export const SOAK_SCENARIOS = SCENARIOS.filter((s) => s.target === 'aiproxy' && s.stream);

/**
 * The scenarios `--only` names, plus the ceiling and floor of the same kind (stream or not), because
 * every figure is reported as a ratio to them. Unknown names are an error listing the known ones.
 */
export function selectScenarios(only: string[] | undefined): Scenario[] {
  if (!only || only.length === 0) return [...SCENARIOS];
  const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  const picked = SCENARIOS.filter((s) => only.includes(s.name));
  const kinds = new Set(picked.map((s) => s.stream));
  return SCENARIOS.filter((s) => only.includes(s.name) || (s.target !== 'aiproxy' && kinds.has(s.stream)));
}
