/**
 * OpenAI-compatible servers that interleave parallel calls' fragments, or send text inside a call:
 * the decoded stream must still carry each call's events together, whole, since Anthropic and
 * Responses clients are sent one block at a time and would lose the fragments of a closed one.
 */
import { describe, expect, test } from 'bun:test';
import type { StreamEvent } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { decodeChunks } from '../../helpers/sse.ts';

type Delta = Record<string, unknown>;
const frame = (delta: Delta, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const head = (index: number, id: string, name: string, args = '') => ({ index, id, type: 'function', function: { name, arguments: args } });
const frag = (index: number, args: string) => ({ index, function: { arguments: args } });
const decode = (frames: string[]): StreamEvent[] =>
  decodeChunks(
    openaiCodec.createStreamDecoder(),
    frames.map((f) => new TextEncoder().encode(f)),
  );

/** Each call's events in one run: start, fragments, end, with nothing else between. */
function expectContiguous(events: StreamEvent[]): void {
  let open: number | undefined;
  const ended = new Set<number>();
  for (const ev of events) {
    if (ev.type === 'tool_call_start') {
      expect(open).toBeUndefined();
      open = ev.index;
    } else if (ev.type === 'tool_call_delta') {
      expect(ev.index).toBe(open!);
    } else if (ev.type === 'tool_call_end') {
      expect(ev.index).toBe(open!);
      ended.add(ev.index);
      open = undefined;
    } else if (ev.type !== 'usage') {
      expect(open).toBeUndefined();
    }
  }
}

/** The arguments each call ends up with, in call order. */
function argsOf(events: StreamEvent[]): string[] {
  const args: string[] = [];
  for (const ev of events) {
    if (ev.type === 'tool_call_start') args[ev.index] = '';
    if (ev.type === 'tool_call_delta') args[ev.index] += ev.args;
  }
  return args;
}

describe('openai stream decoder: parallel calls arrive whole and one at a time', () => {
  test('heads first, then each call\'s arguments (Qwen, vLLM)', () => {
    const events = decode([
      frame({ role: 'assistant', tool_calls: [head(0, 'call_A', 'Read'), head(1, 'call_B', 'Read')] }),
      frame({ tool_calls: [frag(0, '{"file_path":"/a.txt"}')] }),
      frame({ tool_calls: [frag(1, '{"file_path":"/b.txt"}')] }),
      frame({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ]);
    expectContiguous(events);
    expect(argsOf(events)).toEqual(['{"file_path":"/a.txt"}', '{"file_path":"/b.txt"}']);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' });
  });

  test('fragments of two calls interleaved', () => {
    const events = decode([
      frame({ tool_calls: [head(0, 'call_A', 'get_weather')] }),
      frame({ tool_calls: [head(1, 'call_B', 'get_time')] }),
      frame({ tool_calls: [frag(0, '{"city":')] }),
      frame({ tool_calls: [frag(1, '{"tz":')] }),
      frame({ tool_calls: [frag(0, '"Paris"}')] }),
      frame({ tool_calls: [frag(1, '"UTC"}')] }),
      frame({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ]);
    expectContiguous(events);
    expect(argsOf(events)).toEqual(['{"city":"Paris"}', '{"tz":"UTC"}']);
    // The first call still streams as it comes: its fragments are not held back.
    expect(events.filter((e) => e.type === 'tool_call_delta' && e.index === 0)).toHaveLength(2);
  });

  test('text inside a call comes after it, not in the middle of its arguments', () => {
    const events = decode([
      frame({ tool_calls: [head(0, 'call_A', 'Read', '{"fi')] }),
      frame({ content: 'thinking aloud' }),
      frame({ tool_calls: [frag(0, 'le_path":"x"}')] }),
      frame({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ]);
    expectContiguous(events);
    expect(argsOf(events)).toEqual(['{"file_path":"x"}']);
    const kinds = events.map((e) => e.type);
    expect(kinds.indexOf('text')).toBeGreaterThan(kinds.indexOf('tool_call_end'));
  });

  test('calls sent one after another stream live, in the order they came', () => {
    const events = decode([
      frame({ content: 'Reading.' }),
      frame({ tool_calls: [head(0, 'call_A', 'Read', '{"file_path":')] }),
      frame({ tool_calls: [frag(0, '"a"}')] }),
      frame({ tool_calls: [head(1, 'call_B', 'LS', '{}')] }),
      frame({ content: 'Done.' }),
      frame({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ]);
    expectContiguous(events);
    expect(events.map((e) => e.type)).toEqual([
      'start', 'text', 'tool_call_start', 'tool_call_delta', 'tool_call_delta', 'tool_call_end',
      'tool_call_start', 'tool_call_delta', 'tool_call_end', 'text', 'finish',
    ]);
  });

  test('a stream cut before the finish still ends with the held calls given whole, then the error', () => {
    const events = decode([
      frame({ tool_calls: [head(0, 'call_A', 'Read'), head(1, 'call_B', 'Read')] }),
      frame({ tool_calls: [frag(1, '{"file_path":"b"}')] }),
    ]);
    expectContiguous(events);
    expect(events.at(-1)?.type).toBe('error');
    expect(argsOf(events)).toEqual(['', '{"file_path":"b"}']);
  });
});
