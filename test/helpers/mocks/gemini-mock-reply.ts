/**
 * MockReply → GenerateContentResponse objects (protocols.md §3.3/§3.4): one whole response, or the
 * chunks of a stream. Function calls carry no id and finish with STOP; thoughts are `thought: true`
 * parts; signatures sit on the first functionCall part (and on the last part for Gemini 3).
 */
import { randomId } from '../../../src/core/ids.ts';
import { isRecord } from '../../../src/util/json.ts';
import type { MockReply } from './types.ts';
import { field, list, roleOf } from './gemini-mock-rules.ts';

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  functionCall?: { id?: string; name: string; args: Record<string, unknown> };
  inlineData?: { mimeType: string; data: string };
  thoughtSignature?: string;
}

export interface UsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount?: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  promptTokensDetails?: Array<{ modality: string; tokenCount: number }>;
}

export interface ReplyPlan {
  /** Parts of the whole (non-streaming) answer. */
  parts: GeminiPart[];
  /** The same answer cut into stream chunks (text per word), in order. */
  chunks: GeminiPart[][];
  finishReason: string;
  hasToolCalls: boolean;
  usage: UsageMetadata;
  responseId: string;
  modelVersion: string;
}

export interface PlanInput {
  reply: MockReply;
  body: Record<string, unknown>;
  model: string;
  /** Creates and remembers a new thought signature. */
  issueSignature: () => string;
  functionCallIds: boolean;
}

/** Gemini 2.5 and 3 think unless told not to (image models aside). */
const THINKS_UNASKED = /gemini-(?:2\.5|3)(?![\w.-]*image)/i;

/**
 * The thought tokens a reply's thinking spends under the request's thinkingConfig: none when switched off
 * (budget 0, level MINIMAL), at most a positive budget; unasked, the model thinks as much as it likes.
 */
function thoughtSpend(reply: MockReply, body: Record<string, unknown>, model: string): number {
  if (!reply.thinking || !THINKS_UNASKED.test(model)) return 0;
  const tc = field(field(body, 'generationConfig'), 'thinkingConfig');
  const budget = field(tc, 'thinkingBudget');
  if (budget === 0 || field(tc, 'thinkingLevel') === 'MINIMAL') return 0;
  const spent = estimateTokens(reply.thinking.length);
  return typeof budget === 'number' && budget > 0 ? Math.min(spent, budget) : spent;
}

export function planReply({ reply, body, model, issueSignature, functionCallIds }: PlanInput): ReplyPlan {
  // Thoughts are billed against maxOutputTokens: a limit they use up leaves a candidate with no parts at
  // all, finish MAX_TOKENS (googleapis/python-genai#626, #811).
  const limit = field(field(body, 'generationConfig'), 'maxOutputTokens');
  if (typeof limit === 'number' && thoughtSpend(reply, body, model) >= limit) {
    const input = estimateTokens(promptChars(body));
    return {
      parts: [],
      chunks: [[]],
      finishReason: 'MAX_TOKENS',
      hasToolCalls: false,
      usage: { promptTokenCount: input, candidatesTokenCount: 0, thoughtsTokenCount: limit, totalTokenCount: input + limit },
      responseId: randomId(23),
      modelVersion: model,
    };
  }
  // A tool-calling turn says nothing unless told to; a plain turn echoes what it heard.
  const text = reply.text ?? (reply.toolCalls?.length ? '' : `mock(gemini) heard: ${lastUserText(body)}`);
  const includeThoughts = field(field(field(body, 'generationConfig'), 'thinkingConfig'), 'includeThoughts') === true;
  const thinking = includeThoughts && reply.thinking ? reply.thinking : '';
  const calls: GeminiPart[] = (reply.toolCalls ?? []).map((c) => ({
    functionCall: functionCallIds ? { id: randomId(8).toLowerCase(), name: c.name, args: c.args } : { name: c.name, args: c.args },
  }));
  // Parallel calls: only the first part is signed (Gemini 3 rule, and what 2.5 does too).
  if (calls[0]) calls[0].thoughtSignature = issueSignature();

  const parts: GeminiPart[] = [];
  const chunks: GeminiPart[][] = [];
  if (thinking) {
    parts.push({ text: thinking, thought: true });
    for (const w of splitWords(thinking)) chunks.push([{ text: w, thought: true }]);
  }
  if (text) {
    parts.push({ text });
    for (const w of splitWords(text)) chunks.push([{ text: w }]);
  }
  // Each image comes whole, in a chunk of its own.
  for (const { mimeType, data, thought } of reply.images ?? []) {
    const part: GeminiPart = thought ? { inlineData: { mimeType, data }, thought: true } : { inlineData: { mimeType, data } };
    parts.push(part);
    chunks.push([part]);
  }
  if (calls.length > 0) {
    parts.push(...calls);
    chunks.push(calls);
  } else if (model.includes('gemini-3')) {
    // Gemini 3 signs the last part of a plain answer; streamed, it arrives as an extra empty-text part.
    const signature = issueSignature();
    const last = parts.at(-1);
    if (last) last.thoughtSignature = signature;
    const tail = chunks.at(-1);
    if (tail) tail.push({ text: '', thoughtSignature: signature });
    else chunks.push([{ text: '', thoughtSignature: signature }]);
  }
  if (chunks.length === 0) chunks.push([]);

  return {
    parts,
    chunks,
    finishReason: reply.finish ?? 'STOP',
    hasToolCalls: calls.length > 0,
    usage: usageFor(reply, body, text, reply.thinking ?? '', reply.toolCalls ?? []),
    responseId: randomId(23),
    modelVersion: model,
  };
}

