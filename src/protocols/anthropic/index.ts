import type { ProtocolCodec } from '../types.ts';
import { decodeRequest } from './decode-request.ts';
import { encodeRequest } from './encode-request.ts';
import { decodeResponse } from './decode-response.ts';
import { encodeResponse } from './encode-response.ts';
import { createStreamDecoder } from './decode-stream.ts';
import { createStreamEncoder } from './encode-stream.ts';
import { decodeError, encodeError } from './errors.ts';
import { decodeModelList, encodeModelList } from './models.ts';

/** Anthropic Messages, both as the format clients speak and as an upstream. */
export const anthropicCodec: ProtocolCodec = {
  protocol: 'anthropic',
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
