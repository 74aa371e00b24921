/**
 * Per-model refusals of the live API beyond sampling (anthropic-mock-validate.ts), with the messages
 * public reports quote: output ceilings, forced tool use on the newest models, and which models take
 * `thinking: {type: "disabled"}` at which effort.
 */
import { isRecord } from '../../../src/util/json.ts';
import { invalidRequest, type AnthropicErrorInfo } from './anthropic-mock-errors.ts';

/** continuedev/continue#4225, anthropics/claude-code#24451, Effect-TS/effect#7129; platform.claude.com's "Max output" for the rest. */
const OUTPUT_CEILINGS: ReadonlyArray<readonly [RegExp, number]> = [
  [/claude-3-(?:haiku|opus)(?!\d)/, 4096],
  [/claude-3-5-(?:sonnet|haiku)(?!\d)/, 8192],
  [/claude-3-7-sonnet(?!\d)/, 64000],
  [/claude-opus-4(?:-1)?(?:-\d{8})?(?!\d|-\d)/, 32000],
  [/claude-(?:sonnet-4(?:-[56])?|haiku-4-5|opus-4-5)(?:-\d{8})?(?!\d|-\d)/, 64000],
  [/claude-opus-4-[6-9](?!\d)/, 128000],
  [/claude-(?:sonnet|opus|fable|mythos)-5(?!\d)/, 128000],
];
/** Fable 5.1 (anthropics/claude-cookbooks#854), Opus 5.5 (can1357/oh-my-pi#12939), Mythos 5.1, Sonnet 5.5. */
const NO_FORCED_TOOL = /claude-(?:(?:fable|mythos)-5-[1-9]|(?:opus|sonnet)-5-[5-9])(?!\d)/;
/**
 * No assistant prefill: Opus/Sonnet 4.6 on and the 5 family (docs: "What's new in Claude 4.6", prefill
 * removal; message: openclaw/openclaw#75395, anomalyco/opencode#13768, cortexkit/magic-context#511).
 */
const NO_PREFILL = /claude-(?:(?:opus|sonnet)-4-[6-9]|(?:sonnet|opus|haiku|fable|mythos)-(?:[5-9]|\d\d))(?!\d)/;
/** Thinking always on: Fable/Mythos (opencode-anthropic-auth#159, cline#13203) and Opus 5.5 (its migration guide). */
const NO_DISABLED_FABLE = /claude-(?:fable|mythos)-\d/;
const NO_DISABLED_OPUS = /claude-opus-5-[5-9](?!\d)/;
/** Opus 5 takes disabled thinking only at effort high or below (docs: "What's new in Claude Opus 5"; message: anthropics/claude-code#81084). */
const DISABLED_UP_TO_HIGH = /claude-opus-5(?:-\d{8})?(?!\d|-\d)/;

export function validateModelLimits(body: Record<string, unknown>, countTokens: boolean): AnthropicErrorInfo | undefined {
  const model = typeof body.model === 'string' ? body.model : '';
  const ceiling = OUTPUT_CEILINGS.find(([re]) => re.test(model))?.[1];
  if (!countTokens && ceiling !== undefined && typeof body.max_tokens === 'number' && body.max_tokens > ceiling) {
    return invalidRequest(`max_tokens: ${body.max_tokens} > ${ceiling}, which is the maximum allowed number of output tokens for ${model}`);
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.at(-1);
  if (!countTokens && NO_PREFILL.test(model) && isRecord(last) && last.role === 'assistant') {
    return invalidRequest('This model does not support assistant message prefill. The conversation must end with a user message.');
  }
  const choice = isRecord(body.tool_choice) ? body.tool_choice.type : undefined;
  if (NO_FORCED_TOOL.test(model) && (choice === 'any' || choice === 'tool')) {
    return invalidRequest('tool_choice: type "tool" and "any" are not supported for this model.');
  }
  if (!isRecord(body.thinking) || body.thinking.type !== 'disabled') return undefined;
  if (NO_DISABLED_FABLE.test(model)) {
    return invalidRequest(
      '"thinking.type.disabled" is not supported for this model. Thinking defaults to adaptive mode when not specified; use "thinking.type.enabled" with "budget_tokens" for extended thinking.',
    );
  }
  if (NO_DISABLED_OPUS.test(model)) {
    return invalidRequest('"thinking.type.disabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.');
  }
  const effort = isRecord(body.output_config) ? body.output_config.effort : undefined;
  if (DISABLED_UP_TO_HIGH.test(model) && (effort === 'xhigh' || effort === 'max')) {
    return invalidRequest(`output_config.effort '${effort}' is not supported when thinking is disabled on this model. Use effort 'high' or below, or enable thinking.`);
  }
  return undefined;
}
