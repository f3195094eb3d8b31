import type { CheckContext, Evidence, Finding, MessageTemplate } from '../../core/types.js';
import type { DnsAnswer, DnsType } from '../../probes/types.js';
import { defineFactFamily } from '../../core/facts.js';
import { distrustedAnswer, resolverTrust } from './resolver-trust.js';
import { hostAddresses, outboundIps, serverIps, type SendingIp } from '../postal/outbound-ips.js';
import { canonicalIp, ipFamily, ipInCidr, isGlobalAddress, normaliseHostname } from '../../util/ip.js';
import { judgeEach } from '../../core/options.js';

const question = defineFactFamily({
  name: 'DNS answer',
  probes: ['dns'],
  key: (name: string, type: DnsType, purpose: 'default' | 'dnsbl') => `${purpose} ${type} ${name}`,
  compute: (ctx, name: string, type: DnsType, purpose: 'default' | 'dnsbl') => ctx.probes.dns.query(name, type, purpose),
});

/**
 * One DNS question, asked once per run whichever check asks it first, and only of a resolver that
 * passed its sanity test: otherwise the answer is an error pointing to dns.resolver.
 */
export async function lookup(ctx: CheckContext, name: string, type: DnsType, purpose: 'default' | 'dnsbl' = 'default'): Promise<DnsAnswer> {
  const normalised = normaliseHostname(name);
  const trust = await resolverTrust(ctx, purpose);
  if (trust.state !== 'works') return distrustedAnswer(trust, `${type} ${normalised}`);
  return question(ctx, normalised, type, purpose);
}

/** The records of an answer; empty for NXDOMAIN, NODATA and errors. */
export function recordsOf(answer: DnsAnswer): string[] {
  return answer.status === 'answer' ? answer.records : [];
}

export function isFailure(answer: DnsAnswer): answer is Extract<DnsAnswer, { status: 'error' }> {
  return answer.status === 'error';
}

/** The answer as the report shows it. */
export function evidenceOf(answer: DnsAnswer): Evidence {
  switch (answer.status) {
    case 'answer':
      return { query: answer.query, answer: answer.records };
    case 'nxdomain':
      return { query: answer.query, answer: 'NXDOMAIN (no such name)' };
    case 'nodata':
      return { query: answer.query, answer: 'NODATA (the name has no record of this type)' };
    case 'error':
      return { query: answer.query, answer: `${answer.code}: ${answer.detail}` };
  }
}

/**
 * Why lookups gave no usable answer, in one line, questions that failed alike grouped:
 * "A mx.example.com, AAAA mx.example.com: timeout (no answer from 127.0.0.53 within 5000 ms)".
 */
export function failureText(answers: DnsAnswer[]): string {
  const groups = new Map<string, string[]>();
  for (const answer of answers.filter(isFailure)) {
    const why = answer.detail && answer.detail !== answer.code ? `${answer.code} (${answer.detail})` : answer.code;
    groups.set(why, [...(groups.get(why) ?? []), answer.query]);
  }
  return [...groups].map(([why, queries]) => `${queries.join(', ')}: ${why}`).join('; ');
}

/** The A and AAAA answers of a name. */
export interface AddressLookup {
  name: string;
  answers: [DnsAnswer, DnsAnswer];
  addresses: string[];
  failed: boolean;
}

export async function addressesOf(ctx: CheckContext, name: string): Promise<AddressLookup> {
  const answers = (await Promise.all([lookup(ctx, name, 'A'), lookup(ctx, name, 'AAAA')])) as [DnsAnswer, DnsAnswer];
  return { name: normaliseHostname(name), answers, addresses: answers.flatMap(recordsOf), failed: answers.some(isFailure) };
}

/** The record type holding addresses of the IP's family. */
export function addressType(ip: string): 'A' | 'AAAA' {
  return ipFamily(ip) === 6 ? 'AAAA' : 'A';
}

/** A resource record in zone-file syntax, ready to paste. */
export function zoneRecord(name: string, type: string, value: string): string {
  const owner = `${normaliseHostname(name)}.`;
  if (type === 'TXT') {
    const chunks = value.match(/.{1,255}/g) ?? [''];
    return `${owner} 3600 IN TXT ${chunks.map((chunk) => `"${chunk.replace(/(["\\])/g, '\\$1')}"`).join(' ')}`;
  }
  return `${owner} 3600 IN ${type} ${value}`;
}

