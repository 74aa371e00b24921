import { decodeError, encodeError } from '../openai/errors.ts';
import { decodeModelList, encodeModelList } from '../openai/models.ts';
import type { ProtocolCodec } from '../types.ts';
import { decodeRequest } from './decode-request.ts';
import { encodeRequest } from './encode-request.ts';
import { decodeResponse } from './decode-response.ts';
import { createStreamDecoder } from './decode-stream.ts';
import { encodeResponsesResponse } from './encode-response.ts';
import { createResponsesStreamEncoder } from './encode-stream.ts';

/**
 * OpenAI's Responses API (`POST /v1/responses`): Codex CLI's protocol, and the openaiResponses-custom
 * upstream's. Errors and model lists are Chat Completions' own shapes. The answers to a client depend on
 * its request (custom tools come back as custom_tool_call items, settings are echoed), which the proxy
 * passes as `request`.
 */
export const responsesCodec: ProtocolCodec = {
  protocol: 'responses',
  decodeRequest: (body) => decodeRequest(body),
  encodeRequest,
  decodeResponse,
  encodeResponse: encodeResponsesResponse,
  createStreamDecoder,
  createStreamEncoder: createResponsesStreamEncoder,
  encodeError,
  decodeError,
  encodeModelList,
  decodeModelList,
};

export { clientTools, namespacedName } from './tool-names.ts';
export { encodeResponsesResponse } from './encode-response.ts';
export { createResponsesStreamEncoder } from './encode-stream.ts';
export { responsesEcho, type ResponsesEcho, type ResponseObject } from './response-object.ts';
