/**
 * Which addresses a webhook may be sent to. At delivery the callback's host is resolved and every
 * address is classified here; only `public` ones are connected to (unless the deployment allows
 * private ones: WEBHOOK_ALLOW_PRIVATE_ADDRESSES), so a callback URL cannot make the worker call
 * the services around it (the cloud metadata endpoint, Redis, MongoDB, an admin port...).
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'shared' | 'unspecified' | 'multicast' | 'reserved' | 'invalid';

const V4: Array<[string, number, AddressClass]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'], // CGNAT (RFC 6598)
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes 169.254.169.254, the metadata endpoint
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // documentation
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255
];

const V6: Array<[string, number, AddressClass]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b::', 96, 'reserved'], // NAT64: could reach any IPv4 address behind the translator
  ['64:ff9b:1::', 48, 'reserved'],
  ['100::', 64, 'reserved'], // discard
  ['2001:db8::', 32, 'reserved'], // documentation
  ['2002::', 16, 'reserved'], // 6to4: embeds an IPv4 address
  ['fc00::', 7, 'private'], // unique local (ULA), includes fd00:ec2::254 (AWS metadata over IPv6)
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'reserved'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
];

const lists = new Map<AddressClass, BlockList>();
for (const [net, prefix, cls] of V4) {
  const list = lists.get(cls) ?? new BlockList();
  list.addSubnet(net, prefix, 'ipv4');
  lists.set(cls, list);
}
for (const [net, prefix, cls] of V6) {
  const list = lists.get(cls) ?? new BlockList();
  list.addSubnet(net, prefix, 'ipv6');
  lists.set(cls, list);
}

/** The 8 groups of an IPv6 address (dotted IPv4 tails included), or null. */
function hextets(address: string): number[] | null {
  let text = address.toLowerCase();
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, ...rest] = text.split('::');
  if (rest.length > 0) return null;
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** An IPv4 address carried inside IPv6 (`::ffff:a.b.c.d` mapped, `::a.b.c.d` compatible), else null. */
function embeddedV4(address: string): string | null {
  const g = hextets(address);
  if (!g || g.slice(0, 5).some((x) => x !== 0)) return null;
  const mapped = g[5] === 0xffff;
  const compatible = g[5] === 0 && (g[6] !== 0 || g[7]! > 1); // not :: nor ::1
  if (!mapped && !compatible) return null;
  return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
}

/** What kind of address `address` is (an IP literal; anything else is `invalid`). */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return 'invalid';
  if (family === 6) {
    const v4 = embeddedV4(bare);
    if (v4 !== null) return isIP(v4) === 4 ? classifyAddress(v4) : 'invalid';
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of lists) if (list.check(bare, type)) return cls;
  return 'public';
}

/** Whether a webhook may connect to `address`: public ones always, the rest only when `allowPrivate`. */
export function isAllowedAddress(address: string, options: { allowPrivate: boolean }): boolean {
  const cls = classifyAddress(address);
  if (cls === 'invalid') return false;
  return cls === 'public' || options.allowPrivate;
}
