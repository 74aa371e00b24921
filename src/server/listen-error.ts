import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * A port or address the server cannot listen on, said in one line. A busy port may free itself (an
 * old instance still shutting down), so it exits 1 and systemd restarts; an address that is not this
 * machine's or a port it may not take will not change by waiting: exit 2, as a configuration error.
 */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

/** This machine's interfaces (os.networkInterfaces); a parameter so a sandbox that hides them can be shown. */
export type Interfaces = () => ReturnType<typeof networkInterfaces>;

export async function explainListenFailure(e: unknown, host: string, port: number, interfaces: Interfaces = networkInterfaces): Promise<ListenError> {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const reason = await listenFailure(e, host, port, interfaces);
  return new ListenError(`cannot listen on ${where}: ${reason}`, reason === IN_USE ? 1 : 2);
}

const IN_USE = 'the port is already in use (choose another with --port, AIPROXY_PORT or port: in config.yaml)';

/**
 * Bun's listen error in words. Its code cannot be taken at its word when the host is a name: one it
 * cannot resolve comes back as ENOENT, EADDRNOTAVAIL or "Failed to start server. Is port 3000 in use?"
 * (errno read after the fact), so the address is checked here before the code is believed.
 */
async function listenFailure(e: unknown, host: string, port: number, interfaces: Interfaces): Promise<string> {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'EACCES' || code === 'EPERM') return port < 1024 ? 'permission denied (ports below 1024 need privileges)' : 'permission denied';
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((a) => a.address),
        () => undefined,
      );
  if (!addresses?.length) return 'the host name does not resolve';
  const local = addresses.map((a) => isLocalAddress(a, interfaces));
  // Unknown (the interfaces cannot be listed) is not "not this machine's": the error code is believed then.
  if (local.every((l) => l === false)) {
    return isIP(host) ? 'not an address of this machine' : `not an address of this machine (it resolves to ${addresses.join(', ')})`;
  }
  if (code === 'EADDRINUSE') return IN_USE;
  if (code === 'EADDRNOTAVAIL' || code === 'EINVAL') return 'not an address this machine can listen on';
  return (e as Error | null)?.message ?? String(e);
}

/**
 * An address a socket here may bind: the wildcards, all of 127.0.0.0/8 (Linux binds any of it), an
 * interface's own. Undefined when the interfaces cannot be listed: getifaddrs needs a netlink socket,
 * which scripts/aiproxy.service's RestrictAddressFamilies (AF_INET AF_INET6 AF_UNIX) refuses, and
 * networkInterfaces() then throws ("getifaddrs returned an error"): a listen failure on a LAN address
 * under the unit ended in that stack trace instead of its reason.
 */
function isLocalAddress(address: string, interfaces: Interfaces): boolean | undefined {
  const a = address.replace(/%.*$/, '').replace(/^::ffff:(?=\d+\.)/i, '');
  if (a === '0.0.0.0' || a === '::' || a.startsWith('127.')) return true;
  let found;
  try {
    found = interfaces();
  } catch {
    return undefined;
  }
  return Object.values(found).some((list) => list?.some((i) => i.address.replace(/%.*$/, '') === a));
}

