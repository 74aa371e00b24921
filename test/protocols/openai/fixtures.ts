/**
 * Raw upstream SSE bodies, byte for byte as the servers send them (blank-line framing, comments,
 * CRLF where the server uses it). String.raw keeps the JSON escapes exactly as on the wire.
 */

/**
 * Interpolated, not written inline: Bun's transpiler re-escapes astral characters inside template
 * literals as \u{…}, which String.raw would then hand over verbatim.
 */
const SMILE = '🙂';

/** api.openai.com, gpt-4o, stream_options.include_usage: role chunk, multi-byte text, finish, usage, [DONE]. */
export const OPENAI_TEXT = String.raw`data: {"id":"chatcmpl-C9xYz","object":"chat.completion.chunk","created":1755000000,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_07871e2ad8","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Gx3aQ"}

data: {"id":"chatcmpl-C9xYz","object":"chat.completion.chunk","created":1755000000,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_07871e2ad8","choices":[{"index":0,"delta":{"content":"你好"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"k2"}

data: {"id":"chatcmpl-C9xYz","object":"chat.completion.chunk","created":1755000000,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_07871e2ad8","choices":[{"index":0,"delta":{"content":"${SMILE} \"world\"\n"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x"}

data: {"id":"chatcmpl-C9xYz","object":"chat.completion.chunk","created":1755000000,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_07871e2ad8","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null,"obfuscation":"Zq1"}

data: {"id":"chatcmpl-C9xYz","object":"chat.completion.chunk","created":1755000000,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_07871e2ad8","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":5,"total_tokens":24,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"obfuscation":"p"}

data: [DONE]

`;

/** api.openai.com, two parallel tool calls, no include_usage (so no usage chunk). */
export const OPENAI_TOOL_CALLS = String.raw`data: {"id":"chatcmpl-T1","object":"chat.completion.chunk","created":1755000100,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-T1","object":"chat.completion.chunk","created":1755000100,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-T1","object":"chat.completion.chunk","created":1755000100,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-T1","object":"chat.completion.chunk","created":1755000100,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_def","type":"function","function":{"name":"get_time","arguments":""}}]},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-T1","object":"chat.completion.chunk","created":1755000100,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\":\"CET\"}"}}]},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-T1","object":"chat.completion.chunk","created":1755000100,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}

data: [DONE]

`;

/**
 * DeepSeek reasoner: `: keep-alive` comments, reasoning_content then content (the other one null),
 * usage on the finish chunk itself, CRLF line endings.
 */
export const DEEPSEEK_REASONING = String.raw`: keep-alive

data: {"id":"3f1c","object":"chat.completion.chunk","created":1755000200,"model":"deepseek-reasoner","system_fingerprint":"fp_ds","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":""},"logprobs":null,"finish_reason":null}]}

data: {"id":"3f1c","object":"chat.completion.chunk","created":1755000200,"model":"deepseek-reasoner","system_fingerprint":"fp_ds","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"用户问"},"logprobs":null,"finish_reason":null}]}

data: {"id":"3f1c","object":"chat.completion.chunk","created":1755000200,"model":"deepseek-reasoner","system_fingerprint":"fp_ds","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"首都。"},"logprobs":null,"finish_reason":null}]}

: keep-alive

data: {"id":"3f1c","object":"chat.completion.chunk","created":1755000200,"model":"deepseek-reasoner","system_fingerprint":"fp_ds","choices":[{"index":0,"delta":{"content":"巴黎","reasoning_content":null},"logprobs":null,"finish_reason":null}]}

data: {"id":"3f1c","object":"chat.completion.chunk","created":1755000200,"model":"deepseek-reasoner","system_fingerprint":"fp_ds","choices":[{"index":0,"delta":{"content":"","reasoning_content":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":40,"total_tokens":52,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":30},"prompt_cache_hit_tokens":8,"prompt_cache_miss_tokens":4}}

data: [DONE]

`.replace(/\n/g, '\r\n');

