import type { Part, TextPart, ToolCallPart, ToolResultPart } from '../../core/content.ts';
import type { Message } from '../../core/request.ts';
import { isRecord, parseJsonObject } from '../../util/json.ts';
import { capBreakpoints } from './cache-control.ts';
import { decodeAssistantContent, decodeTextContent, decodeUserContent } from './decode-content.ts';
import {
  AssistantMessageSchema,
  FunctionMessageSchema,
  SystemMessageSchema,
  ToolCallSchema,
  ToolMessageSchema,
  UserMessageSchema,
} from './schema.ts';
import { readThoughtSignature } from './thought-signature.ts';
import { expectShape } from './validate.ts';

export interface DecodedConversation {
  system: TextPart[];
  messages: Message[];
}

/**
 * OpenAI `messages` → canonical system prompt and turns. Leading system/developer messages form the
 * system prompt; later ones stay in place as `system` turns. Runs of `tool`/`function` messages
 * become one `user` turn of tool_result parts, named from the assistant call they answer.
 */
export function decodeMessages(raw: ReadonlyArray<{ role: string }>): DecodedConversation {
  const system: TextPart[] = [];
  const messages: Message[] = [];
  /** tool_call id → function name, so results can carry the name Gemini requires. */
  const callNames = new Map<string, string>();
  /** The user turn collecting the current run of tool results, if the previous message was one. */
  let results: Message | undefined;

  raw.forEach((msg, i) => {
    const path = `messages.${i}`;
    if (msg.role === 'tool' || msg.role === 'function') {
      const part = msg.role === 'tool' ? decodeToolMessage(msg, path, callNames) : decodeFunctionMessage(msg, path);
      if (!results) {
        results = { role: 'user', content: [] };
        messages.push(results);
      }
      results.content.push(part);
      return;
    }
    results = undefined;
    switch (msg.role) {
      case 'system':
      case 'developer': {
        const m = expectShape(SystemMessageSchema, msg, path);
        const content = decodeTextContent(m.content, `${path}.content`);
        if (messages.length === 0) system.push(...content);
        else messages.push(withName({ role: 'system', content }, m.name));
        return;
      }
      case 'user': {
        const m = expectShape(UserMessageSchema, msg, path);
        messages.push(withName({ role: 'user', content: decodeUserContent(m.content, `${path}.content`) }, m.name));
        return;
      }
      case 'assistant':
        messages.push(decodeAssistantMessage(msg, path, callNames));
        return;
    }
  });
  capBreakpoints(system, messages);
  return { system, messages };
}

function decodeAssistantMessage(msg: unknown, path: string, callNames: Map<string, string>): Message {
  const m = expectShape(AssistantMessageSchema, msg, path);
  const content: Part[] = [];
  // Reasoning precedes the answer it led to, as thinking blocks do in the other protocols.
  if (m.reasoning_content) content.push({ type: 'thinking', text: m.reasoning_content });
  if (m.content != null) content.push(...decodeAssistantContent(m.content, `${path}.content`));
  if (m.refusal) content.push({ type: 'text', text: m.refusal });
  (m.tool_calls ?? []).forEach((tc, j) => {
    const call = decodeToolCall(tc, `${path}.tool_calls.${j}`);
    callNames.set(call.id, call.name);
    content.push(call);
  });
  if (m.function_call) {
    // Deprecated function calling has no ids: the function name pairs a call with its `function` result.
    const name = m.function_call.name;
    callNames.set(name, name);
    content.push({ type: 'tool_call', id: name, name, args: parseJsonObject(m.function_call.arguments) });
  }
  return withName({ role: 'assistant', content }, m.name);
}

function decodeToolCall(raw: unknown, path: string): ToolCallPart {
  const tc = expectShape(ToolCallSchema, raw, path);
  const part: ToolCallPart = {
    type: 'tool_call',
    id: tc.id,
    name: tc.function.name,
    args: parseJsonObject(tc.function.arguments),
  };
  const signature = readThoughtSignature(isRecord(raw) ? raw.extra_content : undefined);
  if (signature) part.signature = signature;
  return part;
}

/**
 * A tool message's content may hold images and files besides text: OpenAI's schema lists text parts only,
 * but agents send a screenshot or a read image file back that way (router-for-me/CLIProxyAPI#1670,
 * tingly-dev/tingly-box#1606), and newer GPT models take it (openai/openai-openapi#523). Claude and
 * Gemini take media in a tool result; refusing it here failed every later turn of the conversation.
 */
function decodeToolMessage(msg: unknown, path: string, callNames: Map<string, string>): ToolResultPart {
  const m = expectShape(ToolMessageSchema, msg, path);
  const part: ToolResultPart = {
    type: 'tool_result',
    callId: m.tool_call_id,
    content: m.content == null ? [] : decodeUserContent(m.content, `${path}.content`),
  };
  const name = callNames.get(m.tool_call_id);
  if (name) part.name = name;
  return part;
}

function decodeFunctionMessage(msg: unknown, path: string): ToolResultPart {
  const m = expectShape(FunctionMessageSchema, msg, path);
  return {
    type: 'tool_result',
    callId: m.name,
    name: m.name,
    content: m.content == null ? [] : [{ type: 'text', text: m.content }],
  };
}

function withName(message: Message, name: string | null | undefined): Message {
  if (name) message.name = name;
  return message;
}