/** A/AAAA records that point `name` at `ips`. */
export function addressRecords(name: string, ips: string[]): string[] {
  return ips.map((ip) => zoneRecord(name, addressType(ip), canonicalIp(ip)));
}

export function joinList(items: string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}

/**
 * The addresses this server should be published under: the host's own global addresses first
 * (where the SMTP server listens), then the outbound IPs; one IPv4 and one IPv6 at most.
 */
export async function publishedAddresses(ctx: CheckContext): Promise<string[]> {
  const host = (await hostAddresses(ctx)).filter((address) => !address.internal && isGlobalAddress(address.address)).map((address) => address.address);
  const outbound = (await outboundIps(ctx)).map((entry) => entry.ip).filter(isGlobalAddress);
  const candidates = [...host, ...outbound].map(canonicalIp);
  return [candidates.find((ip) => ipFamily(ip) === 4), candidates.find((ip) => ipFamily(ip) === 6)].filter((ip): ip is string => ip !== undefined);
}

/** Findings for a per-IP check, in outbound-IP order: private IPs skipped, the rest judged concurrently (see judgeEach). */
export async function perOutboundIp(ctx: CheckContext, judge: (entry: SendingIp) => Promise<Finding>): Promise<Finding[]> {
  const all = await outboundIps(ctx);
  if (all.length === 0) return [{ target: null, status: 'skip', messageId: 'no-ips', data: {} }];
  return judgeEach(ctx.options, all, async (entry) =>
    isGlobalAddress(entry.ip) ? judge(entry) : { target: entry.ip, status: 'skip', messageId: 'private-ip', data: { ip: entry.ip } },
  );
}

/** Messages every per-IP check shares. */
export const PER_IP_MESSAGES: Record<'no-ips' | 'private-ip', MessageTemplate> = {
  'no-ips': {
    title: 'No outbound IP to check',
    message: 'No outbound IP is known: IP pools are off or unreadable and this host has no usable address. Pass the sending IP with --ip.',
  },
  'private-ip': {
    title: '{ip} is a private address',
    message: '{ip} is not reachable from the internet; remote mail servers see the public address it is translated to. Pass that address with --ip.',
  },
};

/** Cloudflare's published proxy ranges (cloudflare.com/ips): a proxied name only carries HTTP(S), never SMTP. */
export const HTTP_PROXY_RANGES: ReadonlyArray<{ provider: string; cidr: string }> = [
  '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18', '108.162.192.0/18',
  '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17', '162.158.0.0/15', '104.16.0.0/13',
  '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22', '2400:cb00::/32', '2606:4700::/32', '2803:f800::/32',
  '2405:b500::/32', '2405:8100::/32', '2a06:98c0::/29', '2c0f:f248::/32',
].map((cidr) => ({ provider: 'Cloudflare', cidr }));

/** The HTTP proxy an address belongs to, if any. */
export function proxyOf(ip: string): string | undefined {
  return HTTP_PROXY_RANGES.find((range) => ipInCidr(ip, range.cidr))?.provider;
}

/** Where a name's addresses lead, judged against this server's IPs. */
export type Pointing =
  | { verdict: 'here'; lookup: AddressLookup }
  | { verdict: 'proxied'; lookup: AddressLookup; elsewhere: string[]; provider: string }
  | { verdict: 'partly' | 'elsewhere'; lookup: AddressLookup; elsewhere: string[] }
  | { verdict: 'private'; lookup: AddressLookup; private: string[] }
  | { verdict: 'behind-nat'; lookup: AddressLookup }
  | { verdict: 'missing'; lookup: AddressLookup }
  | { verdict: 'lookup-failed'; lookup: AddressLookup };

