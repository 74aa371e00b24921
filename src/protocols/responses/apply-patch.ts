import { Type } from '@sinclair/typebox';
import type { ToolResultPart } from '../../core/content.ts';
import { randomId } from '../../core/ids.ts';
import type { ToolDefinition } from '../../core/request.ts';
import { expectShape } from '../openai/validate.ts';

/**
 * OpenAI's `apply_patch` tool (`{type: "apply_patch"}`), which the client runs: the model asks for one
 * file operation in an `apply_patch_call` item, the client applies it and answers with an
 * `apply_patch_call_output` (openai-node ResponseApplyPatchToolCall / ResponseApplyPatchToolCallOutput).
 * Other upstreams have only functions, so it goes as one named `apply_patch` taking the operation's
 * own fields, and its calls come back as the client's items.
 */
export const APPLY_PATCH = 'apply_patch';

const OPERATIONS = ['create_file', 'update_file', 'delete_file'] as const;
type OperationType = (typeof OPERATIONS)[number];

/**
 * The diff is V4A, the headerless format the Agents SDK's applyDiff reads: OpenAI's models write it
 * without being told, other models have to be.
 */
const DESCRIPTION = `Creates, updates or deletes one file in the user's workspace. The client applies the operation and answers with the result.

- type "create_file": diff is the whole content of the new file, every line prefixed with "+".
- type "update_file": diff is a V4A diff of the file. It has one or more sections; each starts with a line "@@", or "@@ " followed by a line copied exactly from the file (such as the enclosing class or function declaration) when the context lines alone are not unique. Then come the section's lines, each prefixed with " " (unchanged context), "-" (removed) or "+" (added). Give 3 unchanged lines before and after each change, copied exactly from the file. A section whose context reaches the end of the file is followed by the line "*** End of File". No "*** Begin Patch" or "*** Update File" lines, no "---"/"+++" headers, no line numbers.
- type "delete_file": no diff.

path is relative to the workspace root.`;

export function applyPatchTool(): ToolDefinition {
  return {
    name: APPLY_PATCH,
    description: DESCRIPTION,
    parameters: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: [...OPERATIONS], description: 'The operation.' },
        path: { type: 'string', description: 'The file, relative to the workspace root.' },
        diff: { type: 'string', description: 'The V4A diff (create_file, update_file); left out for delete_file.' },
      },
      required: ['type', 'path'],
    },
  };
}

export interface ApplyPatchOperation {
  type: OperationType;
  path: string;
  /** create_file and update_file only. */
  diff?: string;
}

export interface ApplyPatchCallItem {
  id: string;
  type: 'apply_patch_call';
  status: 'in_progress' | 'completed';
  call_id: string;
  operation: ApplyPatchOperation;
}

/** The API's own prefix (`apc_`): the SDK's item bookkeeping keys items by id. */
export const applyPatchCallItemId = (): string => `apc_${randomId(32)}`;

/**
 * The upstream's function arguments as the operation. A type outside the enum (a model that wrote "add"
 * or left it out) is read by its first word, an update when it says nothing; whatever else the model
 * wrote goes to the client as it is, whose failed output tells the model what was wrong.
 */
export function applyPatchOperation(args: Record<string, unknown>): ApplyPatchOperation {
  const type = operationType(args.type);
  const op: ApplyPatchOperation = { type, path: typeof args.path === 'string' ? args.path : '' };
  if (type !== 'delete_file') op.diff = typeof args.diff === 'string' ? args.diff : '';
  return op;
}

function operationType(raw: unknown): OperationType {
  if (OPERATIONS.includes(raw as OperationType)) return raw as OperationType;
  const word = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (/^(create|add|new)/.test(word)) return 'create_file';
  if (/^(delete|remove)/.test(word)) return 'delete_file';
  return 'update_file';
}

export function applyPatchCallItem(id: string, callId: string, args: Record<string, unknown>): ApplyPatchCallItem {
  return { id, type: 'apply_patch_call', status: 'completed', call_id: callId, operation: applyPatchOperation(args) };
}

type Frame = (type: string, fields: Record<string, unknown>) => string;

/**
 * A streamed call, sent once its arguments are whole: output_item.added, then output_item.done. The
 * API streams the diff in `response.apply_patch_call_operation_diff.delta` events too, but the openai
 * SDK's stream helper (7.57) throws on them ("Unhandled response stream event"), which would end a
 * user's stream; the done item carries the whole diff.
 */
export function applyPatchCallFrames(frame: Frame, index: number, item: ApplyPatchCallItem): string {
  const { diff: _diff, ...head } = item.operation;
  const added = { ...item, status: 'in_progress', operation: item.operation.diff === undefined ? head : { ...head, diff: '' } };
  return frame('response.output_item.added', { output_index: index, item: added }) + frame('response.output_item.done', { output_index: index, item });
}

// ── history ──

const Id = Type.String({ minLength: 1 });
const open = { additionalProperties: true } as const;

const ApplyPatchCallSchema = Type.Object(
  {
    call_id: Id,
    operation: Type.Object({ type: Type.Union(OPERATIONS.map((o) => Type.Literal(o))), path: Type.String(), diff: Type.Optional(Type.Union([Type.String(), Type.Null()])) }, open),
  },
  open,
);

const ApplyPatchOutputSchema = Type.Object(
  {
    call_id: Id,
    status: Type.Optional(Type.Union([Type.Literal('completed'), Type.Literal('failed'), Type.Null()])),
    output: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  open,
);

/** A replayed apply_patch_call → the function call the upstream model made, its arguments the operation. */
export function decodeApplyPatchCall(item: unknown, path: string): { callId: string; args: Record<string, unknown> } {
  const c = expectShape(ApplyPatchCallSchema, item, path);
  const args: Record<string, unknown> = { type: c.operation.type, path: c.operation.path };
  if (typeof c.operation.diff === 'string') args.diff = c.operation.diff;
  return { callId: c.call_id, args };
}

/**
 * A replayed apply_patch_call_output → the function's result. The client's log text is optional; without
 * it the status alone tells the model whether the patch went in (a tool result may not be empty).
 */
export function decodeApplyPatchOutput(item: unknown, path: string): ToolResultPart {
  const o = expectShape(ApplyPatchOutputSchema, item, path);
  const failed = o.status === 'failed';
  const text = o.output || (failed ? 'The patch could not be applied.' : 'The patch was applied.');
  const part: ToolResultPart = { type: 'tool_result', callId: o.call_id, name: APPLY_PATCH, content: [{ type: 'text', text }] };
  if (failed) part.isError = true;
  return part;
}
