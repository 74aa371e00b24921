import type { CanonicalRequest, CanonicalResponse, Part, StreamEvent } from '../core/index.ts';
import { toGeminiName } from '../protocols/gemini/function-name.ts';
import type { Protocol, StreamDecoder } from '../protocols/types.ts';

/**
 * OpenAI and Anthropic take tool names of `[A-Za-z0-9_-]`, at most 64 long, and answer anything else
 * with a 400; Gemini clients may declare `fs.read_file` or `mcp:search` (protocols.md §7.8). Such names
 * are renamed for the upstream, the same way in declarations, tool choice and history, and the
 * upstream's calls are renamed back, so the client only ever sees its own names. Gemini allows `.` and
 * `:` too, also at most 64 long (an Anthropic client may send 128: Claude Code's MCP tools often are
 * longer), and wants a letter or `_` first: its codec (function-name.ts) marks names that start
 * otherwise, without a per-request map, and only the length is left to this map.
 */
const MAX_LENGTH = 64;

interface NameRule {
  /** Whether a client's name may go upstream as it is. */
  accepts(name: string): boolean;
  /** Characters the upstream rejects. */
  invalid: RegExp;
  /** Longest renamed name, room for the codec's own marking left. */
  max: number;
}

const STRICT: NameRule = { accepts: (n) => /^[A-Za-z0-9_-]{1,64}$/.test(n), invalid: /[^A-Za-z0-9_-]/g, max: MAX_LENGTH };
const GEMINI_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const GEMINI: NameRule = {
  accepts: (n) => GEMINI_NAME.test(toGeminiName(n)),
  invalid: /[^A-Za-z0-9_.:-]/g,
  max: MAX_LENGTH - 4, // room for the 4-character mark function-name.ts may add
};

/** Upstream name → the client's name, for the names that had to change. */
export type ToolNameMap = ReadonlyMap<string, string>;

/** Renames what `protocol` would reject, in place; undefined when every name can go as it is. */
export function renameToolsFor(protocol: Protocol, req: CanonicalRequest): ToolNameMap | undefined {
  const rule = protocol === 'gemini' ? GEMINI : STRICT;
  const names = new Set<string>();
  for (const t of req.tools) names.add(t.name);
  if (req.toolChoice?.type === 'tool') names.add(req.toolChoice.name);
  for (const m of req.messages) {
    for (const p of m.content) {
      if (p.type === 'tool_call') names.add(p.name);
      else if (p.type === 'tool_result' && p.name !== undefined) names.add(p.name);
    }
  }

  const taken = new Set<string>();
  const rejected: string[] = [];
  for (const n of names) {
    if (rule.accepts(n)) taken.add(n);
    else rejected.push(n);
  }
  if (rejected.length === 0) return undefined;

  const upstream = new Map<string, string>();
  const back = new Map<string, string>();
  for (const name of rejected) {
    const base = (name.replace(rule.invalid, '_') || 'tool').slice(0, rule.max);
    let candidate = base;
    // Two names may clean up the same way (`a.b`, `a:b`, two long names alike at the start); a suffix keeps them apart.
    for (let i = 2; taken.has(candidate); i++) candidate = base.slice(0, rule.max - `_${i}`.length) + `_${i}`;
    taken.add(candidate);
    upstream.set(name, candidate);
    back.set(candidate, name);
  }

  const rename = (n: string): string => upstream.get(n) ?? n;
  for (const t of req.tools) t.name = rename(t.name);
  if (req.toolChoice?.type === 'tool') req.toolChoice = { type: 'tool', name: rename(req.toolChoice.name) };
  for (const m of req.messages) for (const p of m.content) renamePart(p, rename);
  return back;
}

function renamePart(p: Part, rename: (n: string) => string): void {
  if (p.type === 'tool_call') p.name = rename(p.name);
  else if (p.type === 'tool_result' && p.name !== undefined) p.name = rename(p.name);
}

/** The client's names back on an upstream response's calls. */
export function restoreToolNames(res: CanonicalResponse, back: ToolNameMap): void {
  for (const p of res.content) if (p.type === 'tool_call') p.name = back.get(p.name) ?? p.name;
}

/** A stream decoder whose tool calls carry the client's names. */
export function restoringDecoder(inner: StreamDecoder, back: ToolNameMap): StreamDecoder {
  const restore = (events: StreamEvent[]): StreamEvent[] => {
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.type === 'tool_call_start' && back.has(ev.name)) events[i] = { ...ev, name: back.get(ev.name)! };
    }
    return events;
  };
  return { message: (msg) => restore(inner.message(msg)), end: () => restore(inner.end()) };
}
