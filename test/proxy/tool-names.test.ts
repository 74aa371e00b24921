import { describe, expect, test } from 'bun:test';
import type { CanonicalRequest, CanonicalResponse, StreamEvent } from '../../src/core/index.ts';
import { toGeminiName } from '../../src/protocols/gemini/function-name.ts';
import { renameToolsFor, restoreToolNames, restoringDecoder } from '../../src/proxy/tool-names.ts';
import type { StreamDecoder } from '../../src/protocols/types.ts';

function request(): CanonicalRequest {
  const params = { type: 'object', properties: {} };
  return {
    model: 'm',
    system: [],
    stream: false,
    extras: {},
    tools: [
      { name: 'fs.read', parameters: params },
      { name: 'fs:read', parameters: params },
      { name: 'fs_read', parameters: params },
      { name: 'ok-name', parameters: params },
    ],
    toolChoice: { type: 'tool', name: 'fs:read' },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'fs.read', args: {} }] },
      { role: 'user', content: [{ type: 'tool_result', callId: 'c1', name: 'fs.read', content: [{ type: 'text', text: 'x' }] }] },
    ],
  };
}

describe('tool names towards OpenAI and Anthropic', () => {
  test('rejected names are renamed everywhere, without colliding with names already in use', () => {
    const req = request();
    const back = renameToolsFor('openai', req)!;
    expect(req.tools.map((t) => t.name)).toEqual(['fs_read_2', 'fs_read_3', 'fs_read', 'ok-name']);
    expect(req.toolChoice).toEqual({ type: 'tool', name: 'fs_read_3' });
    expect(req.messages[1]!.content[0]).toMatchObject({ name: 'fs_read_2' });
    expect(req.messages[2]!.content[0]).toMatchObject({ name: 'fs_read_2' });
    expect([...back]).toEqual([
      ['fs_read_2', 'fs.read'],
      ['fs_read_3', 'fs:read'],
    ]);
  });

  test('nothing changes when every name is acceptable, or towards Gemini for names it takes (dots, colons)', () => {
    const plain = request();
    plain.tools = plain.tools.filter((t) => /^[\w-]+$/.test(t.name));
    plain.toolChoice = undefined;
    plain.messages = plain.messages.slice(0, 1);
    expect(renameToolsFor('anthropic', plain)).toBeUndefined();
    const gemini = request();
    expect(renameToolsFor('gemini', gemini)).toBeUndefined();
    expect(gemini.tools[0]!.name).toBe('fs.read');
  });

  test('long names are cut to 64 characters, suffix included', () => {
    const req = request();
    req.tools = [
      { name: `${'a'.repeat(70)}.x`, parameters: {} },
      { name: `${'a'.repeat(70)}.y`, parameters: {} },
    ];
    renameToolsFor('anthropic', req);
    expect(req.tools.map((t) => t.name.length)).toEqual([64, 64]);
    expect(new Set(req.tools.map((t) => t.name)).size).toBe(2);
  });

  test('towards Gemini only the length matters: 64 at most once its codec has marked a name', () => {
    const req = request();
    const long = `mcp__server__${'x'.repeat(70)}`;
    const digitFirst = `9${'y'.repeat(70)}`;
    const dotted = `fs.${'z'.repeat(61)}`; // 64: taken as it is
    req.tools = [long, digitFirst, dotted].map((name) => ({ name, parameters: {} }));
    const back = renameToolsFor('gemini', req)!;
    const sent = req.tools.map((t) => toGeminiName(t.name));
    expect(sent.map((n) => /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(n))).toEqual([true, true, true]);
    expect(req.tools[2]!.name).toBe(dotted);
    expect(req.tools.slice(0, 2).map((t) => back.get(t.name))).toEqual([long, digitFirst]);
  });

  test('responses and streams get the client’s names back', () => {
    const back = new Map([['fs_read_2', 'fs.read']]);
    const res: CanonicalResponse = {
      id: 'r',
      model: 'm',
      content: [
        { type: 'tool_call', id: 'a', name: 'fs_read_2', args: {} },
        { type: 'tool_call', id: 'b', name: 'other', args: {} },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 1, outputTokens: 1 },
    };
    restoreToolNames(res, back);
    expect(res.content.map((p) => (p.type === 'tool_call' ? p.name : ''))).toEqual(['fs.read', 'other']);

    const events: StreamEvent[] = [
      { type: 'start', id: 's', model: 'm' },
      { type: 'tool_call_start', index: 0, id: 'a', name: 'fs_read_2' },
      { type: 'tool_call_end', index: 0 },
    ];
    const inner: StreamDecoder = { message: () => events.slice(0, 2), end: () => events.slice(2) };
    const decoder = restoringDecoder(inner, back);
    expect(decoder.message({ data: '{}' })[1]).toEqual({ type: 'tool_call_start', index: 0, id: 'a', name: 'fs.read' });
    expect(decoder.end()).toEqual([{ type: 'tool_call_end', index: 0 }]);
  });
});
