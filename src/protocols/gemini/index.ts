import type { ProtocolCodec } from '../types.ts';
import { decodeRequest } from './decode-request.ts';
import { decodeResponse } from './decode-response.ts';
import { createStreamDecoder } from './decode-stream.ts';
import { encodeRequest } from './encode-request.ts';
import { encodeResponse } from './encode-response.ts';
import { createStreamEncoder } from './encode-stream.ts';
import { decodeError, encodeError } from './errors.ts';
import { decodeModelList, encodeModelList } from './models.ts';

/** Gemini generateContent (AI Studio API), towards clients and upstreams alike. */
export const geminiCodec: ProtocolCodec = {
  protocol: 'gemini',
  decodeRequest,
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

export { decodeCountTokensResponse, encodeCountTokensRequest, withWrappedModel, wrappedCountRequest } from './count-tokens.ts';
export { cleanSchema } from './schema-clean.ts';
