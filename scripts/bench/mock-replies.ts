/**
 * Every reply the benchmark's mock upstream can send, rendered once at start-up into bytes. The mock
 * then only picks a buffer per request, so its own cost stays a small, constant part of each figure.
 */
import { sseFrame } from '../../src/util/sse.ts';

export interface ReplyOptions {
  /** Text deltas per stream. */
  chunks: number;
  /** Target size of a non-streaming body, in bytes. */
  unaryBytes: number;
}

/** One upstream protocol's replies. `stream` is one buffer per SSE event, in order. */
export interface ProtocolReplies {
  unary: Uint8Array;
  stream: Uint8Array[];
  /** Index of the first event that carries text: a paced stream pauses right after it (time to first token). */
  firstToken: number;
  /** OpenAI only: the stream with the usage chunk that `stream_options.include_usage` asks for. */
  streamWithUsage?: Uint8Array[];
  /** Gemini only: the same chunks as the streamed JSON array (streamGenerateContent without alt=sse). */
  jsonArray?: Uint8Array[];
}

export interface MockReplies {
  openai: ProtocolReplies;
  anthropic: ProtocolReplies;
  gemini: ProtocolReplies;
}

const encoder = new TextEncoder();
const CREATED = 1755000000;
const FILLER = 'The quick brown fox jumps over the lazy dog while the proxy converts every token. ';
/** Stream tokens are short words, as a model emits them, so each event is about 100-200 bytes. */
const TOKENS = [' Hello', ' from', ' the', ' mock', ' upstream', ',', ' streaming', ' one', ' token', ' at', ' a', ' time', '.'];

const token = (i: number): string => TOKENS[i % TOKENS.length]!;

/** Fills `render(text)` with filler text until it is `bytes` long (ASCII, so chars = bytes). */
function padded(bytes: number, render: (text: string) => string): string {
  const room = bytes - render('').length;
  if (room <= 0) return render('');
  return render(FILLER.repeat(Math.ceil(room / FILLER.length)).slice(0, room));
}

const OPENAI_USAGE = { prompt_tokens: 24, completion_tokens: 96, total_tokens: 120 };

function openaiReplies(o: ReplyOptions): ProtocolReplies {
  const unary = padded(o.unaryBytes, (text) =>
    JSON.stringify({
      id: 'chatcmpl-bench0001',
      object: 'chat.completion',
      created: CREATED,
      model: 'gpt-4o-2024-08-06',
      system_fingerprint: 'fp_bench',
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        ...OPENAI_USAGE,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
      },
    }),
  );
  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    sseFrame(
      JSON.stringify({
        id: 'chatcmpl-bench0001',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'gpt-4o-2024-08-06',
        system_fingerprint: 'fp_bench',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      }),
    );
  const events = [chunk({ role: 'assistant', content: '' }, null)];
  for (let i = 0; i < o.chunks; i++) events.push(chunk({ content: token(i) }, null));
  events.push(chunk({}, 'stop'));
  const usageChunk = sseFrame(
    JSON.stringify({
      id: 'chatcmpl-bench0001',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: 'gpt-4o-2024-08-06',
      choices: [],
      usage: { ...OPENAI_USAGE, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    }),
  );
  const done = sseFrame('[DONE]');
  return {
    unary: encoder.encode(unary),
    stream: [...events, done].map((e) => encoder.encode(e)),
    firstToken: 1,
    streamWithUsage: [...events, usageChunk, done].map((e) => encoder.encode(e)),
  };
}

function anthropicReplies(o: ReplyOptions): ProtocolReplies {
  const unary = padded(o.unaryBytes, (text) =>
    JSON.stringify({
      id: 'msg_bench0000000000000000001',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 24, output_tokens: 96, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    }),
  );
  const ev = (data: Record<string, unknown>): string => sseFrame(JSON.stringify(data), String(data.type));
  const events = [
    ev({
      type: 'message_start',
      message: {
        id: 'msg_bench0000000000000000001',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 24, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    }),
    ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ev({ type: 'ping' }),
  ];
  for (let i = 0; i < o.chunks; i++) {
    events.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token(i) } }));
  }
  events.push(
    ev({ type: 'content_block_stop', index: 0 }),
    ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: o.chunks } }),
    ev({ type: 'message_stop' }),
  );
  // message_start, content_block_start and ping come before the first text_delta.
  return { unary: encoder.encode(unary), stream: events.map((e) => encoder.encode(e)), firstToken: 3 };
}

function geminiReplies(o: ReplyOptions): ProtocolReplies {
  const response = (text: string, last: boolean, candidates: number): Record<string, unknown> => ({
    candidates: [
      { content: { role: 'model', parts: [{ text }] }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 },
    ],
    usageMetadata: last
      ? { promptTokenCount: 24, candidatesTokenCount: candidates, totalTokenCount: 24 + candidates }
      : { promptTokenCount: 24, totalTokenCount: 24 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'benchResponse0001',
  });
  const unary = padded(o.unaryBytes, (text) => JSON.stringify(response(text, true, 96)));
  // Gemini puts finishReason on the last content chunk, so the last delta carries it.
  const json: string[] = [];
  for (let i = 0; i < o.chunks; i++) json.push(JSON.stringify(response(token(i), i === o.chunks - 1, o.chunks)));
  return {
    unary: encoder.encode(unary),
    stream: json.map((j) => encoder.encode(sseFrame(j))),
    firstToken: 0,
    jsonArray: json.map((j, i) => encoder.encode(`${i === 0 ? '[' : ',\r\n'}${j}${i === json.length - 1 ? ']' : ''}`)),
  };
}

export function renderReplies(o: ReplyOptions): MockReplies {
  if (!Number.isInteger(o.chunks) || o.chunks < 1) throw new Error('a mock stream needs at least one chunk');
  return { openai: openaiReplies(o), anthropic: anthropicReplies(o), gemini: geminiReplies(o) };
}
