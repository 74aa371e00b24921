/**
 * What a media fetch pinned to its checked address (inline-media.ts pinnedTo) stands for: the URL with
 * the name from its Host header, and the address it actually connects to. An unpinned fetch is its own URL.
 */
export function pinnedRequest(input: string | URL | Request, init?: RequestInit): { url: string; address: string; serverName?: string } {
  const sent = new URL(String(input));
  const address = sent.hostname.replace(/^\[|\]$/g, '');
  const host = (init?.headers as Record<string, string> | undefined)?.host;
  const serverName = (init as { tls?: { serverName?: string } } | undefined)?.tls?.serverName;
  if (!host) return { url: sent.href, address, serverName };
  const named = new URL(sent.href);
  named.host = host;
  return { url: named.href, address, serverName };
}