/** OpenRouter: processing comments, `delta.reasoning`, an empty `object`, usage chunk with choices: []. */
export const OPENROUTER_REASONING = String.raw`: OPENROUTER PROCESSING

: OPENROUTER PROCESSING

data: {"id":"gen-1755-abc","provider":"Anthropic","model":"anthropic/claude-sonnet-4.5","object":"","created":1755000300,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Think","reasoning_details":[{"type":"reasoning.text","text":"Think"}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

data: {"id":"gen-1755-abc","provider":"Anthropic","model":"anthropic/claude-sonnet-4.5","object":"chat.completion.chunk","created":1755000300,"choices":[{"index":0,"delta":{"role":"assistant","content":"Done","reasoning":null},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

data: {"id":"gen-1755-abc","provider":"Anthropic","model":"anthropic/claude-sonnet-4.5","object":"chat.completion.chunk","created":1755000300,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"length","native_finish_reason":"max_tokens","logprobs":null}]}

data: {"id":"gen-1755-abc","provider":"Anthropic","model":"anthropic/claude-sonnet-4.5","object":"chat.completion.chunk","created":1755000300,"choices":[],"usage":{"prompt_tokens":30,"completion_tokens":16,"total_tokens":46,"prompt_tokens_details":{"cached_tokens":20},"completion_tokens_details":{"reasoning_tokens":6}}}

data: [DONE]

`;

/**
 * Google's OpenAI-compatible endpoint: no role-only chunk, tool_calls without `index` and with
 * `extra_content.google.thought_signature`, finish_reason on the same chunk, `tool_calls: null`.
 */
export const GEMINI_COMPAT_TOOLS = String.raw`data: {"choices":[{"delta":{"content":"Let me check.","role":"assistant","tool_calls":null},"index":0}],"created":1755000400,"id":"Xk9aZ","model":"gemini-2.5-flash","object":"chat.completion.chunk"}

data: {"choices":[{"delta":{"role":"assistant","tool_calls":[{"extra_content":{"google":{"thought_signature":"CiQBsigPz1"}},"function":{"arguments":"{\"city\":\"Paris\"}","name":"get_weather"},"id":"function-call-111","type":"function"},{"function":{"arguments":"{}","name":"get_time"},"id":"function-call-222","type":"function"}]},"finish_reason":"tool_calls","index":0}],"created":1755000400,"id":"Xk9aZ","model":"gemini-2.5-flash","object":"chat.completion.chunk"}

data: {"choices":[],"created":1755000400,"id":"Xk9aZ","model":"gemini-2.5-flash","object":"chat.completion.chunk","usage":{"completion_tokens":25,"prompt_tokens":50,"total_tokens":75}}

data: [DONE]

`;

/** A server that sends every parallel call at index 0 (each with its own id), and `content: null`. */
export const SAME_INDEX_TOOLS = String.raw`data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"local","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}

data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"local","choices":[{"index":0,"delta":{"content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}}]},"finish_reason":null}]}

data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"local","choices":[{"index":0,"delta":{"content":null,"tool_calls":[{"index":0,"id":"call_2","type":"function","function":{"name":"b","arguments":"{}"}}]},"finish_reason":null}]}

data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"local","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: [DONE]

`;

/** n=2: choice 1 is interleaved with choice 0 and must not leak into the canonical stream. */
export const TWO_CHOICES = String.raw`data: {"id":"chatcmpl-n2","object":"chat.completion.chunk","created":2,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null},{"index":1,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"chatcmpl-n2","object":"chat.completion.chunk","created":2,"model":"gpt-4o","choices":[{"index":1,"delta":{"content":"second"},"finish_reason":null}]}

data: {"id":"chatcmpl-n2","object":"chat.completion.chunk","created":2,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"first"},"finish_reason":null}]}

data: {"id":"chatcmpl-n2","object":"chat.completion.chunk","created":2,"model":"gpt-4o","choices":[{"index":1,"delta":{},"finish_reason":"length"}]}

data: {"id":"chatcmpl-n2","object":"chat.completion.chunk","created":2,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: [DONE]

`;

/** A mid-stream failure as api.openai.com sends it: an error object in a data line, then the body ends. */
export const MID_STREAM_ERROR = String.raw`data: {"id":"chatcmpl-E","object":"chat.completion.chunk","created":3,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-E","object":"chat.completion.chunk","created":3,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Partial"},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}

`;
