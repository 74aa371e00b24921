/** Shapes aiproxy writes on the Anthropic wire. Blocks stay open: text blocks carry client extras. */
export interface AnthropicBlock {
  type: string;
  [key: string]: unknown;
}

export interface AnthropicTurn {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}
