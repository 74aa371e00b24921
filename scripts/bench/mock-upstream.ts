/**
 * The benchmark's upstream: OpenAI, Anthropic and Gemini on one port, answering from pre-rendered
 * buffers (mock-replies.ts). It checks nothing: the strict mocks in test/helpers do that. Its job is to
 * cost as little as possible per request so the figures measure the proxy, not the upstream.
 *
 * Run alone: `bun scripts/bench/mock-upstream.ts --port N [--chunks 20] [--unary-bytes 600] [--pace-ms 20]`.
 */
import { renderReplies, type MockReplies, type ReplyOptions } from './mock-replies.ts';

export interface MockUpstreamOptions extends ReplyOptions {
  port: number;
  /** How long a `-paced` model's stream pauses after its first token (for time to first byte). */
  paceMs: number;
}

/**
 * A model name containing this makes the stream pause right after its first text event, as a model that
 * thinks between tokens would. Time to first byte is then the first token's trip through the proxy, not
 * the whole stream's. The proxy forwards model names untouched, so this works through any protocol.
 */
export const PACED_MARKER = '-paced';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Pause `ms` after event number `after`; ms 0 = never. */
export interface Pause {
  after: number;
  ms: number;
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One event per write: yielding to the event loop between events keeps them in separate TCP writes,
 * so the proxy reads a stream of N chunks as it would from a real model, not one coalesced blob.
 */
export function streamResponse(events: Uint8Array[], pause: Pause, headers: Record<string, string> = SSE_HEADERS): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pause.ms > 0 && i === pause.after + 1) await Bun.sleep(pause.ms);
        else if (i > 0) await nextTick();
        if (i < events.length) controller.enqueue(events[i++]!);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers });
}

function unaryResponse(body: Uint8Array): Response {
  return new Response(body, { headers: JSON_HEADERS });
}

export function startMockUpstream(o: MockUpstreamOptions) {
  const replies: MockReplies = renderReplies(o);
  const pause = (text: string, after: number): Pause => ({ after, ms: text.includes(PACED_MARKER) ? o.paceMs : 0 });
  return Bun.serve({
    hostname: '127.0.0.1',
    port: o.port,
    idleTimeout: 255,
    routes: {
      '/health': new Response('ok'),
      '/v1/chat/completions': {
        async POST(req) {
          // A substring test instead of JSON.parse: the proxies send compact JSON, and parsing is cost we do not want here.
          const text = await req.text();
          if (!text.includes('"stream":true')) return unaryResponse(replies.openai.unary);
          const events = text.includes('"include_usage":true') ? replies.openai.streamWithUsage! : replies.openai.stream;
          return streamResponse(events, pause(text, replies.openai.firstToken));
        },
      },
      '/v1/messages': {
        async POST(req) {
          const text = await req.text();
          if (!text.includes('"stream":true')) return unaryResponse(replies.anthropic.unary);
          return streamResponse(replies.anthropic.stream, pause(text, replies.anthropic.firstToken));
        },
      },
      '/v1beta/models/:modelAction': {
        async POST(req) {
          await req.arrayBuffer();
          const action = req.params.modelAction;
          if (action.endsWith(':generateContent')) return unaryResponse(replies.gemini.unary);
          if (!action.endsWith(':streamGenerateContent')) return new Response('{"error":{"code":404}}', { status: 404 });
          const paced = pause(action, replies.gemini.firstToken);
          return req.url.includes('alt=sse')
            ? streamResponse(replies.gemini.stream, paced)
            : streamResponse(replies.gemini.jsonArray!, paced, JSON_HEADERS);
        },
      },
    },
    fetch: () => new Response('not found', { status: 404 }),
  });
}

if (import.meta.main) {
  const { values } = (await import('node:util')).parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      chunks: { type: 'string', default: '20' },
      'unary-bytes': { type: 'string', default: '600' },
      'pace-ms': { type: 'string', default: '20' },
    },
  });
  const server = startMockUpstream({
    port: Number(values.port),
    chunks: Number(values.chunks),
    unaryBytes: Number(values['unary-bytes']),
    paceMs: Number(values['pace-ms']),
  });
  // The parent waits for this line to learn the port.
  console.log(`ready ${server.port}`);
}
