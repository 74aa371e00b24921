/** Random ids in each protocol's own style, so clients that check prefixes are not surprised. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomId(length = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

export const openaiCompletionId = (): string => `chatcmpl-${randomId(29)}`;
export const openaiToolCallId = (): string => `call_${randomId(24)}`;
export const anthropicMessageId = (): string => `msg_${randomId(24)}`;
export const anthropicToolUseId = (): string => `toolu_${randomId(24)}`;
