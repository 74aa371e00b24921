/**
 * Claude models whose API dropped manual thinking and the sampling parameters: Opus 4.7 and 4.8, and
 * the 5 family (Sonnet 5, Opus 5, Fable 5, Mythos 5). `thinking.type: "enabled"` answers 400 ("not
 * supported for this model. Use thinking.type.adaptive and output_config.effort"), and so does any
 * temperature, top_p or top_k ("`temperature` is deprecated for this model"). Matched on the model id
 * the upstream gets, with or without a date or a cloud prefix (`anthropic.claude-sonnet-5-v1:0`).
 */
const ADAPTIVE_ONLY = /claude-(?:opus-4-[7-9]|(?:sonnet|opus|haiku|fable|mythos)-(?:[5-9]|\d\d))(?!\d)/i;

export function adaptiveOnly(model: string): boolean {
  return ADAPTIVE_ONLY.test(canonicalId(model));
}

const canonicalIds = new Map<string, string>();

/**
 * Gateways write versions with dots (claude-opus-4.5); the API's ids use dashes. Asked several times
 * per converted request of the few ids in use: kept, not rewritten each time.
 */
function canonicalId(model: string): string {
  let id = canonicalIds.get(model);
  if (id === undefined) {
    if (canonicalIds.size >= 256) canonicalIds.clear(); // ids in use are few; this only bounds a misuse
    canonicalIds.set(model, (id = model.replace(/(\d)\.(\d)/g, '$1-$2')));
  }
  return id;
}

/**
 * Output ceilings the API enforces with 400 "max_tokens: N > M, which is the maximum allowed number of
 * output tokens for <model>", each from a public report of that message: claude-3-haiku 4096
 * (continuedev/continue#4225, microsoft/vscode#295720), Opus 4.5 64000 (anthropics/claude-code#24451),
 * Opus 4.8 128000 (Effect-TS/effect#7129); the others as the models overview and model pages of
 * platform.claude.com list them ("Max output"). A dated id (`-20250514`) is the same model; `-4-5` is not `-4`.
 */
const OUTPUT_LIMITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/claude-3-(?:haiku|opus)(?!\d)/i, 4096],
  [/claude-3-5-(?:sonnet|haiku)(?!\d)/i, 8192],
  [/claude-3-7-sonnet(?!\d)/i, 64000],
  [/claude-opus-4(?:-[01])?(?:-\d{8})?(?!\d|-\d)/i, 32000],
  [/claude-(?:sonnet-4(?:-[056])?|haiku-4-5|opus-4-5)(?:-\d{8})?(?!\d|-\d)/i, 64000],
  [/claude-opus-4-[6-9](?!\d)/i, 128000],
  [/claude-(?:sonnet|opus|fable|mythos)-5(?!\d)/i, 128000],
];

export function outputLimit(model: string): number | undefined {
  const id = canonicalId(model);
  return OUTPUT_LIMITS.find(([re]) => re.test(id))?.[1];
}

/**
 * Opus 5 and Sonnet 5 think when `thinking` is absent (docs: "What's new in Claude Opus 5", Sonnet 5
 * overview), so a client that asked for no thinking needs `thinking: {type: "disabled"}`, which both
 * accept (ChatGPTBox-dev/chatGPTBox#1026; Opus 5 only at effort high or below). Their successors and
 * Fable/Mythos refuse it ("\"thinking.type.disabled\" is not supported for this model":
 * ex-machina-co/opencode-anthropic-auth#159, cline/cline#13203 for Fable 5; Opus 5.5 per its
 * migration notes), so they are not matched: not `claude-opus-5-5`, but dated and cloud ids are.
 */
const THINKS_BY_DEFAULT_CAN_DISABLE = /claude-(?:opus|sonnet)-5(?:-\d{8})?(?!\d|-\d)/i;

export function disableThinkingExplicitly(model: string): boolean {
  return THINKS_BY_DEFAULT_CAN_DISABLE.test(canonicalId(model));
}

/**
 * Models that refuse forced tool use outright, thinking or not: 400 "tool_choice: type \"tool\" and
 * \"any\" are not supported for this model." Fable 5.1 (anthropics/claude-cookbooks#854, where
 * Fable 5 still accepts it), Opus 5.5 (can1357/oh-my-pi#12939), Mythos 5.1 and Sonnet 5.5 (their
 * migration guides list the same breaking change).
 */
const NO_FORCED_TOOL = /claude-(?:(?:fable|mythos)-5-[1-9]|(?:opus|sonnet)-5-[5-9])(?!\d)/i;

export function refusesForcedToolChoice(model: string): boolean {
  return NO_FORCED_TOOL.test(canonicalId(model));
}

/**
 * Models that refuse a conversation ending with an assistant turn (a prefill): 400 "This model does not
 * support assistant message prefill. The conversation must end with a user message." Opus and Sonnet
 * 4.6 on and the 5 family (docs: "What's new in Claude 4.6", prefill removal; openclaw/openclaw#75395
 * through an OpenAI-compatible path, anomalyco/opencode#13768, cortexkit/magic-context#511 for Sonnet 5).
 */
const NO_PREFILL = /claude-(?:(?:opus|sonnet)-4-[6-9]|(?:sonnet|opus|haiku|fable|mythos)-(?:[5-9]|\d\d))(?!\d)/i;

export function refusesPrefill(model: string): boolean {
  return NO_PREFILL.test(canonicalId(model));
}
