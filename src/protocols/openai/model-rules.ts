/**
 * What OpenAI's newer models refuse on /v1/chat/completions, each with the public report that quotes
 * the API's 400. Matched on the id the upstream gets, without a provider prefix (`openai/o3`) and
 * with or without a date (`gpt-5-mini-2025-08-07`).
 */
import type { ReasoningEffort } from '../../core/request.ts';

const bare = (model: string): string => model.slice(model.lastIndexOf('/') + 1).toLowerCase();

/**
 * Models that reason before answering: they take `max_completion_tokens` (and refuse `max_tokens`) and
 * only the default temperature/top_p. The o-series and gpt-5; gpt-6 reasons by default too (below).
 */
const REASONING_MODEL = /^(?:o[1-9]|gpt-(?:[5-9]|\d\d)|codex-)/;
/** OpenAI's older chat models answer "Unsupported parameter" to reasoning_effort. */
const NO_REASONING_EFFORT = /^(?:gpt-4|gpt-3\.5|chatgpt-4o)/;
/**
 * Models whose thinking mode answers 400 to a conversation with tool calls whose assistant messages come
 * back without the `reasoning_content` they streamed (DeepSeek V4, any such message: "The
 * `reasoning_content` in the thinking mode must be passed back to the API."; before it "Missing
 * `reasoning_content` field in the assistant message"; Kimi's thinking models, a tool-call message).
 * Others must not get the field: Mistral (422 extra_forbidden), Cerebras and StepFun refuse it.
 */
const REASONING_BACK = /deepseek|kimi|moonshot/i;

/**
 * Models that take text parts only: DeepSeek's chat API answers 400 "unknown variant `image_url`, expected
 * `text`" to any other part, and the part stays in every later request of the session (Gitlawb/openclaude#1071,
 * farion1231/cc-switch#3663). Its vision and OCR models (deepseek-vl2, DeepSeek-OCR, Janus) do take images.
 */
const TEXT_ONLY = /deepseek(?![-_]?(?:vl|ocr))/i;
const NOT_TEXT_ONLY = /janus/i;

/**
 * Gemini models behind an OpenAI-compatible endpoint (Google's own, or a gateway): Gemini 3 answers 400
 * "Function call is missing a thought_signature" unless each call carries back its
 * `extra_content.google.thought_signature`. Others get no unknown field to refuse (Mistral: 422 extra_forbidden).
 */
const TAKES_THOUGHT_SIGNATURES = /gemini/i;

/**
 * Models that refuse forced tool use (`required` or a named function). DeepSeek's that think by default
 * (V4, its deepseek-flash/-pro names, deepseek-reasoner, which now serves V4 thinking): 400 "Thinking mode
 * does not support this tool_choice" (deepseek-ai/DeepSeek-V3#1376, BerriAI/litellm#37470); deepseek-chat
 * does not think by default and takes it. Z.AI's GLM: 400 "Tool choice must be auto"
 * (vectorize-io/hindsight#4246), and glm-4.6 hangs on a named tool (Smana/runlore#391).
 */
const NO_FORCED_TOOL = /^(?:deepseek-(?:v4|reasoner|flash|pro)|glm-)/;

export const refusesForcedToolChoice = (model: string): boolean => NO_FORCED_TOOL.test(bare(model));

/**
 * Moonshot's Kimi validates tool parameters as its own "moonshot flavored json schema" (moonshot-schema.ts
 * has the rules and their sources). Rewriting them is harmless elsewhere, so other hosts of the model match too.
 */
const MOONSHOT_SCHEMAS = /kimi|moonshot/i;

export const wantsMoonshotSchemas = (model: string): boolean => MOONSHOT_SCHEMAS.test(model);

/**
 * Models some servers answer only as a stream: Qwen3's open models think by default, and DashScope
 * answers a request without `stream` with 400 "parameter.enable_thinking must be set to false for
 * non-streaming calls" (QuantumNous/new-api#1109, coze-dev/coze-studio#324); ModelScope refuses its
 * thinking-only ones likewise ("enable thinking can not be support when `stream=False`",
 * musistudio/claude-code-router#948); QwQ and QVQ stream only. Qwen's commercial names (qwen-plus, qwen3-max)
 * and the instruct and coder models answer either way. Streaming where it was not needed costs nothing
 * but the gathering, so the match may be generous.
 */
const ONLY_STREAMED = /^(?:qwq|qvq)|^qwen3(?:\.\d+)?-(?!max|coder)(?!.*instruct)/;

export const answersOnlyStreamed = (model: string): boolean => ONLY_STREAMED.test(bare(model));

/**
 * Mistral's models, stricter than OpenAI's API in ways a history other upstreams served runs into: tool
 * call ids of exactly 9 letters and digits (call-ids.ts), no user message right after a tool message
 * (role-order.ts).
 */
const MISTRAL = /^(?:mistral|magistral|codestral|devstral|ministral|pixtral|mixtral|open-mistral|open-mixtral)/;

export const isMistralModel = (model: string): boolean => MISTRAL.test(bare(model));

