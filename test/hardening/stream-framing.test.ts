import { describe, expect, test } from 'bun:test';
import type { StreamEvent } from '../../src/core/index.ts';
import { codecs, type Protocol } from '../../src/protocols/index.ts';
import { convertStream, relayStream, type StreamEnd } from '../../src/proxy/stream-pipeline.ts';
import { parseSSE } from '../../src/util/sse.ts';
import { prng, streamOf } from '../helpers/sse.ts';

/**
 * The same upstream stream in any SSE framing the spec allows (CRLF, LF, CR or mixed line endings,
 * comments, id and retry fields (also after the last event), data spread over several lines, no
 * blank line after the last event, a BOM) and split at any byte: a relay passes it on whole and judges it complete, and every
 * conversion gives the client the same answer. Seeded, in process: a failure replays from its seed.
 */
const PROTOCOLS: Protocol[] = ['openai', 'anthropic', 'gemini', 'responses'];
const SEEDS = 60;

/** An answer with multi-byte text split inside grapheme clusters, reasoning, two calls in fragments. */
const EVENTS: StreamEvent[] = [
  { type: 'start', id: 'resp_1', model: 'm', usage: { inputTokens: 11 } },
  { type: 'thinking', text: 'Let me think… 考え' },
  { type: 'thinking', text: 'て 🤔 e\u0301' },
  { type: 'thinking_signature', signature: { family: 'anthropic', value: 'sig' } },
  ...['Hello, 世', '界! 🙂👍', '🏽 café (e', '\u0301) \u2028 "q",\\ 𝔘𝔫𝔦'].map((text): StreamEvent => ({ type: 'text', text })),
  { type: 'tool_call_start', index: 0, id: 'call_a', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, args: '{"city":"Pa' },
  { type: 'tool_call_delta', index: 0, args: 'ris","note":"雨 ☔"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'tool_call_start', index: 1, id: 'call_b', name: 'get_time' },
  { type: 'tool_call_delta', index: 1, args: '{"tz":"UTC"}' },
  { type: 'tool_call_end', index: 1 },
  { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 11, outputTokens: 22, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 5 } },
];
const REQUEST = { model: 'm', input: 'hi', tools: ['get_weather', 'get_time'].map((name) => ({ type: 'function', name, parameters: { type: 'object' } })) };

/** The stream an upstream of `p` sends for EVENTS, written by aiproxy's own (faithful) encoder. */
function upstream(p: Protocol): string {
  const enc = codecs[p].createStreamEncoder({ model: 'm', includeUsage: true, format: 'sse', request: REQUEST });
  return EVENTS.map((ev) => enc.encode(ev)).join('') + enc.end();
}

/** The same messages in a random framing. */
function reframe(text: string, seed: number): string {
  const r = prng(seed);
  const style = Math.floor(r() * 4);
  let prev = '';
  const eol = (): string => {
    const choices = style === 0 ? ['\n'] : style === 1 ? ['\r\n'] : style === 2 ? ['\r'] : prev === '\r' ? ['\r\n', '\r'] : ['\n', '\r\n', '\r'];
    return (prev = choices[Math.floor(r() * choices.length)]!);
  };
  const messages = parseSSE(text);
  let out = r() < 0.1 ? '\uFEFF' : '';
  messages.forEach((m, i) => {
    if (r() < 0.15) out += `: keep-alive${eol()}${eol()}`;
    const lines: string[] = [];
    if (r() < 0.2) lines.push(`id: ${i}`, `retry: ${1000 + i}`);
    if (m.event !== undefined) lines.push(r() < 0.3 ? `event:${m.event}` : `event: ${m.event}`);
    // JSON may be spread over data lines at a comma (the lines are joined with LF, whitespace to JSON).
    const at = r() < 0.2 ? structuralComma(m.data) : -1;
    const parts = at < 0 ? [m.data] : [m.data.slice(0, at + 1), m.data.slice(at + 1)];
    for (const part of parts) lines.push(r() < 0.3 ? `data:${part}` : `data: ${part}`);
    if (r() < 0.2) lines.unshift(': comment ☃');
    out += lines.map((l) => l + eol()).join('');
    if (!(i === messages.length - 1 && r() < 0.2)) out += eol();
  });
  // After the end marker, a block that dispatches nothing.
  if (r() < 0.1 && /[\r\n]$/.test(out)) out += `${eol()}retry: 5${eol()}: bye${eol()}${eol()}`;
  return out;
}

function structuralComma(json: string): number {
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',') return i;
  }
  return -1;
}

/** Split at random byte offsets, inside UTF-8 sequences and line breaks too. */
function split(text: string, seed: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const r = prng(seed * 31 + 7);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * (r() < 0.5 ? 4 : 200));
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

/** What a client of `p` assembles from its stream, read back with aiproxy's decoder for `p`. */
function answer(p: Protocol, text: string): unknown {
  const dec = codecs[p].createStreamDecoder();
  const events = [...parseSSE(text).flatMap((m) => dec.message(m)), ...dec.end()];
  const calls = new Map<number, { name: string; args: string }>();
  let body = '';
  let thinking = '';
  let last = '';
  for (const ev of events) {
    if (ev.type === 'text') body += ev.text;
    if (ev.type === 'thinking') thinking += ev.text;
    if (ev.type === 'tool_call_start') calls.set(ev.index, { name: ev.name, args: '' });
    if (ev.type === 'tool_call_delta') calls.get(ev.index)!.args += ev.args;
    if (ev.type === 'finish') last = `${ev.reason} ${ev.usage.outputTokens}`;
    if (ev.type === 'error') last = `error ${ev.error.message}`;
  }
  return { body, thinking, calls: [...calls.values()].map((c) => ({ name: c.name, args: JSON.parse(c.args || '{}') })), last };
}

async function read(body: ReadableStream<Uint8Array>): Promise<string> {
  // ignoreBOM: keep a relayed BOM in view rather than let the decoder eat it.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await new Response(body).arrayBuffer());
  expect(text).not.toContain('\uFFFD');
  return text;
}

describe('stream framing', () => {
  for (const p of PROTOCOLS) {
    const plain = upstream(p);

    test(`${p} relayed: every framing passes whole and complete`, async () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const framed = reframe(plain, seed);
        let end: StreamEnd | undefined;
        const out = await read(relayStream(streamOf(split(framed, seed)), { protocol: p, format: 'sse', idleMs: 0, keepaliveMs: 0 }, (e) => (end = e)));
        // At most a line break added, for a last event that came without its blank line.
        expect({ seed, start: out.slice(0, framed.length), rest: /^(\n|\n\n)?$/.test(out.slice(framed.length)) }).toEqual({ seed, start: framed, rest: true });
        expect({ seed, error: end?.error }).toEqual({ seed, error: undefined });
      }
    });

    for (const client of PROTOCOLS.filter((c) => c !== p)) {
      test(`${p} → ${client}: every framing gives the same answer`, async () => {
        const convert = async (chunks: Uint8Array[]): Promise<unknown> => {
          const enc = codecs[client].createStreamEncoder({ model: 'm', includeUsage: true, format: 'sse', request: REQUEST });
          return answer(client, await read(convertStream(streamOf(chunks), codecs[p].createStreamDecoder(), enc)));
        };
        const expected = await convert([new TextEncoder().encode(plain)]);
        expect(JSON.stringify(expected)).toContain('雨 ☔');
        for (let seed = 1; seed <= SEEDS; seed++) {
          expect({ seed, got: await convert(split(reframe(plain, seed), seed)) }).toEqual({ seed, got: expected });
        }
      });
    }
  }
});
