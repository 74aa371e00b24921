/**
 * Coding tools on Moonshot's Kimi through openai-custom: Kimi refuses tool parameters that are not a
 * "moonshot flavored json schema" (a `$ref` outside `$defs`, a type beside a `$ref`, no root type), and
 * one such MCP tool failed every turn of the session. Claude Code (converted) and a Chat Completions
 * client (relayed) both reach it with schemas it takes and the same meaning.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { lastBody } from './openai-client-util.ts';

const stack = useOpenAICustom();
const MODEL = 'kimi-k2-0905-preview';

/** ms-365-mcp-server's create-calendar-event: zod points `end` back at `start` (Softeria/ms-365-mcp-server#458). */
const EVENT_SCHEMA = {
  type: 'object',
  properties: {
    subject: { type: 'string' },
    start: { type: 'object', properties: { dateTime: { type: 'string' }, timeZone: { type: 'string' } }, required: ['dateTime'] },
    end: { $ref: '#/properties/start' },
  },
  required: ['subject', 'start', 'end'],
  additionalProperties: false,
  $schema: 'http://json-schema.org/draft-07/schema#',
};
/** A Python MCP server's draft-07 definitions, and a reference with a type beside it (Codex's automation_update). */
const TICKET_SCHEMA = {
  type: 'object',
  properties: {
    owner: { $ref: '#/definitions/User', description: 'Who owns it.' },
    thread: { $ref: '#/definitions/Id', type: 'string', format: 'uuid' },
  },
  definitions: {
    User: { type: 'object', properties: { name: { type: 'string' }, manager: { $ref: '#/definitions/User' } } },
    Id: { type: 'string', minLength: 1 },
  },
};

/** What Kimi gets for the two schemas: the same constraints, every reference into `$defs`. */
function expectMoonshotForm(tools: Array<{ function: { name: string; parameters: Record<string, any> } }>): void {
  const event = tools.find((t) => t.function.name === 'create_event')!.function.parameters;
  expect(event.properties.end).toEqual({ $ref: '#/$defs/start' });
  expect(event.$defs.start).toEqual(EVENT_SCHEMA.properties.start);
  expect(event.required).toEqual(['subject', 'start', 'end']);
  const ticket = tools.find((t) => t.function.name === 'create_ticket')!.function.parameters;
  expect(ticket.definitions).toBeUndefined();
  expect(ticket.properties.owner).toEqual({ $ref: '#/$defs/User', description: 'Who owns it.' });
  expect(ticket.$defs.User.properties.manager).toEqual({ $ref: '#/$defs/User' });
  expect(ticket.properties.thread).toEqual({ type: 'string', minLength: 1, format: 'uuid' });
}

describe('tool schemas Kimi refuses as they are', () => {
  test('Claude Code (converted): accepted, and the call comes back', async () => {
    const client = new Anthropic({ apiKey: stack.proxy.key, baseURL: stack.proxy.url, maxRetries: 0 });
    stack.upstream.queue({ toolCalls: [{ name: 'create_event', args: { subject: 'Sync', start: { dateTime: '2026-12-01T10:00' }, end: { dateTime: '2026-12-01T11:00' } } }] });
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 512,
      tools: [
        { name: 'create_event', description: 'Create an event.', input_schema: EVENT_SCHEMA as Anthropic.Tool.InputSchema },
        { name: 'create_ticket', description: 'Create a ticket.', input_schema: TICKET_SCHEMA as Anthropic.Tool.InputSchema },
      ],
      messages: [{ role: 'user', content: 'Book the sync.' }],
    });
    expect(msg.content).toMatchObject([{ type: 'tool_use', name: 'create_event', input: { end: { dateTime: '2026-12-01T11:00' } } }]);
    expectMoonshotForm(lastBody(stack.upstream).tools as never);
  });

  test('a Chat Completions client (relayed): accepted; a schema Kimi takes goes as it came', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    const plain = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { type: 'function', function: { name: 'create_event', parameters: EVENT_SCHEMA } },
        { type: 'function', function: { name: 'create_ticket', parameters: TICKET_SCHEMA } },
        { type: 'function', function: { name: 'search', parameters: plain } },
      ],
    });
    expect(res.choices[0]!.message.content).toBeTruthy();
    const tools = lastBody(stack.upstream).tools as Array<{ function: { name: string; parameters: Record<string, any> } }>;
    expectMoonshotForm(tools);
    expect(tools[2]!.function.parameters).toEqual(plain);
  });

  test('another model keeps the schemas as the client wrote them', async () => {
    const client = new OpenAI({ apiKey: stack.proxy.key, baseURL: `${stack.proxy.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'create_ticket', parameters: TICKET_SCHEMA } }],
    });
    expect((lastBody(stack.upstream).tools as Array<{ function: { parameters: unknown } }>)[0]!.function.parameters).toEqual(TICKET_SCHEMA);
  });
});
