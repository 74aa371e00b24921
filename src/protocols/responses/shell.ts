import { Type, type TSchema } from '@sinclair/typebox';
import type { ToolResultPart } from '../../core/content.ts';
import { badRequest } from '../../core/errors.ts';
import { randomId } from '../../core/ids.ts';
import type { ToolDefinition } from '../../core/request.ts';
import { isRecord } from '../../util/json.ts';
import { expectShape } from '../openai/validate.ts';

/**
 * OpenAI's `shell` tool (`{type: "shell"}`) in its local mode, where the client runs the commands: the
 * model asks for them in a `shell_call` item (`action: {commands, timeout_ms, max_output_length}`), the
 * client answers with a `shell_call_output` holding each command's stdout, stderr and outcome
 * (openai-node ResponseFunctionShellToolCall / ResponseFunctionShellToolCallOutput). Other upstreams
 * have only functions, so it goes as one named `shell` taking the action's fields, and its calls come
 * back as the client's items. A shell in a container OpenAI hosts can only be run by OpenAI.
 */
export const SHELL = 'shell';

/** The environment a shell_call names: `{type: "local"}` when the tool asked for it, else none. */
export type ShellEnvironment = { type: 'local' } | null;

const open = { additionalProperties: true } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

const ShellToolSchema = Type.Object(
  {
    environment: Nullable(
      Type.Object(
        {
          type: Type.String(),
          skills: Nullable(Type.Array(Type.Object({ name: Type.String(), description: Nullable(Type.String()), path: Nullable(Type.String()) }, open))),
        },
        open,
      ),
    ),
  },
  open,
);

const DESCRIPTION =
  "Runs shell commands on the user's machine, one after the other, and returns each command's stdout, stderr and exit code (or that it timed out).";

/**
 * A shell tool declaration → the function offered upstream, or a 400 for a hosted one
 * (`container_auto`, `container_reference`): its commands would run nowhere. The local environment's
 * skills are told to the model in the description, as OpenAI tells its own.
 */
export function shellTool(tool: unknown, path: string): ToolDefinition {
  const t = expectShape(ShellToolSchema, tool, path);
  const env = t.environment;
  if (env && env.type !== 'local') {
    throw badRequest(
      `${path}.environment.type: a shell with environment ${JSON.stringify(env.type)} runs in a container OpenAI hosts, which only ` +
        `OpenAI's Responses API (the openaiResponses-custom provider) can run; leave environment out, or give {"type": "local"}, to run the commands yourself`,
      `${path}.environment.type`,
    );
  }
  let description = DESCRIPTION;
  const skills = env?.skills ?? [];
  if (skills.length > 0) {
    const lines = skills.map((s) => `- ${s.name}${s.description ? `: ${s.description}` : ''}${s.path ? ` (${s.path})` : ''}`);
    description += `\n\nSkills installed on the machine, each a directory of instructions and scripts:\n${lines.join('\n')}`;
  }
  return {
    name: SHELL,
    description,
    parameters: {
      type: 'object',
      properties: {
        commands: { type: 'array', items: { type: 'string' }, description: 'The commands to run, in order.' },
        timeout_ms: { type: 'integer', description: 'How long the commands may run, in milliseconds.' },
        max_output_length: { type: 'integer', description: 'At most this many characters of output are returned.' },
      },
      required: ['commands'],
    },
  };
}

/** The environment the calls of a declared shell tool name; never throws (bad input is decodeRequest's). */
export function shellEnvironment(tool: Record<string, unknown>): ShellEnvironment {
  return isRecord(tool.environment) && tool.environment.type === 'local' ? { type: 'local' } : null;
}

export interface ShellAction {
  commands: string[];
  timeout_ms: number | null;
  max_output_length: number | null;
}

export interface ShellCallItem {
  id: string;
  type: 'shell_call';
  status: 'in_progress' | 'completed';
  call_id: string;
  action: ShellAction;
  environment: ShellEnvironment;
}

