/**
 * `bun run bench:inproc`: what aiproxy's own JavaScript costs per request, without sockets. Each aiproxy
 * scenario of the benchmark is sent through `app.handle()` with a fake upstream fetch that answers from
 * the mock's pre-rendered replies (streams one event per read), and CPU time per request is measured over
 * sequential requests. Each scenario gets a fresh app (as the socket benchmark gives each a fresh process)
 * and the best of several rounds is reported. Nothing here waits on the network or shares a core with a
 * load generator, so repeated runs agree far better than the socket benchmark's: the figure to watch
 * when changing the request path, where the socket benchmark's noise on a shared VM is as large as the
 * change. CPU includes the runtime's helper threads (GC, JIT); wall time is the request path itself.
 */
import { loadConfig } from '../../src/config/load.ts';
import { createApp } from '../../src/server/app.ts';
import { Logger } from '../../src/util/log.ts';
import { renderReplies, type MockReplies, type ProtocolReplies } from './mock-replies.ts';
import { PROXY_KEY, SCENARIOS, SYSTEM_PROMPT, type Scenario } from './scenarios.ts';

export interface InProcessResult {
  name: string;
  /** CPU µs per request (user + system), fake upstream and client included. */
  cpuUs: number;
  /** Wall-clock µs per request. */
  wallUs: number;
}

const ORIGIN = 'http://upstream.invalid';
/** The scenarios that go through aiproxy (the baselines have no in-process form). */
const AIPROXY_SCENARIOS = SCENARIOS.filter((s) => s.target === 'aiproxy');

/** The pre-rendered replies of the upstream `url` speaks, and whether the request asked for a stream. */
function repliesFor(replies: MockReplies, url: string, body: string | Buffer): { r: ProtocolReplies; stream: boolean; usage: boolean } {
  const stream = body.includes('"stream":true') || url.includes(':streamGenerateContent');
  if (url.endsWith('/chat/completions')) return { r: replies.openai, stream, usage: body.includes('"include_usage":true') };
  if (url.endsWith('/v1/messages')) return { r: replies.anthropic, stream, usage: false };
  return { r: replies.gemini, stream, usage: false };
}

/** A fetch that answers like the mock upstream, with no socket: one event per read for streams. */
export function fakeUpstream(replies: MockReplies): typeof fetch {
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const sent = init?.body;
    // Searched as bytes, not decoded: with --prompt-kb a decode would be the harness's cost, not aiproxy's.
    const body = typeof sent === 'string' ? sent : sent instanceof Uint8Array ? Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength) : '';
    const { r, stream, usage } = repliesFor(replies, url, body);
    // With its length stated, as the socket mock's (Bun.serve's) and most servers' answers are.
    if (!stream) return new Response(r.unary, { headers: { 'content-type': 'application/json', 'content-length': String(r.unary.byteLength) } });
    const events = usage ? r.streamWithUsage! : r.stream;
    let i = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (i < events.length) c.enqueue(events[i++]!);
          else c.close();
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(source, { headers: { 'content-type': 'text/event-stream' } });
  };
  return fake as unknown as typeof fetch;
}

/** aiproxy configured as the socket benchmark runs it (servers.ts aiproxyConfig), upstreams faked. */
function app(replies: MockReplies) {
  const flags = new Map<string, string>([
    ['--api-key', PROXY_KEY],
    ['--model-provider', 'openai-custom,claude-custom,gemini-cli'],
  ]);
  const env = {
    OPENAI_API_KEY: 'bench-upstream-key',
    OPENAI_BASE_URL: `${ORIGIN}/v1`,
    CLAUDE_API_KEY: 'bench-upstream-key',
    CLAUDE_BASE_URL: ORIGIN,
    GEMINI_API_KEY: 'bench-upstream-key',
    GEMINI_BASE_URL: ORIGIN,
  };
  // A folder with no config.yaml: only what is set here applies, whatever the working directory holds.
  const config = loadConfig({ flags, env, cwd: '/nonexistent/aiproxy-bench' });
  // Lines are formatted as at the default level but not written: the syscall is not JavaScript's cost.
  const log = new Logger('info', () => {});
  return createApp(config, { fetch: fakeUpstream(replies), log });
}

/** The scenario's request body with its system prompt padded to about `promptKb` KiB (mixed-script text). */
export function paddedBody(body: string, promptKb: number): string {
  const filler = 'The quick brown fox jumps over the lazy dog; Grüße, 你好. ';
  const padded = SYSTEM_PROMPT + ' ' + filler.repeat(Math.ceil((promptKb * 1024) / Buffer.byteLength(filler)));
  if (!body.includes(SYSTEM_PROMPT)) throw new Error('the scenario body has no system prompt to pad');
  return body.replace(SYSTEM_PROMPT, padded);
}

