import { expect } from 'bun:test';
import type { StreamEvent } from '../../../src/core/index.ts';
import { createResponsesStreamEncoder, responsesCodec } from '../../../src/protocols/responses/index.ts';
import type { StreamEncoderOptions } from '../../../src/protocols/types.ts';
import { parseSSE } from '../../../src/util/sse.ts';

export interface WireEvent {
  type: string;
  sequence_number: number;
  item_id?: string;
  output_index?: number;
  item?: { id: string; type: string; [k: string]: unknown };
  response?: { id: string; status: string; output: Array<{ id: string; type: string }>; [k: string]: unknown };
  [k: string]: unknown;
}

export function encodeAll(events: StreamEvent[], opts: Partial<StreamEncoderOptions> = {}): string {
  const enc = createResponsesStreamEncoder({ model: 'client-model', ...opts });
  let out = '';
  for (const ev of events) out += enc.encode(ev);
  return out + enc.end();
}

/** Parses the SSE and checks what every Responses stream must satisfy; returns the events. */
export function parseStream(sse: string): WireEvent[] {
  const messages = parseSSE(sse);
  const events = messages.map((m) => {
    const data = JSON.parse(m.data) as WireEvent;
    expect(m.event).toBe(data.type);
    return data;
  });
  events.forEach((e, i) => expect(e.sequence_number).toBe(i));
  expect(events[0]?.type).toBe('response.created');
  expect(events[1]?.type).toBe('response.in_progress');
  const last = events.at(-1)!;
  expect(['response.completed', 'response.incomplete', 'response.failed']).toContain(last.type);

  // Items: added in index order, one at a time, each done once with the same id; events in between
  // name the open item.
  let open: { id: string; index: number } | undefined;
  let next = 0;
  for (const e of events) {
    if (e.type === 'response.output_item.added') {
      expect(open).toBeUndefined();
      expect(e.output_index).toBe(next++);
      open = { id: e.item!.id, index: e.output_index! };
    } else if (e.type === 'response.output_item.done') {
      expect(open).toEqual({ id: e.item!.id, index: e.output_index! });
      open = undefined;
    } else if (e.item_id !== undefined) {
      expect(open).toEqual({ id: e.item_id, index: e.output_index! });
    }
  }
  if (last.type !== 'response.failed') expect(open).toBeUndefined();
  return events;
}

export const types = (events: WireEvent[]): string[] => events.map((e) => e.type);

/** A response object with ids and timestamps replaced, to compare two encodings of the same content. */
export function normalized(response: unknown): unknown {
  const r = structuredClone(response) as { id: string; created_at: number; output: Array<{ id: string }> };
  r.id = 'resp';
  r.created_at = 0;
  r.output.forEach((item, i) => (item.id = `${item.id.split('_')[0]}_${i}`));
  return r;
}

/** OpenAI's frames through the upstream decoder: `type` in the data, a sequence number, the event name beside it. */
export function decodeAll(frames: Array<Record<string, unknown>>): StreamEvent[] {
  const dec = responsesCodec.createStreamDecoder();
  const out: StreamEvent[] = [];
  frames.forEach((f, i) => out.push(...dec.message({ event: String(f.type), data: JSON.stringify({ ...f, sequence_number: i }) })));
  out.push(...dec.end());
  return out;
}
