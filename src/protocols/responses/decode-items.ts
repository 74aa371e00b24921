import type { Part, Signature, TextPart, ThinkingPart, ToolCallPart, ToolResultPart } from '../../core/content.ts';
import { badRequest } from '../../core/errors.ts';
import type { Message, ToolDefinition } from '../../core/request.ts';
import { isRecord, parseJsonObject } from '../../util/json.ts';
import { expectShape } from '../openai/validate.ts';
import { decodeAssistantContent, decodeSystemContent, decodeUserContent } from './decode-content.ts';
import { decodeContinuity } from './items.ts';
import { reasoningSignature } from './signature.ts';
import {
  AdditionalToolsSchema,
  AgentMessageSchema,
  CompactionItemSchema,
  CustomToolCallSchema,
  FunctionCallSchema,
  MessageItemSchema,
  ReasoningItemSchema,
  StandaloneOutputSchema,
  ToolOutputSchema,
  ToolSearchCallSchema,
  ToolSearchOutputSchema,
} from './schema.ts';
import { decodeApplyPatchCall, decodeApplyPatchOutput, APPLY_PATCH } from './apply-patch.ts';
import { decodeTool } from './decode-tools.ts';
import { decodeShellCall, decodeShellOutput, SHELL } from './shell.ts';
import { clientExecuted, namespacedName, TOOL_SEARCH } from './tool-names.ts';

export interface DecodedInput {
  system: TextPart[];
  messages: Message[];
  /**
   * Tools declared in `input` (additional_tools items) and those a client-run tool search found: the
   * upstream model is offered them (decode-tools.ts).
   */
  found: ToolDefinition[];
}

/** Items that only exist with OpenAI's hosted tools: nothing upstream could run or continue them. */
const HOSTED_ITEMS = new Set([
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'local_shell_call',
  'local_shell_call_output',
  'code_interpreter_call',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
]);

type Run = 'assistant' | 'results' | undefined;

/** Items that are a model's tool call: a signature from the reasoning item before one belongs to it. */
const CALL_ITEMS = new Set(['function_call', 'custom_tool_call', 'tool_search_call', 'apply_patch_call', 'shell_call']);

/** What the model reads before the summary of a compacted conversation. */
export const COMPACTED_PREFIX = 'The earlier part of this conversation was compacted. Its summary:\n\n';

/**
 * `input` items → canonical system prompt and turns. Leading system/developer messages form the system
 * prompt; later ones stay in place as `system` turns (as the Chat Completions decoder does). Runs of
 * assistant-side items (assistant messages, calls, reasoning) form one assistant turn, runs of tool
 * outputs one user turn of tool results; a user message always starts a turn of its own.
 */
