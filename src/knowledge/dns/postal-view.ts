import { defineFactFamily } from '../../core/facts.js';
import type { CheckContext, Evidence } from '../../core/types.js';
import type { DnsAnswer, DnsType } from '../../probes/types.js';
import { normaliseHostname } from '../../util/ip.js';
import { evidenceOf, failureText, joinList, lookup, recordsOf } from './lookups.js';

/**
 * Which servers Postal asks about a domain (app/models/domain.rb:138-142): the local resolver when
 * postal.use_local_ns_for_domain_verification is set, otherwise the domain's own nameservers as
 * DNSResolver.for_domain finds them (app/lib/dns_resolver.rb:136-142).
 */
export type PostalResolver =
  | { kind: 'local' }
  | { kind: 'nameservers'; zone: string; nameservers: string[]; ips: string[]; evidence: Evidence[] }
  | { kind: 'none'; evidence: Evidence[] }
  | { kind: 'failed'; failure: string; evidence: Evidence[] };

/**
 * dns_resolver.rb:78-92: NS of the name, then of each parent down to two labels, through the local resolver; the
 * first that has NS records wins. Then the A records of those names (dns_resolver.rb:138-140: IPv4 only), in order.
 * A lookup that fails here is one whose outcome for Postal is unknown, so the whole view is.
 */
export const postalResolver = defineFactFamily({
  name: "Postal's resolver for a domain",
  probes: ['dns'],
  key: (domain: string) => domain,
  async compute(ctx, domain: string): Promise<PostalResolver> {
    if (ctx.config.get('postal.use_local_ns_for_domain_verification')) return { kind: 'local' };
    const labels = domain.split('.');
    const evidence: Evidence[] = [];
    for (let index = 0; index < labels.length - 1; index++) {
      const zone = labels.slice(index).join('.');
      const answer = await lookup(ctx, zone, 'NS');
      evidence.push(evidenceOf(answer));
      if (answer.status === 'error') return { kind: 'failed', failure: failureText([answer]), evidence };
      const nameservers = recordsOf(answer);
      if (nameservers.length === 0) continue;
      const addresses = await Promise.all(nameservers.map((nameserver) => lookup(ctx, nameserver, 'A')));
      evidence.push(...addresses.map(evidenceOf));
      if (addresses.some((answer) => answer.status === 'error')) return { kind: 'failed', failure: failureText(addresses), evidence };
      const ips = [...new Set(addresses.flatMap(recordsOf))];
      return ips.length > 0 ? { kind: 'nameservers', zone, nameservers, ips, evidence } : { kind: 'none', evidence };
    }
    return { kind: 'none', evidence };
  },
});

/** One question to one nameserver, asked once per run. */
const serverAnswer = defineFactFamily({
  name: 'DNS answer from a nameserver',
  probes: ['dns'],
  key: (server: string, name: string, type: DnsType) => `${server} ${type} ${name}`,
  compute: (ctx, server: string, name: string, type: DnsType) => ctx.probes.dns.queryServer(server, name, type),
});

function serverEvidence(server: string, answer: DnsAnswer): Evidence {
  const evidence = evidenceOf(answer);
  return { query: `${evidence.query} @${server}`, answer: evidence.answer };
}

/** What one side saw: the records, or null when that cannot be known (with why). */
export interface View {
  records: string[] | null;
  failure: string;
  evidence: Evidence[];
  /** Who was asked, for messages. */
  asked: string;
}

/** The answer the public sees, through the configured resolver. */
export async function publicView(ctx: CheckContext, name: string, type: DnsType): Promise<View> {
  const answer = await lookup(ctx, name, type);
  const failed = answer.status === 'error';
  return { records: failed ? null : recordsOf(answer), failure: failed ? failureText([answer]) : '', evidence: [evidenceOf(answer)], asked: 'the resolver' };
}

/**
 * The records Postal gets for `name` when it checks `domain`. Ruby's Resolv::DNS asks the nameservers in order and
 * moves on only after a timeout; any other error ends the lookup with no records (Postal then stores "Missing").
 */
