import { anthropicCodec } from './anthropic/index.ts';
import { geminiCodec } from './gemini/index.ts';
import { openaiCodec } from './openai/index.ts';
import type { Protocol, ProtocolCodec } from './types.ts';

export const codecs: Record<Protocol, ProtocolCodec> = {
  openai: openaiCodec,
  anthropic: anthropicCodec,
  gemini: geminiCodec,
};

export type { Protocol, ProtocolCodec } from './types.ts';
