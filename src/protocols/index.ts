import { anthropicCodec } from './anthropic/index.ts';
import { geminiCodec } from './gemini/index.ts';
import { openaiCodec } from './openai/index.ts';
import { responsesCodec } from './responses/index.ts';
import type { Protocol, ProtocolCodec } from './types.ts';

export const codecs: Record<Protocol, ProtocolCodec> = {
  openai: openaiCodec,
  anthropic: anthropicCodec,
  gemini: geminiCodec,
  responses: responsesCodec,
};

export type { Protocol, ProtocolCodec, UpstreamProtocol } from './types.ts';