export function decodeInput(input: string | ReadonlyArray<Record<string, unknown>>): DecodedInput {
  if (typeof input === 'string') return { system: [], messages: [{ role: 'user', content: [{ type: 'text', text: input }] }], found: [] };

  const system: TextPart[] = [];
  const messages: Message[] = [];
  const found: ToolDefinition[] = [];
  /** call_id → tool name, so results carry the name Gemini requires. */
  const callNames = new Map<string, string>();
  let run: Run;
  let current: Message | undefined;
  /** A tool-call signature from a reasoning item, waiting for the call right after it. */
  let pendingSignature: Signature | undefined;

  const append = (kind: 'assistant' | 'results', part: Part): void => {
    if (run !== kind || !current) {
      current = { role: kind === 'assistant' ? 'assistant' : 'user', content: [] };
      messages.push(current);
      run = kind;
    }
    current.content.push(part);
  };
  const endRun = (): void => {
    run = undefined;
    current = undefined;
  };

  input.forEach((item, i) => {
    const path = `input.${i}`;
    const type = itemType(item, path);
    // A tool signature belongs only to the call right after its reasoning item.
    if (!CALL_ITEMS.has(type)) pendingSignature = undefined;
    switch (type) {
      case 'message': {
        const m = expectShape(MessageItemSchema, item, path);
        const at = `${path}.content`;
        if (m.role === 'assistant') {
          for (const part of decodeAssistantContent(m.content, at)) append('assistant', part);
          return;
        }
        endRun();
        if (m.role === 'user') messages.push({ role: 'user', content: decodeUserContent(m.content, at) });
        else if (messages.length === 0) system.push(...decodeSystemContent(m.content, at));
        else messages.push({ role: 'system', content: decodeSystemContent(m.content, at) });
        return;
      }
      case 'reasoning': {
        const r = decodeReasoning(item, path);
        if (r.part) append('assistant', r.part);
        pendingSignature = r.toolSignature;
        return;
      }
      case 'function_call': {
        const c = expectShape(FunctionCallSchema, item, path);
        // A namespace member's call is replayed under the name its tool went upstream with.
        const name = c.namespace ? namespacedName(c.namespace, c.name) : c.name;
        append('assistant', toolCall(c.call_id, name, parseJsonObject(c.arguments), pendingSignature, callNames));
        pendingSignature = undefined;
        return;
      }
      case 'custom_tool_call': {
        // Custom tools go upstream as functions taking `{input}` (decode-tools.ts), so their calls do too.
        const c = expectShape(CustomToolCallSchema, item, path);
        const name = c.namespace ? namespacedName(c.namespace, c.name) : c.name;
        append('assistant', toolCall(c.call_id, name, { input: c.input }, pendingSignature, callNames));
        pendingSignature = undefined;
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        if (item.call_id == null) {
          // Codex injects outputs that answer no call (automations, a task sent from another thread, a
          // delegated task's seed): no call_id, only the tool's name and namespace, meant as context
          // (openai/codex#42376, #45450). No upstream takes a result without its call: a user turn the
          // model reads, rather than a 400 that Codex persists and replays on every later turn.
          const o = expectShape(StandaloneOutputSchema, item, path);
          const tool = [o.namespace, o.name].filter((s): s is string => !!s).join('.');
          endRun();
          messages.push({ role: 'user', content: [{ type: 'text', text: `Output of ${tool || 'a tool'}:` }, ...decodeUserContent(o.output, `${path}.output`)] });
          return;
        }
        const o = expectShape(ToolOutputSchema, item, path);
        const part: ToolResultPart = {
          type: 'tool_result',
          callId: o.call_id,
          content: decodeUserContent(o.output, `${path}.output`),
        };
        const name = callNames.get(o.call_id);
        if (name) part.name = name;
        append('results', part);
        return;
      }
      case 'apply_patch_call':
      case 'shell_call': {
        // Both tools go upstream as functions of these names (apply-patch.ts, shell.ts), so their calls do too.
        const c = type === 'shell_call' ? decodeShellCall(item, path) : decodeApplyPatchCall(item, path);
        append('assistant', toolCall(c.callId, type === 'shell_call' ? SHELL : APPLY_PATCH, c.args, pendingSignature, callNames));
        pendingSignature = undefined;
        return;
      }
      case 'apply_patch_call_output':
      case 'shell_call_output': {
        const part = type === 'shell_call_output' ? decodeShellOutput(item, path) : decodeApplyPatchOutput(item, path);
        part.name = callNames.get(part.callId) ?? part.name;
        append('results', part);
        return;
      }
      case 'tool_search_call': {
        // OpenAI's own searches (execution "server") are history only it can continue, like web searches.
        if (!clientExecuted(item)) return;
        const c = expectShape(ToolSearchCallSchema, item, path);
        const args = typeof c.arguments === 'string' ? parseJsonObject(c.arguments) : (c.arguments ?? {});
        append('assistant', toolCall(c.call_id, TOOL_SEARCH, args, pendingSignature, callNames));
        pendingSignature = undefined;
        return;
      }
      case 'tool_search_output': {
        if (!clientExecuted(item)) return;
        const o = expectShape(ToolSearchOutputSchema, item, path);
        // The model reads what was found; the tools themselves are offered to it from now on.
        const defs = o.tools.flatMap((tool, j) => decodeTool(tool, `${path}.tools.${j}`));
        found.push(...defs);
        const part: ToolResultPart = { type: 'tool_result', callId: o.call_id, name: TOOL_SEARCH, content: [{ type: 'text', text: foundText(defs) }] };
        append('results', part);
        return;
      }
      case 'agent_message': {
        // Codex's multi-agent v2 hands a spawned agent its task, and an agent's reply to another, in
        // these; every later turn of the thread replays them (ollama/ollama#18286, BerriAI/litellm#36528).
        // Only OpenAI can read its own ciphertext; the message a model of ours wrote arrives as plain text.
        const a = expectShape(AgentMessageSchema, item, path);
        const header = [a.author ? `author: ${a.author}` : '', a.recipient ? `recipient: ${a.recipient}` : ''].filter(Boolean);
        const texts = typeof a.content === 'string' ? [a.content] : (a.content ?? []).map(agentMessageText);
        const body = texts.filter(Boolean).join('\n');
        if (!body) return;
        endRun();
        messages.push({ role: 'user', content: [{ type: 'text', text: header.length ? `${header.join('\n')}\n\n${body}` : body }] });
        return;
      }
      case 'additional_tools': {
        // Codex 0.144 and later declare their tools here rather than in `tools` (theopenco/llmgateway#3613,
        // SaladDay/cc-switch-cli#466): the same declarations, offered to the upstream model like those.
        // A namespace with no tools in it (Codex's `collaboration` when nothing is connected:
        // 10/chatgpt-codex-proxy#9) declares nothing.
        const a = expectShape(AdditionalToolsSchema, item, path);
        a.tools.forEach((tool, j) => {
          const members = (tool as Record<string, unknown>).tools;
          if (tool.type === 'namespace' && Array.isArray(members) && members.length === 0) return;
          found.push(...decodeTool(tool, `${path}.tools.${j}`));
        });
        return;
      }
      case 'compaction': {
        // What /v1/responses/compact (compact.ts) made of the earlier conversation: its summary, as a
        // user turn that tells the model where the work stands. OpenAI's own compaction is readable
        // only by OpenAI; the user messages it kept beside it still go upstream.
        const c = expectShape(CompactionItemSchema, item, path);
        const continuity = decodeContinuity(c.encrypted_content);
        if (typeof continuity !== 'object' || continuity.kind !== 'summary') return;
        endRun();
        messages.push({ role: 'user', content: [{ type: 'text', text: `${COMPACTED_PREFIX}${continuity.text}` }] });
        return;
      }
      case 'compaction_trigger':
        // Asks for compaction, which the route answers (compact.ts); anywhere else it means nothing.
        return;
      case 'image_generation_call':
        // An image OpenAI generated in a session begun there (the tool is dropped elsewhere: decode-tools.ts):
        // as with web searches, the model's own message after it already told what it made.
      case 'web_search_call':
        // Codex keeps the searches an OpenAI model made in its history and replays them (codex-rs
        // protocol/src/models.rs ResponseItem::WebSearchCall): only the action, never the results, which
        // the model's own message already used. A session begun on OpenAI goes on here without them.
        return;
      case 'item_reference':
        throw badRequest(
          `${path}.type: item_reference needs stored responses; aiproxy keeps none: send the whole conversation in input`,
          `${path}.type`,
        );
      default:
        if (HOSTED_ITEMS.has(type)) {
          throw badRequest(
            `${path}.type: ${type} is an OpenAI-hosted tool; aiproxy converts function, custom, apply_patch and local shell tools only`,
            `${path}.type`,
          );
        }
        throw badRequest(`${path}.type: input items of type ${JSON.stringify(type)} are not supported`, `${path}.type`);
    }
  });
  return { system, messages, found };
}

