/**
 * The Gemini CLI release whose request shape this adapter follows (protocols.md §9). Code Assist is the
 * Gemini CLI's private API and Google tells its clients apart by User-Agent, so requests carry the CLI's
 * format, with aiproxy named in the surface slot where the CLI writes "terminal".
 */
const GEMINI_CLI_VERSION = '0.61.0';

export function userAgent(model?: string): string {
  const product = model ? `GeminiCLI/${GEMINI_CLI_VERSION}/${model}` : `GeminiCLI/${GEMINI_CLI_VERSION}`;
  return `${product} (${process.platform}; ${process.arch}; aiproxy)`;
}

export function codeAssistHeaders(token: string, opts: { model?: string; stream?: boolean } = {}): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'user-agent': userAgent(opts.model),
  };
  if (opts.stream) headers.accept = 'text/event-stream';
  return headers;
}
