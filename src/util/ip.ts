import { isIP, isIPv6 } from 'node:net';

/** IPv4 as is; IPv6 in canonical compressed lower-case form (RFC 5952), e.g. 2001:db8::25. */
export function canonicalIp(ip: string): string {
  if (!isIPv6(ip)) return ip;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** The 32 hex nibbles of an IPv6 address, most significant first. */
export function ipv6Nibbles(ip: string): string[] {
  const [head, tail = ''] = canonicalIp(ip).split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = canonicalIp(ip).includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.flatMap((group) => group.padStart(4, '0').split(''));
}

/** The name a PTR (or DNSBL) lookup uses for an IP: reversed octets or nibbles, under `suffix`. */
export function reverseName(ip: string, suffix?: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.${suffix ?? 'in-addr.arpa'}`;
  return `${ipv6Nibbles(ip).reverse().join('.')}.${suffix ?? 'ip6.arpa'}`;
}

/**
 * Reachable from the internet: not unspecified, loopback, link-local, RFC 1918, CGNAT, multicast or ULA space.
 * Documentation ranges (192.0.2.0/24, 2001:db8::/32) count as global so examples behave like real addresses.
 */
export function isGlobalAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    if (a === 10 || a === 127 || a === 0 || a >= 224) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 169 && b === 254) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    return true;
  }
  const first = parseInt(ipv6Nibbles(ip).slice(0, 4).join(''), 16);
  if (canonicalIp(ip) === '::1' || canonicalIp(ip) === '::') return false;
  if ((first & 0xfe00) === 0xfc00) return false; // ULA fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link-local
  return true;
}

/** An IP address as a number, for prefix arithmetic. */
export function ipToBigInt(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
  return BigInt(`0x${ipv6Nibbles(ip).join('')}`);
}

/** Whether `ip` lies in `network/prefix` (same family only; a prefix longer than the family allows never matches). */
export function ipInPrefix(ip: string, network: string, prefix: number): boolean {
  const family = isIP(ip);
  if (family === 0 || family !== isIP(network)) return false;
  const bits = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return false;
  const shift = BigInt(bits - prefix);
  return ipToBigInt(ip) >> shift === ipToBigInt(network) >> shift;
}

/** Whether `ip` lies in the CIDR block `network/prefix` (or equals a bare address). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [network, prefix] = cidr.split('/');
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return false;
  const bits = isIP(network) === 4 ? 32 : 128;
  return ipInPrefix(ip, network, prefix === undefined ? bits : Number(prefix));
}

/** Host names as reports and comparisons use them: lower case, no trailing dot. */
export function normaliseHostname(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** 4, 6, or 0 for something that is not an IP address. */
export function ipFamily(ip: string): 0 | 4 | 6 {
  return isIP(ip) as 0 | 4 | 6;
}
