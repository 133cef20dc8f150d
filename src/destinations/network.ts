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

// IPv6 prefixes that carry an IPv4 address in their low 32 bits, which a gateway then dials: NAT64's
// well-known prefix and 6to4 (there the IPv4 follows the first 16 bits). BlockList already matches
// IPv4-mapped addresses (::ffff:a.b.c.d) against the IPv4 subnets.
const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');
const SIX_TO_FOUR = new BlockList();
SIX_TO_FOUR.addSubnet('2002::', 16, 'ipv6');
// The local-use NAT64 prefix translates to whatever the operator chose: refused outright.
nonPublic.addSubnet('64:ff9b:1::', 48, 'ipv6');

/** True for an address that is not on the public internet (anything that is not an address counts). */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return true;
  if (family === 6) {
    const groups = ipv6Groups(bare);
    if (NAT64.check(bare, 'ipv6')) return isNonPublicAddress(ipv4Of(groups[6]!, groups[7]!));
    if (SIX_TO_FOUR.check(bare, 'ipv6')) return isNonPublicAddress(ipv4Of(groups[1]!, groups[2]!));
  }
  return nonPublic.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded; a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = dotted
    ? address.slice(0, dotted.index) + `${((+dotted[1]! << 8) | +dotted[2]!).toString(16)}:${((+dotted[3]! << 8) | +dotted[4]!).toString(16)}`
    : address;
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
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
    if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
    const refused = addresses.find((a) => isNonPublicAddress(a.address));
    if (refused) return callback(new NonPublicAddressError(hostname, refused.address), '', 0);
    if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