/**
 * A scenario's request, its body encoded once: a client sends bytes, and encoding (or padding) a large
 * body per request would be the harness's cost, not aiproxy's.
 */
function requestMaker(s: Scenario, promptKb: number): () => Request {
  const r = s.request;
  const text = r.body !== undefined && promptKb > 0 ? paddedBody(r.body, promptKb) : r.body;
  const body = text === undefined ? undefined : new TextEncoder().encode(text);
  const headers = { ...r.headers, ...(body ? { 'content-length': String(body.byteLength) } : {}) };
  const url = `http://127.0.0.1${r.path}`;
  return () => new Request(url, { method: r.method, headers, body });
}

/**
 * For each aiproxy scenario: a warm-up of `iterations` requests, then `rounds` rounds of `iterations`
 * requests each; the round with the least wall time is reported.
 */
export async function measureInProcess(o: { iterations: number; rounds?: number; only?: string[]; promptKb?: number }): Promise<InProcessResult[]> {
  const replies = renderReplies({ chunks: 20, unaryBytes: 600 });
  const results: InProcessResult[] = [];
  const picked = AIPROXY_SCENARIOS.filter((s) => !o.only || o.only.includes(s.name));
  const makers = new Map(picked.map((s) => [s.name, requestMaker(s, o.promptKb ?? 0)]));
  const send = async (proxy: ReturnType<typeof app>, s: Scenario): Promise<void> => {
    const res = await proxy.handle(makers.get(s.name)!());
    const text = await res.text();
    if (res.status !== 200 || !text.includes(s.expect)) throw new Error(`${s.name}: unexpected reply ${res.status} ${text.slice(0, 200)}`);
  };
  // The code every scenario shares is compiled once up front, so the first scenario is not the one that pays for it.
  const warm = app(replies);
  for (const s of picked) for (let i = 0; i < o.iterations; i++) await send(warm, s);
  for (const s of picked) {
    const proxy = app(replies);
    const once = (): Promise<void> => send(proxy, s);
    for (let i = 0; i < o.iterations; i++) await once();
    let best: InProcessResult | undefined;
    for (let round = 0; round < (o.rounds ?? 5); round++) {
      Bun.gc(true);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < o.iterations; i++) await once();
      const cpu = process.cpuUsage(cpu0);
      const r = { name: s.name, cpuUs: (cpu.user + cpu.system) / o.iterations, wallUs: ((performance.now() - t0) * 1000) / o.iterations };
      if (!best || r.wallUs < best.wallUs) best = r;
    }
    results.push(best!);
  }
  return results;
}

const USAGE = `bun run bench:inproc [options]

Sends each aiproxy scenario of the benchmark through app.handle() with a fake upstream (no sockets) and
prints aiproxy's own CPU and wall time per request, best of several rounds.

  --only a,b          only these scenarios (${AIPROXY_SCENARIOS.map((s) => s.name).join(', ')})
  --iterations N      requests per round (default 4000)
  --rounds N          rounds per scenario; the quickest is reported (default 5)
  --prompt-kb N       pad each request's system prompt to about N KiB (coding tools send 50-200)
  -h, --help          this text
`;

function usageError(message: string): never {
  process.stderr.write(`bench:inproc: ${message}\n`);
  process.exit(2);
}

if (import.meta.main) {
  const { parseArgs } = await import('node:util');
  const options = {
    iterations: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    'prompt-kb': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  try {
    ({ values } = parseArgs({ options }));
  } catch (e) {
    usageError(`${(e as Error).message}; see --help`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) usageError(`--iterations must be a positive integer, got ${values.iterations}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) usageError(`--rounds must be a positive integer, got ${values.rounds}`);
  const only = values.only?.split(',').map((s) => s.trim());
  const promptKb = Number(values['prompt-kb']);
  if (!Number.isFinite(promptKb) || promptKb < 0) usageError(`--prompt-kb must be a number of KiB, got ${values['prompt-kb']}`);
  const known = new Set(AIPROXY_SCENARIOS.map((s) => s.name));
  const unknown = only?.filter((name) => !known.has(name)) ?? [];
  if (unknown.length) usageError(`--only: no aiproxy scenario named ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const prompt = promptKb > 0 ? `, system prompts padded to ${promptKb} KiB` : '';
  process.stdout.write(`aiproxy in-process: best of ${rounds} rounds of ${iterations} requests per scenario, after a warm-up${prompt}; bun ${Bun.version}\n`);
  for (const r of await measureInProcess({ iterations, rounds, only, promptKb })) {
    process.stdout.write(`${r.name.padEnd(26)} ${r.cpuUs.toFixed(1).padStart(7)} µs CPU/request ${r.wallUs.toFixed(1).padStart(7)} µs wall\n`);
  }
}
