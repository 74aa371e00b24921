import type { ReasoningEffort } from '../core/request.ts';
import { refusedMessagesField, refusesAdaptive, withBudgetThinking, withoutMessagesField } from '../protocols/anthropic/refusals.ts';
import {
  refusedCeiling,
  refusedEfforts,
  refusedField,
  refusesEffortWithoutThinking,
  withEffortIn,
  withinCeiling,
  withoutField,
  withThinkingOn,
} from '../protocols/openai/refused-fields.ts';
import type { Protocol } from '../protocols/types.ts';
import type { ProviderAdapter, RequestBody } from '../providers/types.ts';
import { isRecord, tryParseJson } from '../util/json.ts';

/*
 * A refused field or value sent again as the upstream takes it, and remembered per upstream and model.
 * What each protocol's servers refuse, and how a body does without it, are that protocol's rules
 * (protocols/openai/refused-fields.ts, protocols/anthropic/refusals.ts); this is the retry and the memory.
 */

/** The body without `field`, by the rules of the upstream's protocol (Messages or Chat Completions). */
function withoutFieldFor(anthropic: boolean, body: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  return anthropic ? withoutMessagesField(body, field) : withoutField(body, field);
}

/**
 * Fields each upstream refused, and the output ceiling it stated, per model (refusalScope): later requests
 * go without them (within it) at once instead of paying a refused round trip each. Kept per adapter (one per pool
 * member, made anew when a reload changes its settings), so pointing a member at another server asks that
 * server afresh.
 */
interface Known {
  fields: Set<string>;
  ceiling?: number;
  efforts?: ReasoningEffort[];
  /** An effort goes with thinking switched on (refusesEffortWithoutThinking). */
  thinkingOn?: boolean;
  /** Adaptive thinking goes as a budget (anthropic/refusals.ts). */
  budgetThinking?: boolean;
}
const refused = new WeakMap<ProviderAdapter, Map<string, Known>>();
/** Models per adapter remembered at most; a client inventing model names must not grow this without bound. */
const MAX_MODELS = 256;

/**
 * What a refusal is remembered for: the model, and the anthropic-beta set the client sent with it (order,
 * spacing and repeats aside). Anthropic refuses a beta field (context_management, output_config.effort)
 * that comes without its beta: learned from one client that left the beta out, the refusal must not strip
 * the field from another's requests that send it (Claude Code's context edits). A gateway that drops every
 * beta refuses each set once.
 */
function refusalScope(model: string, betas?: string | null): string {
  if (!betas) return model;
  const set = [...new Set(betas.split(',').map((b) => b.trim()).filter(Boolean))].sort().join(',');
  return set ? `${model}\n${set}` : model;
}

function known(adapter: ProviderAdapter, scope: string): Known {
  let models = refused.get(adapter);
  if (!models) refused.set(adapter, (models = new Map()));
  let entry = models.get(scope);
  if (!entry) {
    if (models.size >= MAX_MODELS) models.clear();
    models.set(scope, (entry = { fields: new Set() }));
  }
  return entry;
}

/**
 * The body to send first: without the fields this upstream refused before for this model and beta set
 * (refusalScope) and within the ceiling it stated, or the body itself (unparsed, the client's bytes on
 * the relay) when it refused nothing, as almost every upstream. The scope is worked out only for an
 * upstream that refused something: Claude Code sends its betas with every request.
 */
export function withoutKnownRefused(adapter: ProviderAdapter, model: string, body: RequestBody, betas?: string | null): RequestBody {
  const models = refused.get(adapter);
  if (!models) return body;
  const entry = models.get(refusalScope(model, betas));
  if (!entry) return body;
  const json = parse(body);
  let out = json;
  const anthropic = adapter.protocol === 'anthropic';
  if (out) for (const f of entry.fields) out = withoutFieldFor(anthropic, out, f) ?? out;
  if (out && entry.ceiling !== undefined) out = withinCeiling(out, entry.ceiling) ?? out;
  if (out && entry.efforts) out = withEffortIn(out, entry.efforts) ?? out;
  if (out && entry.thinkingOn) out = withThinkingOn(out) ?? out;
  if (out && entry.budgetThinking) out = withBudgetThinking(out) ?? out;
  return out && out !== json ? JSON.stringify(out) : body;
}

