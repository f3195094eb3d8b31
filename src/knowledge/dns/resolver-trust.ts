import type { Context } from '../../core/types.js';
import type { DnsAnswer } from '../../probes/types.js';
import { defineFactFamily } from '../../core/facts.js';
import { ipInCidr } from '../../util/ip.js';

export type Purpose = 'default' | 'dnsbl';

/**
 * What a resolver said to a question whose answer is known (the root zone's NS records exist):
 * `works` when it gave them; `denies` when it said the root has none (NXDOMAIN or NODATA) — a captive
 * portal, a broken forwarder or a firewall answering for port 53, whose every "no such name" is worthless;
 * `silent` when it gave no answer at all (timeout, refused, unreachable): no working DNS.
 */
export type ResolverTrust =
  | { state: 'works'; resolver: string; answer: DnsAnswer }
  | { state: 'denies' | 'silent'; resolver: string; answer: DnsAnswer };

/** Whether blocklist questions go to other servers than ordinary ones (the CLI passes --resolver on when none is given). */
export function separateBlocklistResolver(ctx: Context): boolean {
  const { resolvers, dnsblResolvers } = ctx.options;
  return dnsblResolvers.length > 0 && dnsblResolvers.join(' ') !== resolvers.join(' ');
}

/** How the report names the resolver a purpose uses, and how to give another. */
export function resolverName(ctx: Context, purpose: Purpose): { resolver: string; flag: string } {
  const own = purpose === 'dnsbl' && separateBlocklistResolver(ctx);
  const given = own ? ctx.options.dnsblResolvers : ctx.options.resolvers;
  const flag = own ? '--dnsbl-resolver' : '--resolver';
  if (given.length === 0) return { resolver: 'the system resolver (/etc/resolv.conf)', flag };
  return { resolver: `${given.join(', ')} (${flag})`, flag };
}

/** The root's NS question, asked once per resolver and run, straight to the probe (lookup() waits for this). */
export const resolverTrust = defineFactFamily({
  name: 'resolver sanity',
  probes: ['dns'],
  key: (purpose: Purpose) => purpose,
  compute: async (ctx, purpose: Purpose): Promise<ResolverTrust> => {
    const answer = await ctx.probes.dns.query('.', 'NS', purpose);
    const { resolver } = resolverName(ctx, purpose);
    if (answer.status === 'answer') return { state: 'works', resolver, answer };
    return { state: answer.status === 'error' ? 'silent' : 'denies', resolver, answer };
  },
});

/**
 * What a lookup through an untrusted resolver gives instead of its answer: an error that points to
 * dns.resolver, so every check says `unknown` (and no lookup waits for a resolver that never answers).
 */
export function distrustedAnswer(trust: ResolverTrust, query: string): DnsAnswer {
  // The resolver is named once, by dns.resolver; here only the pointer to it.
  const why = trust.state === 'denies' ? 'the resolver denies names that exist, see dns.resolver' : 'no working DNS, see dns.resolver';
  return { query, status: 'error', code: trust.state === 'denies' ? 'untrusted' : 'unreachable', detail: why };
}

/**
 * A blocklist zone's own test entries (RFC 5782 §5): 127.0.0.2 must be listed, 127.0.0.1 must not.
 * `refused` is Spamhaus' 127.255.255.x "query refused" answer; `silent` an error.
 */
export type ZoneTest = { zone: string; state: 'works' | 'unlisted-test-entry' | 'lists-everything' | 'refused' | 'silent'; evidence: DnsAnswer[] };

export const blocklistZoneTest = defineFactFamily({
  name: 'blocklist zone test entries',
  probes: ['dns'],
  key: (zone: string) => zone,
  compute: async (ctx, zone: string): Promise<ZoneTest> => {
    const [listed, unlisted] = await Promise.all([ctx.probes.dns.query(`2.0.0.127.${zone}`, 'A', 'dnsbl'), ctx.probes.dns.query(`1.0.0.127.${zone}`, 'A', 'dnsbl')]);
    const evidence = [listed, unlisted];
    const codes = (answer: DnsAnswer) => (answer.status === 'answer' ? answer.records : []);
    if (listed.status === 'error' || unlisted.status === 'error') return { zone, state: 'silent', evidence };
    if ([...codes(listed), ...codes(unlisted)].some((code) => ipInCidr(code, '127.255.255.0/24'))) return { zone, state: 'refused', evidence };
    if (!codes(listed).some((code) => ipInCidr(code, '127.0.0.0/8'))) return { zone, state: 'unlisted-test-entry', evidence };
    if (codes(unlisted).length > 0) return { zone, state: 'lists-everything', evidence };
    return { zone, state: 'works', evidence };
  },
});