/** The API's own prefix (`sh_`): the SDK's item bookkeeping keys items by id. */
export const shellCallItemId = (): string => `sh_${randomId(32)}`;

const limit = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : null);

/** The upstream's function arguments as the action; a lone command string (or `command`) is a list of one. */
export function shellAction(args: Record<string, unknown>): ShellAction {
  const raw = args.commands ?? args.command;
  const list = Array.isArray(raw) ? raw : raw == null ? [] : [raw];
  const commands = list.map((c) => (typeof c === 'string' ? c : JSON.stringify(c)));
  return { commands, timeout_ms: limit(args.timeout_ms), max_output_length: limit(args.max_output_length) };
}

export function shellCallItem(id: string, callId: string, args: Record<string, unknown>, environment: ShellEnvironment): ShellCallItem {
  return { id, type: 'shell_call', status: 'completed', call_id: callId, action: shellAction(args), environment };
}

type Frame = (type: string, fields: Record<string, unknown>) => string;

/**
 * A streamed call, sent once its arguments are whole, in the API's events for it, which the openai
 * SDK's stream helper reads: the item added with no commands, each command added, its text as a delta
 * and done, then the item done.
 */
export function shellCallFrames(frame: Frame, index: number, item: ShellCallItem): string {
  let s = frame('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', action: { ...item.action, commands: [] } } });
  item.action.commands.forEach((command, i) => {
    const at = { output_index: index, command_index: i };
    s += frame('response.shell_call_command.added', { ...at, command: '' });
    if (command) s += frame('response.shell_call_command.delta', { ...at, delta: command });
    s += frame('response.shell_call_command.done', { ...at, command });
  });
  return s + frame('response.output_item.done', { output_index: index, item });
}

// ── history ──

const Id = Type.String({ minLength: 1 });
const Limit = Nullable(Type.Number());

const ShellCallSchema = Type.Object(
  { call_id: Id, action: Type.Object({ commands: Type.Array(Type.String()), timeout_ms: Limit, max_output_length: Limit }, open) },
  open,
);

const ShellOutputSchema = Type.Object(
  {
    call_id: Id,
    output: Type.Array(
      Type.Object(
        {
          stdout: Nullable(Type.String()),
          stderr: Nullable(Type.String()),
          outcome: Nullable(Type.Object({ type: Type.String(), exit_code: Nullable(Type.Number()) }, open)),
        },
        open,
      ),
    ),
  },
  open,
);

/** A replayed shell_call → the function call the upstream model made, its arguments the action. */
export function decodeShellCall(item: unknown, path: string): { callId: string; args: Record<string, unknown> } {
  const c = expectShape(ShellCallSchema, item, path);
  const args: Record<string, unknown> = { commands: c.action.commands };
  if (c.action.timeout_ms != null) args.timeout_ms = c.action.timeout_ms;
  if (c.action.max_output_length != null) args.max_output_length = c.action.max_output_length;
  return { callId: c.call_id, args };
}

/**
 * A replayed shell_call_output → the function's result, as a terminal reads: each command's stdout,
 * its stderr marked as such, and how it ended. A command that failed is still a tool that worked, so
 * the result is no error.
 */
export function decodeShellOutput(item: unknown, path: string): ToolResultPart {
  const o = expectShape(ShellOutputSchema, item, path);
  const blocks = o.output.map((run, i) => {
    const lines: string[] = [];
    if (o.output.length > 1) lines.push(`command ${i + 1}:`);
    if (run.stdout) lines.push(run.stdout.replace(/\n$/, ''));
    if (run.stderr) lines.push(`stderr:\n${run.stderr.replace(/\n$/, '')}`);
    const outcome = run.outcome;
    if (outcome?.type === 'timeout') lines.push('timed out');
    else if (typeof outcome?.exit_code === 'number') lines.push(`exit code: ${outcome.exit_code}`);
    return lines.join('\n');
  });
  const text = blocks.filter(Boolean).join('\n\n') || 'No output.';
  return { type: 'tool_result', callId: o.call_id, name: SHELL, content: [{ type: 'text', text }] };
}
