import type { StreamEvent } from './stream-events.ts';

/**
 * Makes a decoded stream keep each tool call's events together: start, its fragments, end, before
 * anything else begins. Anthropic and Responses clients can only be sent one block (item) at a time,
 * but an OpenAI-compatible server may announce several calls before their arguments (Qwen, vLLM) or
 * send text between a call's fragments; passed on as they came, the fragments of a call whose block
 * was already closed would be lost.
 *
 * The order as it came is kept while it is already contiguous: a call streams live until something
 * else begins, and whatever begins while its arguments are not yet whole JSON is held back (its own
 * fragments collected) and sent, each held call in one piece, just before the finish. A call only
 * ever announced before its arguments therefore still arrives whole; only its live progress is lost.
 */
export function createCallSequencer(): (events: StreamEvent[]) => StreamEvent[] {
  /** The call streaming through, and its arguments so far (to tell whether they are whole). */
  let live: { index: number; args: string } | undefined;
  /** Events held back once the order broke; undefined while nothing is. */
  let held: StreamEvent[] | undefined;
  const heldArgs = new Map<number, string>();

  function hold(ev: StreamEvent): void {
    (held ??= []).push(ev);
    if (ev.type === 'tool_call_start') heldArgs.set(ev.index, '');
  }

  /** The held events with each held call whole, in the order they began. */
  function release(out: StreamEvent[]): void {
    if (live) out.push({ type: 'tool_call_end', index: live.index });
    live = undefined;
    for (const ev of held ?? []) {
      out.push(ev);
      if (ev.type !== 'tool_call_start') continue;
      const args = heldArgs.get(ev.index);
      if (args) out.push({ type: 'tool_call_delta', index: ev.index, args });
      out.push({ type: 'tool_call_end', index: ev.index });
    }
    held = undefined;
    heldArgs.clear();
  }

  function order(ev: StreamEvent, out: StreamEvent[]): void {
    switch (ev.type) {
      // A call neither live nor held was ended here already, its arguments whole: what follows is
      // the decoder's own end, or a fragment no client could place.
      case 'tool_call_delta':
        if (live?.index === ev.index) {
          live.args += ev.args;
          out.push(ev);
        } else if (heldArgs.has(ev.index)) heldArgs.set(ev.index, heldArgs.get(ev.index)! + ev.args);
        return;
      case 'tool_call_end':
        if (live?.index === ev.index) {
          live = undefined;
          out.push(ev);
        }
        return;
      case 'tool_call_start':
      case 'text':
      case 'thinking':
      case 'thinking_signature':
      case 'redacted_thinking':
      case 'image':
        if (held || (live && !isWholeJson(live.args))) return hold(ev);
        // A call whose arguments are whole is over once something else begins.
        if (live) out.push({ type: 'tool_call_end', index: live.index });
        live = ev.type === 'tool_call_start' ? { index: ev.index, args: '' } : undefined;
        out.push(ev);
        return;
      case 'finish':
      case 'error':
        if (held) release(out);
        out.push(ev);
        return;
      default:
        out.push(ev);
    }
  }

  return (events) => {
    // Nothing to reorder in the common case of a text delta with no call in play.
    if (!live && !held && (events.length === 0 || (events.length === 1 && events[0]!.type === 'text'))) return events;
    const out: StreamEvent[] = [];
    for (const ev of events) order(ev, out);
    return out;
  };
}

function isWholeJson(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
