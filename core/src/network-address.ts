import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses outbound requests made on a tenant's behalf (webhooks) may reach: public
 * unicast only. Loopback, private, link-local (cloud metadata lives at 169.254.169.254), CGNAT,
 * unspecified, multicast, documentation and reserved ranges are refused, and so is an IPv4 address
 * hidden in an IPv6 one (mapped, NAT64, 6to4) when the IPv4 address is itself refused.
 */
const IPV4_REFUSED: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const IPV6_REFUSED: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments (Teredo, …)'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const refusedV4 = IPV4_REFUSED.map(([network, prefix, reason]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv4');
  return { list, reason };
});
const refusedV6 = IPV6_REFUSED.map(([network, prefix, reason]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv6');
  return { list, reason };
});

/** Why `address` may not be reached, or null when it is a public address. A non-IP is refused. */
export function refusedAddressReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return refusedV4.find(({ list }) => list.check(bare, 'ipv4'))?.reason ?? null;
  if (family !== 6) return 'not an IP address';
  const embedded = embeddedIpv4(bare);
  if (embedded) {
    const reason = refusedAddressReason(embedded);
    return reason ? `${reason} (IPv4 ${embedded} inside IPv6)` : null;
  }
  return refusedV6.find(({ list }) => list.check(bare, 'ipv6'))?.reason ?? null;
}

export function isPublicAddress(address: string): boolean {
  return refusedAddressReason(address) === null;
}

/** The IPv4 address an IPv6 address carries: IPv4-mapped or -compatible (::/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
function embeddedIpv4(address: string): string | null {
  const words = expandIpv6(address);
  if (!words) return null;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  if (zeros(0, 5) && (words[5] === 0xffff || (words[5] === 0 && (words[6] !== 0 || words[7] > 1)))) return v4(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6], words[7]);
  if (words[0] === 0x2002) return v4(words[1], words[2]);
  return null;
}

/** Eight 16-bit words of an IPv6 address (with an embedded dotted quad allowed at the end). */
function expandIpv6(address: string): number[] | null {
  let text = address.toLowerCase();
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return null;
  const parse = (part: string | undefined) => (part ? part.split(':').map((word) => parseInt(word, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return null;
  const words = [...left, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return words.length === 8 && words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : null;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (how a dual-stack socket reports IPv4 peers). */
export function isLoopbackAddress(address: string): boolean {
  return /^(::ffff:)?127\./.test(address) || address === '::1';
}