/**
 * One GenerateContentResponse: the whole answer (`plan.parts`, final) or one stream chunk. Only a
 * final one carries finishReason and the authoritative usage; earlier chunks repeat the prompt count.
 */
export function renderResponse(plan: ReplyPlan, parts: GeminiPart[], final: boolean): Record<string, unknown> {
  const candidate: Record<string, unknown> = {
    // A candidate with no output (e.g. MAX_TOKENS spent on thinking) really has no `parts` at all.
    content: parts.length > 0 ? { parts, role: 'model' } : { role: 'model' },
  };
  if (final) {
    candidate.finishReason = plan.finishReason;
    if (plan.hasToolCalls) candidate.finishMessage = 'Model generated function call(s).';
  }
  candidate.index = 0;
  const usage = final
    ? plan.usage
    : { promptTokenCount: plan.usage.promptTokenCount, totalTokenCount: plan.usage.promptTokenCount };
  return { candidates: [candidate], usageMetadata: usage, modelVersion: plan.modelVersion, responseId: plan.responseId };
}

/** Splits at word starts so the pieces concatenate back to the exact text. */
export function splitWords(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\s)(?=\S)/);
}

/** Text parts of the last user turn, joined as Gemini concatenates consecutive text parts. */
export function lastUserText(body: Record<string, unknown>): string {
  const contents = list(field(body, 'contents'));
  for (let i = contents.length - 1; i >= 0; i--) {
    const content = contents[i];
    if (roleOf(content) !== 'user') continue;
    return list(field(content, 'parts'))
      .filter((p) => field(p, 'thought') !== true)
      .map((p) => field(p, 'text'))
      .filter((t): t is string => typeof t === 'string')
      .join('');
  }
  return '';
}

export const estimateTokens = (chars: number): number => Math.max(1, Math.ceil(chars / 4));

/** Prompt size in characters: text as is, every other part and the tool declarations as JSON. */
export function promptChars(body: Record<string, unknown>): number {
  let chars = 0;
  const contents = [...list(field(body, 'contents')), ...list(field(body, 'systemInstruction'))];
  for (const content of contents) {
    for (const part of list(field(content, 'parts'))) {
      const text = field(part, 'text');
      chars += typeof text === 'string' ? text.length : isRecord(part) ? JSON.stringify(part).length : 0;
    }
  }
  const tools = field(body, 'tools');
  if (tools !== undefined) chars += JSON.stringify(tools).length;
  return chars;
}

function usageFor(
  reply: MockReply,
  body: Record<string, unknown>,
  text: string,
  thinking: string,
  calls: NonNullable<MockReply['toolCalls']>,
): UsageMetadata {
  // MockReply usage counts like the canonical Usage: input includes cached, output includes reasoning.
  const given = reply.usage;
  const input = given?.input ?? estimateTokens(promptChars(body));
  const reasoning = given?.reasoning ?? (thinking ? estimateTokens(thinking.length) : 0);
  const callChars = calls.reduce((n, c) => n + c.name.length + JSON.stringify(c.args).length, 0);
  const output = given?.output ?? reasoning + (text || callChars ? estimateTokens(text.length + callChars) : 0);
  const usage: UsageMetadata = {
    promptTokenCount: input,
    candidatesTokenCount: Math.max(0, output - reasoning),
    totalTokenCount: input + output,
  };
  if (given?.cached) usage.cachedContentTokenCount = given.cached;
  usage.promptTokensDetails = [{ modality: 'TEXT', tokenCount: input }];
  if (reasoning > 0) usage.thoughtsTokenCount = reasoning;
  return usage;
}
