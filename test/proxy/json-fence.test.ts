import { describe, expect, test } from 'bun:test';
import type { CanonicalResponse, StreamEvent } from '../../src/core/index.ts';
import type { StreamDecoder } from '../../src/protocols/types.ts';
import { unfenceJsonResponse, unfencingDecoder } from '../../src/proxy/json-fence.ts';

/**
 * JSON asked for and answered inside a Markdown fence (router-for-me/CLIProxyAPI#2174: Claude asked for
 * JSON in words): the client gets the JSON alone, whole or streamed in any pieces.
 */
const JSON_TEXT = '{"a": [1, 2], "b": "x`y ```"}';

function response(...texts: string[]): CanonicalResponse {
  return {
    id: 'r',
    model: 'm',
    content: [{ type: 'thinking', text: 'hmm' }, ...texts.map((text) => ({ type: 'text' as const, text }))],
    finishReason: 'stop',
    usage: { inputTokens: 1, outputTokens: 1 },
  };
}

/** The text a client reads when the answer streams in these pieces, one upstream message each. */
function streamed(pieces: string[]): string {
  const queue: StreamEvent[][] = [[{ type: 'start', id: 's', model: 'm' }], ...pieces.map((text) => [{ type: 'text' as const, text }])];
  const finish: StreamEvent = { type: 'finish', reason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
  const inner: StreamDecoder = { message: () => queue.shift() ?? [], end: () => [finish] };
  const decoder = unfencingDecoder(inner);
  const events: StreamEvent[] = [];
  for (let i = 0; i <= pieces.length; i++) events.push(...decoder.message({ data: '' }));
  events.push(...decoder.end());
  expect(events.at(-1)).toEqual(finish);
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

/** `text` split into pieces of `size` characters. */
const chunks = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

describe('JSON answered inside a Markdown fence', () => {
  const fenced = [`\`\`\`json\n${JSON_TEXT}\n\`\`\``, `  \`\`\`\n${JSON_TEXT}\n\`\`\`\n`, `\`\`\`JSON\r\n${JSON_TEXT}\r\n\`\`\``];

  /** What the client gets for each of `fenced`: whitespace before a fence stays (JSON takes it). */
  const unfenced = [JSON_TEXT, `  ${JSON_TEXT}`, JSON_TEXT];

  test('a whole answer: the fence goes, the JSON stays, in the first text part', () => {
    fenced.forEach((text, i) => {
      const res = response(text);
      unfenceJsonResponse(res);
      expect(res.content).toEqual([{ type: 'thinking', text: 'hmm' }, { type: 'text', text: unfenced[i]! }]);
    });
    const split = response('```json\n{"a": ', '1}\n```');
    unfenceJsonResponse(split);
    expect(split.content.at(-1)).toEqual({ type: 'text', text: '{"a": 1}' });
  });

  test('streamed in pieces of any size: the fence goes, the JSON stays', () => {
    fenced.forEach((text, i) => {
      for (const size of [1, 2, 3, 5, 8, 1000]) expect(streamed(chunks(text, size))).toBe(unfenced[i]!);
    });
    // Empty text between (a Gemini part that only carries a signature) changes nothing.
    expect(streamed(['``', '', '`json\n', '', '{"a": 1}\n', '', '```', ''])).toBe('{"a": 1}');
  });

  test('an answer without a fence around it is left as it is', () => {
    for (const text of [JSON_TEXT, ` \n${JSON_TEXT}\n`, '`x` is not JSON', '``` not a fence opening', '``', 'Sure: ```json\n{}\n```']) {
      const res = response(text);
      unfenceJsonResponse(res);
      expect(res.content.at(-1)).toEqual({ type: 'text', text });
      for (const size of [1, 4, 1000]) expect(streamed(chunks(text, size))).toBe(text);
    }
  });

  test('whole and streamed alike: a sentence after the closing fence goes with it; an answer cut inside the fence loses only its opening', () => {
    const cases = [
      ['```json\n{"a":1}\n```\n\nThis object has one key.', '{"a":1}'],
      ['```json\n{"a":1}\n  ```  \nmore ```\n', '{"a":1}'],
      ['```json\n{"a": [1,', '{"a": [1,'],
      ['```json\n{"a":1}```', '{"a":1}'],
    ] as const;
    for (const [text, expected] of cases) {
      const res = response(text);
      unfenceJsonResponse(res);
      expect(res.content.at(-1)).toEqual({ type: 'text', text: expected });
      for (const size of [1, 3, 7, 1000]) expect(streamed(chunks(text, size))).toBe(expected);
    }
  });

  test('a long run of whitespace inside the fence passes through as it comes, in one piece or many', () => {
    const text = `\`\`\`json\n{"a":${' '.repeat(50_000)}1}\n\`\`\``;
    const expected = `{"a":${' '.repeat(50_000)}1}`;
    expect(streamed([text])).toBe(expected);
    expect(streamed(chunks(text, 10))).toBe(expected);
    const ticks = `{"a":"${'`'.repeat(50_000)}"}`;
    expect(streamed(chunks(`\`\`\`json\n${ticks}\n\`\`\``, 10))).toBe(ticks);
  });

  test('a refusal is not touched', () => {
    const res = response();
    res.content.push({ type: 'text', text: '```\nno\n```', refusal: true });
    unfenceJsonResponse(res);
    expect(res.content.at(-1)).toEqual({ type: 'text', text: '```\nno\n```', refusal: true });
  });
});
