import type { CheckDefinition, Finding, Fix } from '../../core/types.js';
import { normaliseHostname } from '../../util/ip.js';
import { evidenceOf } from '../../knowledge/dns/lookups.js';
import { blocklistZoneTest, resolverName, resolverTrust, separateBlocklistResolver, type Purpose } from '../../knowledge/dns/resolver-trust.js';

/** What to do about a resolver that lies or is silent: the system one serves Postal too; a given one only this run. */
function betterResolver(system: boolean, flag: string): Fix {
  return {
    kind: 'manual',
    summary: system
      ? `Fix the resolver in /etc/resolv.conf (Postal resolves through it too), or run postal-doctor with a working one: ${flag} <address>`
      : `Run postal-doctor with a working resolver: ${flag} <address>`,
    commands: [],
  };
}

export const resolverCheck: CheckDefinition = {
  id: 'dns.resolver',
  group: 'dns',
  order: 1,
  title: 'The resolvers used answer known questions truly (the root NS; each blocklist zone\'s test entries)',
  targets: 'resolver or blocklist zone',
  probes: ['dns'],
  network: true,
  messages: {
    works: { title: '{resolver} answers', message: '{resolver} gives the NS records of the root zone ({records}).' },
    denies: {
      title: '{resolver} denies names that exist',
      message:
        '{resolver} says the root zone has no NS records ({answer}): it answers "no such name" for names that exist (a captive portal, a broken forwarder, or a firewall answering for port 53). No DNS result through it is believed: they are all unknown. Give another with {flag}.',
    },
    silent: {
      title: 'No working DNS: {resolver} does not answer',
      message: '{resolver} gave no answer for the root zone\'s NS records ({answer}); every DNS result through it is unknown. Give a working resolver with {flag}.',
    },
    'zone-works': { title: '{zone} answers its test entries', message: 'Through {resolver}, {zone} lists 2.0.0.127.{zone} and not 1.0.0.127.{zone} (RFC 5782 §5).' },
    'zone-unlisted-test-entry': {
      title: '{zone} does not list its test entry',
      message:
        'Through {resolver}, 2.0.0.127.{zone} is not listed, though every blocklist must list it (RFC 5782 §5): its "not listed" answers mean nothing (a resolver or firewall denying names, or a zone that is gone). Results for {zone} are unknown.',
    },
    'zone-lists-everything': {
      title: '{zone} lists addresses it must not',
      message: 'Through {resolver}, 1.0.0.127.{zone} is listed, though no blocklist may list it (RFC 5782 §5): the zone lists everything. Results for {zone} are unknown.',
    },
    'zone-refused': {
      title: '{zone} refused to answer',
      message: '{zone} answered with a "query refused" code (127.255.255.x) through {resolver}: the list does not answer queries that come through public or shared resolvers.',
    },
    'zone-silent': { title: '{zone} gave no answer', message: 'The test entries of {zone} could not be looked up through {resolver} ({answer}).' },
  },
  async run(ctx): Promise<Finding[]> {
    const separate = separateBlocklistResolver(ctx);
    const purposes: Purpose[] = separate ? ['default', 'dnsbl'] : ['default'];
    const zones = ctx.options.dnsblZones.map(normaliseHostname).filter((zone) => zone !== '');
    const findings: Finding[] = [];
    for (const purpose of purposes) {
      const trust = await resolverTrust(ctx, purpose);
      const { resolver, flag } = resolverName(ctx, purpose);
      const answer = evidenceOf(trust.answer);
      const evidence = [{ query: 'NS .', answer: answer.answer }];
      const data = { resolver, flag, answer: String(answer.answer), records: trust.answer.status === 'answer' ? trust.answer.records.join(', ') : '' };
      if (trust.state === 'works') findings.push({ target: resolver, status: 'pass', messageId: 'works', data, evidence });
      else findings.push({ target: resolver, status: 'fail', messageId: trust.state, data, evidence, fix: betterResolver(flag === '--resolver' && ctx.options.resolvers.length === 0, flag) });
    }
    const blocklists = await resolverTrust(ctx, separate ? 'dnsbl' : 'default');
    if (blocklists.state !== 'works') return findings;
    const { resolver } = resolverName(ctx, 'dnsbl');
    const tests = await Promise.all(zones.map((zone) => blocklistZoneTest(ctx, zone)));
    for (const test of tests) {
      const zone = test.zone;
      const failed = test.evidence.find((answer) => answer.status === 'error');
      const data = { zone, resolver, answer: failed ? String(evidenceOf(failed).answer) : '' };
      const evidence = test.evidence.map(evidenceOf);
      const status = test.state === 'works' ? 'pass' : test.state === 'refused' || test.state === 'silent' ? 'unknown' : 'warn';
      findings.push({ target: zone, status, messageId: `zone-${test.state}`, data, evidence });
    }
    return findings;
  },
};
