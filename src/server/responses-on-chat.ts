import { codecs } from '../protocols/index.ts';
import { isRecord, type JsonObject } from '../util/json.ts';
import { checkGenerateRequest } from './check-request.ts';

/**
 * Whether a Chat Completions body is a Responses API body instead: `input` (and `instructions`), no
 * `messages`. Cursor sends its OpenAI models' requests that way to `<base>/chat/completions` when
 * "Override OpenAI Base URL" is on, and reads the answer as Chat Completions (gabrii/Cursor-Azure-GPT-5#69;
 * LiteLLM gives it a /cursor/chat/completions endpoint for this). OpenAI itself answers such a body 400
 * "Missing required parameter: 'messages'" (Helicone/helicone#5629).
 */
export function isResponsesBody(json: JsonObject): boolean {
  return json.messages === undefined && json.input !== undefined;
}

/**
 * The Chat Completions body a Responses body means, through the canonical request: checked and decoded
 * as the Responses API would (a 400 names what is wrong), encoded as Chat Completions for the model it
 * names. The answer then goes back as Chat Completions, which is what the client reads.
 */
export function chatBodyFromResponses(json: JsonObject, model: string): JsonObject {
  checkGenerateRequest('responses', json);
  const req = codecs.responses.decodeRequest(json);
  const body = codecs.openai.encodeRequest(req, { model });
  // The encoder asks an upstream for usage in the stream; the client gets a usage chunk only when its
  // own body asked for one, as Cursor's does (`stream_options: {include_usage: true}` beside `input`).
  delete body.stream_options;
  const asked = isRecord(json.stream_options) && json.stream_options.include_usage === true;
  if (asked && body.stream === true) body.stream_options = { include_usage: true };
  return body;
}