/**
 * After a server refused a field of `sent` the request can do without (refusedField, withoutField), or
 * an output limit above the model's (refusedCeiling): sends it again without (within it), a field at a
 * time as servers name them (MAX_RETRIES: a converted body holds few such fields), and remembers each
 * for this upstream, model and beta set (refusalScope). The response as it came when the refusal is of
 * anything else.
 */
export async function retryWithoutRefused(
  adapter: ProviderAdapter,
  model: string,
  sent: RequestBody,
  res: Response,
  send: (body: RequestBody) => Promise<Response>,
  onDropped?: (field: string) => void,
  betas?: string | null,
): Promise<Response> {
  // Parsed only once an answer is a refusal: most failures (rate limits, outages) are not.
  let current: Record<string, unknown> | undefined;
  for (let i = 0; i < MAX_RETRIES && !res.ok; i++) {
    const adjustment = adjustmentFor(adapter.protocol, res.status, await res.clone().text(), () => (current ??= parse(sent)));
    if (!adjustment) break;
    adjustment.remember(known(adapter, refusalScope(model, betas)));
    onDropped?.(adjustment.what);
    await res.body?.cancel().catch(() => {});
    current = adjustment.next;
    res = await send(JSON.stringify(current));
  }
  return res;
}

/** What a refusal asks of the body: the body to send instead, what to remember of it, what to tell the operator. */
interface Adjustment {
  next: Record<string, unknown>;
  remember(entry: Known): void;
  what: string;
}

/**
 * The one change a refusal names (a field, a ceiling, an effort), or undefined when it is no such refusal.
 * A Responses API upstream's refusals of a part are responses-retry.ts's; here only its output ceiling.
 */
function adjustmentFor(protocol: Protocol, status: number, text: string, sent: () => Record<string, unknown> | undefined): Adjustment | undefined {
  if (protocol === 'responses') return ceilingAdjustment(status, text, sent);
  if (protocol === 'anthropic') {
    if (refusesAdaptive(status, text)) {
      const body = sent();
      const next = body && withBudgetThinking(body);
      if (next) return { next, remember: (k) => (k.budgetThinking = true), what: 'adaptive thinking' };
    }
    const field = refusedMessagesField(status, text);
    if (field === undefined) return undefined;
    const body = sent();
    const next = body && withoutMessagesField(body, field);
    return next && { next, remember: (k) => k.fields.add(field), what: field };
  }
  const field = refusedField(status, text);
  if (field !== undefined) {
    const body = sent();
    const next = body && withoutField(body, field);
    return next && { next, remember: (k) => k.fields.add(field), what: field };
  }
  const ceiling = ceilingAdjustment(status, text, sent);
  if (ceiling) return ceiling;
  if (refusesEffortWithoutThinking(status, text)) {
    const body = sent();
    const next = body && withThinkingOn(body);
    return next && { next, remember: (k) => (k.thinkingOn = true), what: 'thinking on for reasoning_effort' };
  }
  // Only a body that sent an effort can have had it refused; parsed then, as for the others.
  if (!/reasoning/i.test(text)) return undefined;
  const body = sent();
  const efforts = body && refusedEfforts(status, text, body.reasoning_effort);
  if (!body || !efforts) return undefined;
  const next = withEffortIn(body, efforts);
  return next && { next, remember: (k) => (k.efforts = efforts), what: `reasoning_effort ${String(body.reasoning_effort)}` };
}

/** An output limit above the one the server states (refusedCeiling), lowered to it. */
function ceilingAdjustment(status: number, text: string, sent: () => Record<string, unknown> | undefined): Adjustment | undefined {
  const ceiling = refusedCeiling(status, text);
  if (ceiling === undefined) return undefined;
  const body = sent();
  const next = body && withinCeiling(body, ceiling);
  return next && { next, remember: (k) => (k.ceiling = ceiling), what: `output limit above ${ceiling}` };
}

function parse(body: RequestBody): Record<string, unknown> | undefined {
  const value = tryParseJson(typeof body === 'string' ? body : utf8.decode(body));
  return isRecord(value) ? value : undefined;
}

const utf8 = new TextDecoder();
const MAX_RETRIES = 5;
