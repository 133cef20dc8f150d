// Where webhooks may go. The URL is an admin's input, but the service sends from inside the
// operator's network: unchecked, a webhook to 169.254.169.254 or 10.0.0.5 would reach cloud metadata
// or internal services on the service's behalf (server-side request forgery). So non-public addresses
// (private, loopback, link-local, carrier-grade NAT, multicast, reserved) are refused unless the
// operator sets WEBHOOK_ALLOW_PRIVATE=true: at creation (a literal address, or what a name resolves to
// then) and again at every connection, on the address actually dialled — a name re-pointed at an
// internal address after creation (DNS rebinding) is caught there.
import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  nonPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  nonPublic.addSubnet(network, prefix, 'ipv6');

/** True for an address that is not on the public internet (anything that is not an address counts). */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return isNonPublicAddress(mapped[1]!);
  const family = isIP(bare);
  if (family === 0) return true;
  return nonPublic.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL host as an address when it is one (IPv6 without its brackets), else undefined. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) ? bare : undefined;
}

/** The first non-public address among what `hostname` stands for now, if any (a literal, or DNS). */
export async function nonPublicAddressOf(hostname: string): Promise<string | undefined> {
  const literal = literalAddress(hostname);
  const addresses = literal ? [literal] : (await dns.promises.lookup(hostname, { all: true })).map((a) => a.address);
  return addresses.find(isNonPublicAddress);
}

export class NonPublicAddressError extends Error {
  readonly code = 'ENONPUBLIC';
  constructor(host: string, address: string) {
    super(`${host} is ${address === host ? 'a' : `${address}, a`} non-public address; WEBHOOK_ALLOW_PRIVATE=true allows it`);
  }
}

/**
 * A `lookup` for http(s).request that fails when the name resolves to a non-public address, so the
 * check holds on the connection itself, not on an earlier answer from DNS. (Node asks with `all`
 * when it races address families; it is answered in the shape it asked for.)
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((a) => isNonPublicAddress(a.address));
    if (refused) return callback(new NonPublicAddressError(hostname, refused.address), '', 0);
    if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