export async function pointing(ctx: CheckContext, name: string): Promise<Pointing> {
  const [found, mine] = await Promise.all([addressesOf(ctx, name), serverIps(ctx)]);
  if (found.failed) return { verdict: 'lookup-failed', lookup: found };
  if (found.addresses.length === 0) return { verdict: 'missing', lookup: found };
  const privateOnes = found.addresses.filter((ip) => !isGlobalAddress(ip));
  if (privateOnes.length > 0) return { verdict: 'private', lookup: found, private: privateOnes };
  const elsewhere = found.addresses.filter((ip) => !mine.includes(ip));
  if (elsewhere.length === 0) return { verdict: 'here', lookup: found };
  const provider = elsewhere.map(proxyOf).find((name) => name !== undefined);
  if (provider) return { verdict: 'proxied', lookup: found, elsewhere, provider };
  // Behind NAT the host only knows its private addresses, so "not ours" cannot be told from "not known".
  if (!mine.some(isGlobalAddress)) return { verdict: 'behind-nat', lookup: found };
  return { verdict: elsewhere.length < found.addresses.length ? 'partly' : 'elsewhere', lookup: found, elsewhere };
}

/** Message templates for a hostname that should lead to this server; `{name}` is the host name. */
export const POINTING_MESSAGES: Record<Pointing['verdict'], MessageTemplate> = {
  here: { title: '{name} points at this server', message: '{name} has {addresses}, all of them addresses of this server.' },
  proxied: {
    title: '{name} points at the {provider} HTTP proxy',
    message:
      '{name} has {addresses}; {elsewhere} belongs to the {provider} HTTP proxy, which carries only HTTP(S): mail servers connecting to {name} on port 25 never reach Postal. The record must be DNS only (not proxied).',
  },
  partly: {
    title: '{name} also points away from this server',
    message: '{name} has {addresses}; {elsewhere} is not an address of this server ({server}), so some peers connect elsewhere.',
  },
  elsewhere: {
    title: '{name} does not point at this server',
    message: '{name} has {addresses}, none of which is an address of this server ({server}).',
  },
  private: {
    title: '{name} points at a private address',
    message: '{name} has {addresses}; {private} cannot be reached from the internet.',
  },
  'behind-nat': {
    title: 'Cannot tell whether {name} points at this server',
    message: '{name} has {addresses}, but this host only has private addresses (NAT). Pass its public address with --ip to compare.',
  },
  missing: { title: '{name} has no A or AAAA record', message: '{name} does not resolve: neither an A nor an AAAA record exists.' },
  'lookup-failed': { title: 'Could not resolve {name}', message: 'The A/AAAA lookup of {name} failed ({failure}); nothing can be said about it.' },
};

/** A finding for a name that should lead to this server. */
export async function pointingFinding(ctx: CheckContext, name: string, what: string): Promise<Finding> {
  const [result, mine, published] = await Promise.all([pointing(ctx, name), serverIps(ctx), publishedAddresses(ctx)]);
  const data = {
    name,
    addresses: joinList(result.lookup.addresses),
    server: joinList(mine),
    elsewhere: 'elsewhere' in result ? joinList(result.elsewhere) : '',
    private: 'private' in result ? joinList(result.private) : '',
    provider: 'provider' in result ? result.provider : '',
    failure: failureText(result.lookup.answers),
  };
  const evidence = result.lookup.answers.map(evidenceOf);
  const records = addressRecords(name, published);
  const replace = result.verdict === 'missing' ? '' : ' instead of its current ones';
  const pointHere = {
    kind: 'dns' as const,
    summary:
      records.length > 0
        ? `Give ${what} ${name} this server's addresses${replace}: ${joinList(published)}`
        : `Give ${what} ${name} this server's public addresses${replace} (none is known here: pass them with --ip)`,
    commands: [],
    records,
  };
  switch (result.verdict) {
    case 'here':
      return { target: name, status: 'pass', messageId: 'here', data, evidence };
    case 'partly':
      return { target: name, status: 'warn', messageId: 'partly', data, evidence, fix: pointHere };
    case 'proxied':
      return {
        target: name,
        status: 'fail',
        messageId: 'proxied',
        data,
        evidence,
        fix: { ...pointHere, summary: `Switch the record of ${name} to DNS only (in Cloudflare: the grey cloud) and point it at this server: ${records.length > 0 ? joinList(published) : 'its public addresses (none is known here: pass them with --ip)'}` },
      };
    case 'elsewhere':
    case 'private':
    case 'missing':
      return { target: name, status: 'fail', messageId: result.verdict, data, evidence, fix: pointHere };
    case 'behind-nat':
    case 'lookup-failed':
      return { target: name, status: 'unknown', messageId: result.verdict, data, evidence };
  }
}