/** OpenAI's encrypted payloads are Fernet tokens: opaque to any other model. */
const OPENAI_CIPHERTEXT = /^gAAAAA[\w-]{20,}={0,2}$/;

/** An agent_message part's text: text parts, and an encrypted_content part that is not OpenAI's ciphertext. */
function agentMessageText(part: { type: string; text?: unknown; encrypted_content?: unknown }): string {
  if (typeof part.text === 'string' && part.type !== 'encrypted_content') return part.text;
  const e = part.encrypted_content;
  return part.type === 'encrypted_content' && typeof e === 'string' && !OPENAI_CIPHERTEXT.test(e.trim()) ? e : '';
}

/**
 * What a tool search found, as the model reads it: each tool by the name it can now call, with its
 * description. An empty result says so, so the model searches again or goes on without.
 */
function foundText(defs: readonly ToolDefinition[]): string {
  const lines = defs.map((d) => (d.description ? `- ${d.name}: ${d.description}` : `- ${d.name}`));
  return lines.length ? `Tools found and now available:\n${lines.join('\n')}` : 'No tools matched the search.';
}

/** An item's type: `message` when it has only a role, `item_reference` when it has only an id (as the API reads them). */
function itemType(item: Record<string, unknown>, path: string): string {
  if (typeof item.type === 'string') return item.type;
  if (item.type != null) throw badRequest(`${path}.type: expected a string`, `${path}.type`);
  if (item.role !== undefined) return 'message';
  if (typeof item.id === 'string') return 'item_reference';
  throw badRequest(`${path}.type: is required`, `${path}.type`);
}

function toolCall(
  id: string,
  name: string,
  args: Record<string, unknown>,
  signature: Signature | undefined,
  callNames: Map<string, string>,
): ToolCallPart {
  callNames.set(id, name);
  const part: ToolCallPart = { type: 'tool_call', id, name, args };
  if (signature) part.signature = signature;
  return part;
}

/**
 * A reasoning item → thinking, or a signature for the next tool call (items.ts). Summary text is the
 * thinking as this proxy wrote it; `reasoning_text` content is what open-weight servers send instead.
 * An OpenAI `encrypted_content` stays with its item's id as an OpenAI signature, which only an OpenAI
 * upstream gets back.
 */
function decodeReasoning(item: unknown, path: string): { part?: ThinkingPart; toolSignature?: Signature } {
  const r = expectShape(ReasoningItemSchema, item, path);
  const summary = (r.summary ?? []).map((s) => s.text).join('\n\n');
  const text = summary || (r.content ?? []).map((c) => c.text).join('\n\n');
  const continuity = r.encrypted_content ? decodeContinuity(r.encrypted_content) : undefined;

  // OpenAI's own reasoning, kept whole for an OpenAI upstream (the Responses encoder sends it back as it came).
  if (continuity === 'foreign' && isRecord(item) && typeof item.id === 'string' && item.id) {
    return { part: { type: 'thinking', text, signature: reasoningSignature(item.id, r.encrypted_content!) } };
  }
  // A summary belongs in a compaction item, never here: treated as unreadable.
  if (continuity === undefined || continuity === 'foreign' || continuity.kind === 'summary') return text ? { part: { type: 'thinking', text } } : {};
  switch (continuity.kind) {
    case 'tool':
      return text ? { part: { type: 'thinking', text }, toolSignature: continuity.signature } : { toolSignature: continuity.signature };
    case 'redacted':
      return { part: { type: 'thinking', text, redacted: continuity.data } };
    case 'thinking':
      return { part: { type: 'thinking', text, signature: continuity.signature } };
    case 'unsigned':
      return text ? { part: { type: 'thinking', text } } : {};
  }
}