/**
 * Chat templates that take a system message only at the start, as vLLM, llama.cpp, Ollama and LM Studio
 * render them: 400 "System message must be at the beginning." from Qwen 3.5 and later (vllm-project/vllm#41114,
 * QwenLM/Qwen3.8#186, ollama/ollama#17774), and MiniMax's (can1357/oh-my-pi#958).
 */
const LEADING_SYSTEM_ONLY = /qwen(?:3\.[5-9]|[4-9])|minimax/;

export const takesLeadingSystemOnly = (model: string): boolean => LEADING_SYSTEM_ONLY.test(bare(model));

/** OpenAI's own models (fine-tunes included), which take everything api.openai.com does. */
const OPENAI_MODEL = /^(?:ft:)?(?:gpt-|chatgpt-|o[1-9]|codex-|davinci|babbage)/;

export const takesThoughtSignatures = (model: string): boolean => TAKES_THOUGHT_SIGNATURES.test(model);
export const isOpenAIModel = (model: string): boolean => OPENAI_MODEL.test(bare(model));
export const takesTextOnly = (model: string): boolean => TEXT_ONLY.test(model) && !NOT_TEXT_ONLY.test(model);
export const isReasoningModel = (model: string): boolean => REASONING_MODEL.test(bare(model));
export const refusesReasoningEffort = (model: string): boolean => NO_REASONING_EFFORT.test(bare(model));
export const wantsReasoningBack = (model: string): boolean => REASONING_BACK.test(model);

/**
 * "Unsupported parameter: 'stop' is not supported with this model.": o3 and o4-mini
 * (crewAIInc/crewAI#2738, langgenius/dify#18971; o3-mini keeps it, huggingface/smolagents#1211),
 * o1-preview (crewAIInc/crewAI#1908), the gpt-5 family (FlowiseAI/Flowise#5046; gpt-5.2:
 * huggingface/smolagents#1893).
 */
const NO_STOP = /^(?:o3(?!-mini)|o4-mini|o1-preview|gpt-5)/;

/**
 * "Unsupported parameter: 'parallel_tool_calls' is not supported with this model.", even for false:
 * o1 (langchain-ai/langchain#29416), o3-mini (microsoft/semantic-kernel#10365), o4-mini
 * (evalstate/fast-agent#279, run-llama/llama_index#20865), o3 (defog-ai/defog#171).
 */
const NO_PARALLEL_TOOL_CALLS = /^o[134](?!\d)/;

/**
 * The search models: "Model incompatible request arguments supplied: frequency_penalty,
 * presence_penalty, temperature, top_p" (ChatGPTNextWeb/NextChat#6569, raycast/extensions#18304).
 */
const NO_SAMPLING = /^gpt-4o(?:-mini)?-search-preview/;

export const refusesStop = (model: string): boolean => NO_STOP.test(bare(model));
export const refusesParallelToolCalls = (model: string): boolean => NO_PARALLEL_TOOL_CALLS.test(bare(model));
export const refusesSampling = (model: string): boolean => NO_SAMPLING.test(bare(model));

const EFFORT_ORDER: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

/**
 * The reasoning_effort values a model takes, as its 400 lists them ("Unsupported value:
 * 'reasoning_effort' does not support 'minimal' with this model. Supported values are: …"). First match wins.
 */
const EFFORTS: ReadonlyArray<readonly [RegExp, readonly ReasoningEffort[]]> = [
  // The Responses-only models (openaiResponses-custom). gpt-5-codex: 'minimal' refused, "Supported
  // values are: 'low', 'medium', and 'high'." (CherryHQ/cherry-studio#10430); gpt-5.1-codex-mini takes
  // medium and high (router-for-me/CLIProxyAPI#249); the later codex models low to xhigh (gpt-5.3-codex,
  // anomalyco/models.dev#2296); gpt-5-pro high only, the later pro models medium to xhigh
  // (anomalyco/opencode#26268, models.dev#2296).
  [/^gpt-5-codex/, ['low', 'medium', 'high']],
  [/^gpt-5\.1-codex-mini/, ['medium', 'high']],
  [/^gpt-5\.(?:1-codex-max|[2-9]-codex)/, ['low', 'medium', 'high', 'xhigh']],
  [/^gpt-5-pro/, ['high']],
  // The o-series takes low, medium and high (OpenAI's reasoning guide: 'minimal' and 'none' came with
  // gpt-5 and gpt-5.1); codex-mini-latest is an o4-mini.
  [/^(?:o\d|codex-mini)/, ['low', 'medium', 'high']],
  [/^gpt-5\.[2-9]-pro/, ['medium', 'high', 'xhigh']],
  // gpt-5.1-chat-latest, gpt-5.2-chat: only 'medium' (Laisky/one-api#266, #285, egoist/chatwise-releases#1257).
  [/^gpt-5(?:\.\d+)?-chat/, ['medium']],
  // 'none' refused: "Supported values are: 'low', 'medium', and 'high'." (openai/codex#6647).
  [/^gpt-5\.1-codex(?!-)/, ['low', 'medium', 'high']],
  // 'minimal' and 'xhigh' refused (anomalyco/opencode#4451, CortexReach/memory-lancedb-pro#201).
  [/^gpt-5\.1(?!\d)/, ['none', 'low', 'medium', 'high']],
  // 'minimal' refused: gpt-5.2 (CherryHQ/cherry-studio#11864), gpt-5.5 (earendil-works/pi#5243),
  // gpt-5.6 (livekit/agents#7169); gpt-5.4 takes the same set (anomalyco/models.dev#2351).
  [/^gpt-5\.[2-6](?!\d)/, ['none', 'low', 'medium', 'high', 'xhigh']],
  // gpt-5, -mini, -nano: 'none' (rikkahub/rikkahub#856) and 'xhigh' (microsoft/vscode#301045) refused.
  [/^gpt-5(?![.\d])/, ['minimal', 'low', 'medium', 'high']],
];

