import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { fromWorkingDirectory } from '../config/load.ts';
import type { Config, SystemPromptMode } from '../config/types.ts';
import { asList } from '../protocols/gemini/normalize.ts';
import type { Protocol } from '../protocols/types.ts';
import { isRecord, type JsonObject } from '../util/json.ts';

/** The operator's system prompt (--system-prompt-file), read once per configuration. */
export interface SystemPrompt {
  text: string;
  mode: SystemPromptMode;
}

const loaded = new WeakMap<Config, { prompt?: SystemPrompt }>();

/**
 * The system prompt of a configuration, read from its file once (at start-up and on each reload, where
 * an unreadable file stops the start or rejects the reload). Throws ConfigError when unreadable.
 */
export function systemPromptFor(config: Config): SystemPrompt | undefined {
  let entry = loaded.get(config);
  if (!entry) {
    entry = { prompt: loadSystemPrompt(config) };
    loaded.set(config, entry);
  }
  return entry.prompt;
}

/** Reads the file named by the configuration; an empty file means none. */
function loadSystemPrompt(config: Config): SystemPrompt | undefined {
  if (!config.systemPromptFile) return undefined;
  let text: string;
  try {
    text = readFileSync(config.systemPromptFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A missing file given by a relative path: said where it was looked for, as for the config file.
    const where = code === 'ENOENT' ? fromWorkingDirectory(config.systemPromptFile) : '';
    throw new ConfigError(`system_prompt_file ${config.systemPromptFile} cannot be read: ${code ?? (e as Error).message}${where}`);
  }
  text = text.trim();
  return text ? { text, mode: config.systemPromptMode } : undefined;
}

/**
 * The client's request body with the operator's system prompt in the protocol's own place: OpenAI's
 * leading system/developer messages, Anthropic's `system`, Gemini's `systemInstruction`, the Responses
 * API's `instructions`. `overwrite` replaces the client's system prompt, `append` adds a block after
 * it. Only the system prompt is read:
 * a request without one simply gets the operator's (the original project copied the first user message
 * into it). Mid-conversation system messages are left where they are. Returns a new object; a body of
 * the wrong shape is returned as it is, for validation to name the problem.
 */
export function applySystemPrompt(protocol: Protocol, body: JsonObject, sp: SystemPrompt): JsonObject {
  switch (protocol) {
    case 'openai':
      return openai(body, sp);
    case 'anthropic':
      return anthropic(body, sp);
    case 'gemini':
      return gemini(body, sp);
    case 'responses':
      return responses(body, sp);
  }
}

/** The Responses API's system prompt is `instructions` (Codex puts its own there). */
function responses(body: JsonObject, sp: SystemPrompt): JsonObject {
  const existing = body.instructions;
  if (sp.mode === 'overwrite' || typeof existing !== 'string' || existing === '') return { ...body, instructions: sp.text };
  return { ...body, instructions: `${existing}\n\n${sp.text}` };
}

function openai(body: JsonObject, sp: SystemPrompt): JsonObject {
  if (!Array.isArray(body.messages)) return body;
  const messages: unknown[] = body.messages;
  let lead = 0;
  while (lead < messages.length && isRecord(messages[lead]) && isSystemRole((messages[lead] as JsonObject).role)) lead++;
  const ours = { role: 'system', content: sp.text };
  const next = sp.mode === 'overwrite' ? [ours, ...messages.slice(lead)] : [...messages.slice(0, lead), ours, ...messages.slice(lead)];
  return { ...body, messages: next };
}

function isSystemRole(role: unknown): boolean {
  return role === 'system' || role === 'developer';
}

function anthropic(body: JsonObject, sp: SystemPrompt): JsonObject {
  const existing = body.system;
  if (sp.mode === 'overwrite' || existing === undefined || existing === null || existing === '') return { ...body, system: sp.text };
  // Blocks keep their cache_control; a string becomes the first block.
  const blocks = typeof existing === 'string' ? [{ type: 'text', text: existing }] : Array.isArray(existing) ? existing : undefined;
  if (!blocks) return body;
  return { ...body, system: [...blocks, { type: 'text', text: sp.text }] };
}

function gemini(body: JsonObject, sp: SystemPrompt): JsonObject {
  // Requests are read with proto3 JSON rules: snake_case is the same field.
  const { system_instruction: snake, ...rest } = body;
  const existing = rest.systemInstruction ?? snake;
  const ours = { text: sp.text };
  // `parts` may be one part rather than a list (Google's REST cookbook writes it so); it is kept either way.
  const parts = isRecord(existing) ? asList(existing.parts) : undefined;
  if (sp.mode === 'overwrite' || !isRecord(existing) || !parts || parts.length === 0) {
    return { ...rest, systemInstruction: { parts: [ours] } };
  }
  return { ...rest, systemInstruction: { ...existing, parts: [...parts, ours] } };
}