export async function postalView(ctx: CheckContext, domain: string, name: string, type: DnsType): Promise<View> {
  const resolver = await postalResolver(ctx, normaliseHostname(domain));
  switch (resolver.kind) {
    case 'local':
      return { ...(await publicView(ctx, name, type)), asked: 'the local resolver (use_local_ns_for_domain_verification)' };
    case 'failed':
      return { records: null, failure: `finding the nameservers of ${domain} failed: ${resolver.failure}`, evidence: resolver.evidence, asked: `the nameservers of ${domain}` };
    case 'none':
      return { records: null, failure: `${domain} has no nameservers with an A record, so Postal has no server to ask`, evidence: resolver.evidence, asked: `the nameservers of ${domain}` };
    case 'nameservers': {
      const evidence: Evidence[] = [...resolver.evidence];
      const asked = `${joinList(resolver.nameservers)} (${joinList(resolver.ips)})`;
      for (const ip of resolver.ips) {
        const answer = await serverAnswer(ctx, ip, normaliseHostname(name), type);
        evidence.push(serverEvidence(ip, answer));
        if (answer.status === 'error' && (answer.code === 'timeout' || answer.code === 'unreachable')) continue;
        return { records: recordsOf(answer), failure: '', evidence, asked };
      }
      return { records: null, failure: `none of ${asked} answered`, evidence, asked };
    }
  }
}

/**
 * Why Postal's view and the public one differ, in one sentence, and the zone to fix when a delegation is the
 * cause. Looks for a zone cut between the domain and the name, then for nameservers that disagree.
 */
export async function whyViewsDiffer(ctx: CheckContext, domain: string, name: string, type: DnsType): Promise<{ text: string; delegatedZone: string | null; evidence: Evidence[] }> {
  const resolver = await postalResolver(ctx, normaliseHostname(domain));
  if (resolver.kind !== 'nameservers') return { text: 'Postal and the public resolver were asked through different paths.', delegatedZone: null, evidence: [] };
  const evidence: Evidence[] = [];
  const target = normaliseHostname(name);
  const labels = target.split('.');
  const depth = resolver.zone.split('.').length;
  for (let count = depth + 1; count <= labels.length; count++) {
    const zone = labels.slice(labels.length - count).join('.');
    const answer = await lookup(ctx, zone, 'NS');
    evidence.push(evidenceOf(answer));
    const nameservers = recordsOf(answer);
    if (nameservers.length > 0) {
      return {
        text: `${zone} is a zone of its own, delegated to ${joinList(nameservers)}. Postal asks only the nameservers of ${resolver.zone} (${joinList(resolver.nameservers)}), which refer the question to that zone, and Postal's resolver does not follow referrals: Postal sees no record there (app/lib/dns_resolver.rb:123-128).`,
        delegatedZone: zone,
        evidence,
      };
    }
  }
  const answers = await Promise.all(resolver.ips.map(async (ip) => ({ ip, answer: await serverAnswer(ctx, ip, target, type) })));
  evidence.push(...answers.map(({ ip, answer }) => serverEvidence(ip, answer)));
  const seen = new Set(answers.filter(({ answer }) => answer.status !== 'error').map(({ answer }) => JSON.stringify(recordsOf(answer))));
  if (seen.size > 1) {
    const saying = answers.map(({ ip, answer }) => `${ip} says ${answer.status === 'answer' ? joinList(answer.records) : answer.status}`).join('; ');
    return { text: `The nameservers of ${resolver.zone} disagree (${saying}): a secondary that has not caught up with the primary. Postal asks them in order and believes the first that answers.`, delegatedZone: null, evidence };
  }
  return {
    text: `The nameservers of ${resolver.zone} answer differently from the public resolver: either the resolver still has an old answer cached (a record changed recently is seen publicly only when its TTL, or the zone's negative TTL for a new record, has run out), or the nameservers answer this host differently (split horizon).`,
    delegatedZone: null,
    evidence,
  };
}
