import type { ProtocolCodec } from '../types.ts';
import { decodeRequest } from './decode-request.ts';
import { decodeResponse } from './decode-response.ts';
import { createStreamDecoder } from './decode-stream.ts';
import { encodeRequest } from './encode-request.ts';
import { encodeResponse } from './encode-response.ts';
import { createStreamEncoder } from './encode-stream.ts';
import { decodeError, encodeError } from './errors.ts';
import { decodeModelList, encodeModelList } from './models.ts';

/** OpenAI Chat Completions, as a client-facing and as an upstream-facing wire format. */
export const openaiCodec: ProtocolCodec = {
  protocol: 'openai',
  decodeRequest: (body) => decodeRequest(body),
  encodeRequest,
  decodeResponse,
  encodeResponse,
  createStreamDecoder,
  createStreamEncoder,
  encodeError,
  decodeError,
  encodeModelList,
  decodeModelList,
};

export { isReasoningModel } from './model-rules.ts';
