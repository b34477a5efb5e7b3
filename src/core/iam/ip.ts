/**
 * IPv4 and IPv6 addresses and CIDR blocks for the `IpAddress`/`NotIpAddress` operators (reference §A.1.7:
 * "IPv4 or IPv6 CIDR; a bare IP means /32"). Addresses are held as bigint so both families share one test.
 */

export interface Cidr {
  readonly v6: boolean;
  readonly network: bigint;
  readonly mask: bigint;
}

export function parseIp(s: string): { v6: boolean; value: bigint } | undefined {
  if (s.includes(':')) {
    const v = parseIpv6(s);
    return v === undefined ? undefined : { v6: true, value: v };
  }
  const v = parseIpv4(s);
  return v === undefined ? undefined : { v6: false, value: v };
}

/**
 * Four dot-separated decimal octets of one to three digits, each at most 255, none of more than one digit starting with
 * `0`. One pass over the characters and one bigint at the end: every request's `aws:SourceIp` is read here by each IP
 * condition a decision evaluates.
 *
 * A leading zero (`010.0.0.1`) has two readings, octal 8 to BSD's `inet_aton` (glibc, curl, URL parsers) and decimal 10
 * to others: read one way behind an access check, an address passed on the other way slips past it (CVE-2021-29921,
 * Python `ipaddress`; CVE-2021-28918, npm `netmask`). Go's `net.ParseIP` and Node's `net.isIP` refuse it, and so does
 * this (review kt, 2): no policy value is written with one, and a request value with one is unreadable (fails closed).
 */
function parseIpv4(s: string): bigint | undefined {
  let out = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return undefined;
      out = out * 256 + octet;
      octet = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39 || ++digits > 3) return undefined;
    if (digits === 2 && octet === 0) return undefined;
    octet = octet * 10 + (c - 0x30);
    if (octet > 255) return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return BigInt(out * 256 + octet);
}

function parseIpv6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const group = (g: string): number | undefined => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : undefined);
  const side = (t: string): number[] | undefined => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      const n = group(g);
      if (n === undefined) return undefined;
      out.push(n);
    }
    return out;
  };
  const head = side(halves[0] ?? '');
  if (head === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const rest = side(halves[1] ?? '');
    if (rest === undefined) return undefined;
    const all = rest;
    const fill = 8 - head.length - all.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...all];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  let out = 0n;
  for (const g of groups) out = (out << 16n) | BigInt(g);
  return out;
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!addr) return undefined;
  const bits = addr.v6 ? 128 : 32;
  let prefix = bits;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > bits) return undefined;
  }
  const all = (1n << BigInt(bits)) - 1n;
  const mask = prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
  return { v6: addr.v6, network: addr.value & mask, mask };
}

export function isValidCidr(s: string): boolean {
  return parseCidr(s) !== undefined;
}

/** Whether `s` holds an IPv4 octet of more than one digit starting with `0` (`010.0.0.1`), which `parseIp` refuses. */
export function hasLeadingZeroOctet(s: string): boolean {
  return s.includes('.') && /(?:^|[.:])0\d+(?=[./]|$)/.test(s);
}

/** `::ffff:0:0/96`, the IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2). */
const MAPPED_PREFIX = 0xffffn << 32n;
const LOW32 = 0xffffffffn;

/** Prefix /96: the mask of an IPv6 CIDR that lies inside `::ffff:0:0/96` has these bits set. */
const HIGH96 = ((1n << 128n) - 1n) ^ LOW32;

/**
 * An IPv4-mapped IPv6 address (`::ffff:203.0.113.5`, what a dual-stack socket reports for an IPv4 peer) is that IPv4
 * address to an IPv4 CIDR, or a Deny on an IPv4 range would not apply to a resource server's dual-stack peer (policy
 * review C2); it stays in the IPv6 CIDRs that hold it. Likewise an IPv6 CIDR inside the mapped block
 * (`::ffff:203.0.113.0/120`) is that IPv4 range, and holds its IPv4 addresses (policy review CX2). Otherwise an IPv4
 * address is in no IPv6 CIDR (`::/0` is IPv6 only).
 */
export function cidrContains(c: Cidr, ip: { v6: boolean; value: bigint }): boolean {
  if (c.v6 === ip.v6) return (ip.value & c.mask) === c.network;
  if (c.v6) return (c.mask & HIGH96) === HIGH96 && (c.network & HIGH96) === MAPPED_PREFIX && ((MAPPED_PREFIX | ip.value) & c.mask) === c.network;
  if ((ip.value & ~LOW32) !== MAPPED_PREFIX) return false;
  return ((ip.value & LOW32) & c.mask) === c.network;
}

const ALL128 = (1n << 128n) - 1n;

/**
 * Which address family `cidrs` hold every address of together (as `cidrContains` matches them: an IPv6 block inside
 * the mapped one holds those IPv4 addresses, an IPv4 block the mapped IPv6 ones), `IPv4` first; undefined when neither.
 * Two halves (`0.0.0.0/1`, `128.0.0.0/1`) hold what `0.0.0.0/0` holds, though neither does alone.
 */
export function cidrsCoverFamily(cidrs: readonly Cidr[]): 'IPv4' | 'IPv6' | undefined {
  const v4: Array<readonly [bigint, bigint]> = [];
  const v6: Array<readonly [bigint, bigint]> = [];
  for (const c of cidrs) {
    if (c.v6) {
      v6.push([c.network, c.network | (~c.mask & ALL128)]);
      if ((c.mask & HIGH96) === HIGH96 && (c.network & HIGH96) === MAPPED_PREFIX) v4.push([c.network & LOW32, (c.network | (~c.mask & ALL128)) & LOW32]);
    } else {
      v4.push([c.network, c.network | (~c.mask & LOW32)]);
      v6.push([MAPPED_PREFIX | c.network, MAPPED_PREFIX | c.network | (~c.mask & LOW32)]);
    }
  }
  if (covers(v4, LOW32)) return 'IPv4';
  return covers(v6, ALL128) ? 'IPv6' : undefined;
}

/** Whether the closed ranges `ranges` together hold every value from 0 to `max`. */
function covers(ranges: Array<readonly [bigint, bigint]>, max: bigint): boolean {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let next = 0n;
  for (const [from, to] of ranges) {
    if (from > next) return false;
    if (to + 1n > next) next = to + 1n;
    if (next > max) return true;
  }
  return false;
}