/**
 * Function tools with reasoning on /v1/chat/completions: "Function tools with reasoning_effort are not
 * supported for gpt-5.4 in /v1/chat/completions. Please use /v1/responses instead." Without
 * reasoning_effort the tools are taken: gpt-5.4 (pipecat-ai/pipecat#4043, openai/openai-openapi#541),
 * gpt-5.5 (charmbracelet/crush#2913), gpt-5.2 (livekit/agents#5088).
 */
const TOOLS_WITHOUT_EFFORT = /^gpt-5\.[245](?!\d)/;

/**
 * The same refusal, "… or set reasoning_effort to 'none'", also when none is sent, as these models
 * reason by default: gpt-5.6 and its sol/terra/luna (BerriAI/litellm#34569, GEMISIS/leviath#333,
 * livekit/agents#7169), gpt-6-sol and gpt-6-astra (onyx-dot-app/onyx#15008, Wei-Shaw/sub2api#6740).
 */
const TOOLS_WITH_EFFORT_NONE = /^gpt-(?:5\.6|6)(?!\d)/;

/**
 * The reasoning_effort to send, if any: what the client asked for, or the nearest value the model
 * takes (on a tie the higher, so a model asked to think a little still thinks); with function tools,
 * what those models need to take the tools at all (reasoning can't be had with tools there).
 */
export function effortFor(model: string, effort: ReasoningEffort | undefined, hasTools: boolean): ReasoningEffort | undefined {
  const id = bare(model);
  if (hasTools && TOOLS_WITH_EFFORT_NONE.test(id)) return 'none';
  if (hasTools && TOOLS_WITHOUT_EFFORT.test(id)) return undefined;
  return nearestEffort(model, effort);
}

/** The effort itself when the model takes it, else the nearest one it takes (on a tie the higher). */
export function nearestEffort(model: string, effort: ReasoningEffort | undefined): ReasoningEffort | undefined {
  const id = bare(model);
  if (effort === undefined) return undefined;
  const allowed = EFFORTS.find(([re]) => re.test(id))?.[1];
  return allowed ? nearestIn(allowed, effort) : effort;
}

/** The effort itself when `allowed` holds it, else the nearest one it holds (on a tie the higher). */
export function nearestIn(allowed: readonly ReasoningEffort[], effort: ReasoningEffort): ReasoningEffort {
  if (allowed.includes(effort)) return effort;
  const at = EFFORT_ORDER.indexOf(effort);
  let best = allowed[0]!;
  for (const a of allowed) {
    if (Math.abs(EFFORT_ORDER.indexOf(a) - at) <= Math.abs(EFFORT_ORDER.indexOf(best) - at)) best = a;
  }
  return best;
}

/**
 * Output ceilings OpenAI enforces with 400 "max_tokens is too large: N. This model supports at most M
 * completion tokens" (gpt-4o answers it to Claude Code's default 32000), as platform.openai.com/docs/models
 * lists them ("Max output tokens"). First match wins; a dated id is
 * the same model except gpt-4o-2024-05-13, which stayed at 4096. Unknown ids (OpenAI-compatible servers)
 * get no ceiling: their limits are theirs to enforce.
 */
const OUTPUT_LIMITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^gpt-4o-2024-05-13/, 4096],
  [/^(?:chatgpt-4o|gpt-4o)(?![\d.])/, 16384],
  [/^gpt-4\.1(?!\d)/, 32768],
  [/^gpt-4\.5(?!\d)/, 16384],
  [/^gpt-4-(?:turbo|\d{4}-preview|vision)/, 4096],
  [/^gpt-4(?:-32k)?(?:-\d{4})?$/, 8192],
  [/^gpt-3\.5-turbo/, 4096],
  [/^gpt-5(?:\.\d+)?-chat/, 16384],
  [/^gpt-5-pro/, 272000],
  [/^gpt-5(?![\d])/, 128000],
  [/^o1-mini/, 65536],
  [/^o1-preview/, 32768],
  [/^(?:o1|o3|o4-mini|codex-mini)(?![\d])/, 100000],
];

export function outputLimit(model: string): number | undefined {
  const id = bare(model);
  return OUTPUT_LIMITS.find(([re]) => re.test(id))?.[1];
}
