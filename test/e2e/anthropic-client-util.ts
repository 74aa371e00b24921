/**
 * Shared pieces of the Anthropic-client end-to-end tests: SDK clients routed to a given upstream,
 * a checker for the SSE event grammar the SDK relies on, Claude-Code-like tool schemas and tiny media.
 */
import { expect } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageStreamEvent, MessageStreamParams } from '@anthropic-ai/sdk/resources/messages/messages';
import type { RecordedCall } from '../helpers/mocks/types.ts';
import type { Stack } from '../helpers/stack.ts';

export const MULTIBYTE = 'Grüße 你好 🙂🚀 ünïcödé — done';

/** A 1×1 transparent PNG. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
/** The smallest PDF header; the mocks only check it is base64. */
export const PDF_BASE64 = Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF').toString('base64');

/** An SDK client that routes with the path prefix (`/<provider>/v1/messages`). */
export function viaPrefix(s: Stack, provider: string): Anthropic {
  return new Anthropic({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${provider}`, maxRetries: 0 });
}

/** An SDK client that routes with the X-Model-Provider header. */
export function viaHeader(s: Stack, provider: string): Anthropic {
  return new Anthropic({
    apiKey: s.proxy.key,
    baseURL: s.proxy.url,
    maxRetries: 0,
    defaultHeaders: { 'x-model-provider': provider },
  });
}

export const last = (calls: RecordedCall[]): RecordedCall => {
  const call = calls[calls.length - 1];
  if (!call) throw new Error('the mock recorded no call');
  return call;
};

/** The JSON body the upstream mock received last. */
export function lastBody(calls: RecordedCall[]): Record<string, unknown> {
  return last(calls).body as Record<string, unknown>;
}

/** Streams a request through the SDK helper, keeping every raw event and the accumulated message. */
export async function streamAll(
  client: Anthropic,
  params: MessageStreamParams,
): Promise<{ events: MessageStreamEvent[]; final: Anthropic.Message; text: string }> {
  const stream = client.messages.stream(params);
  const events: MessageStreamEvent[] = [];
  let text = '';
  stream.on('text', (t) => {
    text += t;
  });
  for await (const ev of stream) events.push(ev);
  const final = await stream.finalMessage();
  return { events, final, text };
}

/**
 * The event grammar of protocols.md §2.4: message_start first; blocks started at consecutive indexes,
 * one open at a time, deltas only to the open block and of its kind; message_delta then message_stop last.
 */
export function expectWellFormed(events: MessageStreamEvent[]): void {
  expect(events[0]?.type).toBe('message_start');
  expect(events.at(-1)?.type).toBe('message_stop');
  expect(events.at(-2)?.type).toBe('message_delta');
  let next = 0;
  let open: { index: number; type: string } | undefined;
  const deltaFor: Record<string, string[]> = {
    text: ['text_delta'],
    thinking: ['thinking_delta', 'signature_delta'],
    tool_use: ['input_json_delta'],
  };
  for (const ev of events.slice(1, -2)) {
    if (ev.type === 'content_block_start') {
      expect(open).toBeUndefined();
      expect(ev.index).toBe(next++);
      open = { index: ev.index, type: ev.content_block.type };
    } else if (ev.type === 'content_block_delta') {
      expect(ev.index).toBe(open?.index ?? -1);
      expect(deltaFor[open?.type ?? '']).toContain(ev.delta.type);
    } else if (ev.type === 'content_block_stop') {
      expect(ev.index).toBe(open?.index ?? -1);
      open = undefined;
    } else {
      throw new Error(`unexpected ${ev.type} between message_start and message_delta`);
    }
  }
  expect(open).toBeUndefined();
}

/** Every key anywhere inside a JSON value (for "this keyword must not reach the upstream" checks). */
export function allKeys(value: unknown, into = new Set<string>(), depth = 0): Set<string> {
  if (depth > 64 || typeof value !== 'object' || value === null) return into;
  if (Array.isArray(value)) {
    for (const v of value) allKeys(v, into, depth + 1);
    return into;
  }
  for (const [k, v] of Object.entries(value)) {
    into.add(k);
    allKeys(v, into, depth + 1);
  }
  return into;
}

/**
 * A tool the way Claude Code declares them: draft-07 JSON Schema with $defs/$ref, additionalProperties,
 * enums, nested objects and arrays, nullable unions, formats and defaults.
 */
export const EDIT_TOOL: Anthropic.Tool = {
  name: 'edit_file',
  description: 'Apply edits to a file.',
  input_schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {
      path: { type: 'string', description: 'Absolute path', format: 'uri-reference' },
      mode: { type: 'string', enum: ['replace', 'append'], default: 'replace' },
      edits: { type: 'array', items: { $ref: '#/$defs/edit' }, minItems: 1 },
      options: {
        type: 'object',
        additionalProperties: false,
        properties: {
          dry_run: { type: 'boolean', default: false },
          encoding: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
      },
      timeout_s: { type: ['integer', 'null'], minimum: 0, exclusiveMaximum: 600 },
    },
    required: ['path', 'edits'],
    $defs: {
      edit: {
        type: 'object',
        additionalProperties: false,
        properties: { old: { type: 'string' }, new: { type: 'string' } },
        required: ['old', 'new'],
      },
    },
  },
};

export const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['city'],
  },
};

export const TIME_TOOL: Anthropic.Tool = {
  name: 'get_time',
  description: 'Current time in a time zone.',
  input_schema: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
};

/** Serves one PNG at `/cat.png` on 127.0.0.1, counting requests, for aiproxy to fetch and inline. */
export function startImageServer(): { url: string; hits: () => number; stop: () => Promise<void> } {
  let hits = 0;
  const png = Buffer.from(PNG_BASE64, 'base64');
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      if (new URL(req.url).pathname !== '/cat.png') return new Response('not found', { status: 404 });
      hits++;
      return new Response(png, { headers: { 'content-type': 'image/png' } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    hits: () => hits,
    stop: async () => {
      await server.stop(true);
    },
  };
}
