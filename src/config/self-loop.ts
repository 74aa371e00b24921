import { isIP } from 'node:net';
import { ConfigError } from './errors.ts';
import { showUrl } from './parsers.ts';
import { isProviderName, type ProviderName } from './providers.ts';
import type { Config } from './types.ts';

/** Where each provider's requests go when a pool member gives no base URL of its own, and its setting's names. */
const SECTION_URL: Record<ProviderName, { url: (c: Config) => string; key: string; env?: string; flag?: string }> = {
  'openai-custom': { url: (c) => c.openai.baseUrl, key: 'openai.base_url', env: 'OPENAI_BASE_URL', flag: '--openai-base-url' },
  'openaiResponses-custom': { url: (c) => c.openai.baseUrl, key: 'openai.base_url', env: 'OPENAI_BASE_URL', flag: '--openai-base-url' },
  'claude-custom': { url: (c) => c.claude.baseUrl, key: 'claude.base_url', env: 'CLAUDE_BASE_URL', flag: '--claude-base-url' },
  'gemini-cli': { url: (c) => c.gemini.baseUrl, key: 'gemini.base_url', env: 'GEMINI_BASE_URL', flag: '--gemini-base-url' },
  'gemini-cli-oauth': { url: (c) => c.gemini.codeAssistBaseUrl, key: 'gemini.code_assist_base_url' },
};

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host.endsWith('.localhost') || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

/** Whether `url` names the address this proxy listens on (its own port, on loopback or its listening host). */
function isSelf(url: string, host: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  // aiproxy serves plain HTTP only.
  if (u.protocol !== 'http:' || Number(u.port || 80) !== port) return false;
  const to = u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const at = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (to === at) return true;
  // Listening on every address, any loopback one reaches it; on one loopback address, only that one, or
  // a name that resolves to it. Another loopback address (127.0.0.2, ::1 beside 127.0.0.1) is another
  // socket, where another server may well listen on the same port.
  if (isWildcard(at)) return isLoopback(to) || isWildcard(to);
  // Connecting to 0.0.0.0 or :: reaches a loopback listener (Linux).
  if (isWildcard(to)) return isLoopback(at);
  if (isLoopbackName(to)) return at === '127.0.0.1' || at === '::1' || isLoopbackName(at);
  if (isLoopbackName(at)) return to === '127.0.0.1' || to === '::1';
  return false;
}

const isLoopbackName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost');

/**
 * Refuses a served provider whose upstream is this proxy itself: every request would come back in as a
 * new one, nested without end (thousands a second, the client hanging). The usual way there: OpenAI's
 * SDKs and Codex read OPENAI_BASE_URL too (openai/codex#1487), a user points it at aiproxy, and
 * aiproxy started from that shell takes it for its own upstream, over config.yaml's openai.base_url.
 * A base URL under another provider's prefix (`/claude-custom/v1`) routes elsewhere and is let be.
 * `at` is the address listened on, once listening: on a reload the configured host and port may not be
 * it (port 0 got a free one; a changed port takes a restart). Port 0 before listening is not checked.
 */
export function assertNoSelfLoop(config: Config, at: { host: string; port: number } = config): void {
  if (at.port === 0) return;
  for (const provider of config.modelProviders) {
    const section = SECTION_URL[provider];
    const members = config.pools[provider] ?? [];
    const targets = members.length > 0 ? members.map((m) => ({ url: m.credentials.baseUrl, member: m.name })) : [{ url: undefined, member: undefined }];
    for (const { url, member } of targets) {
      const target = url ?? section.url(config);
      if (!isSelf(target, at.host, at.port)) continue;
      const first = new URL(target).pathname.split('/')[1] ?? '';
      if (isProviderName(first) && first !== provider) continue;
      const where = url !== undefined ? `provider_pools.${provider} member "${member}": base_url` : section.key;
      const env =
        url === undefined && section.env
          ? `; if ${section.env} set it (clients pointed at aiproxy read it too), it beats config.yaml: unset it where aiproxy starts, or give ${section.flag}`
          : '';
      throw new ConfigError(`${where} ${showUrl(target)} is this proxy's own address (${provider} is served): its requests would come back to it without end${env}`);
    }
  }
}
