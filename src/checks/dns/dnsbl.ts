import type { CheckDefinition, Evidence, Finding } from '../../core/types.js';
import type { DnsAnswer } from '../../probes/types.js';
import { ipInCidr, normaliseHostname, reverseName } from '../../util/ip.js';
import { blocklistZoneTest, type ZoneTest } from '../../knowledge/dns/resolver-trust.js';
import { PER_IP_MESSAGES, evidenceOf, failureText, joinList, lookup, perOutboundIp, recordsOf } from '../../knowledge/dns/lookups.js';

/** Where each well-known list lets an operator see why an IP is listed and ask for removal. */
const DELISTING: Record<string, (ip: string) => string> = {
  'zen.spamhaus.org': (ip) => `https://check.spamhaus.org/results/?query=${ip}`,
  'b.barracudacentral.org': () => 'https://www.barracudacentral.org/rbl/removal-request',
  'bl.spamcop.net': (ip) => `https://www.spamcop.net/bl.shtml?${ip}`,
};

/**
 * What Spamhaus ZEN's answers mean (Spamhaus DNSBL usage): SBL, CSS, XBL and DROP say the address sent spam or
 * is compromised; the PBL only says the range is end-user space not meant to send mail directly.
 */
const ZEN_CODES: Record<string, { list: string; policy: boolean }> = {
  '127.0.0.2': { list: 'SBL', policy: false },
  '127.0.0.3': { list: 'SBL CSS', policy: false },
  '127.0.0.4': { list: 'XBL', policy: false },
  '127.0.0.5': { list: 'XBL', policy: false },
  '127.0.0.6': { list: 'XBL', policy: false },
  '127.0.0.7': { list: 'XBL', policy: false },
  '127.0.0.9': { list: 'DROP', policy: false },
  '127.0.0.10': { list: 'PBL, listed by the provider', policy: true },
  '127.0.0.11': { list: 'PBL, listed by Spamhaus', policy: true },
};

/** ZEN itself or ZEN through a Data Query Service key (`<key>.zen.dq.spamhaus.net`). */
function isZen(zone: string): boolean {
  return zone === 'zen.spamhaus.org' || zone.endsWith('.zen.dq.spamhaus.net');
}

/** `127.0.0.10 PBL, listed by the provider` for ZEN; the bare code for other lists. */
function describeCode(zone: string, code: string): string {
  const meaning = isZen(zone) ? ZEN_CODES[code] : undefined;
  return meaning ? `${code} ${meaning.list}` : code;
}

/** A listing that is only the Spamhaus PBL: policy, not a report of spam. */
function isPolicyOnly(zone: string, codes: string[]): boolean {
  return isZen(zone) && codes.every((code) => ZEN_CODES[code]?.policy === true);
}

type Verdict =
  | { zone: string; state: 'clear' }
  | { zone: string; state: 'listed'; codes: string[]; reasons: string[] }
  | { zone: string; state: 'refused'; codes: string[] }
  | { zone: string; state: 'unexpected'; codes: string[] }
  | { zone: string; state: 'error'; answer: DnsAnswer }
  | { zone: string; state: 'untested'; why: string };

/** Why a zone's answers cannot be taken at their word, from its RFC 5782 test entries; null when they can. */
function untestedReason(test: ZoneTest): string | null {
  switch (test.state) {
    case 'unlisted-test-entry':
      return `${test.zone} does not list its test entry 2.0.0.127.${test.zone} through this resolver (see dns.resolver)`;
    case 'lists-everything':
      return `${test.zone} lists even 1.0.0.127.${test.zone}, which must never be listed (see dns.resolver)`;
    default:
      return null;
  }
}

/**
 * One list's answer. 127.255.255.0/24 is how Spamhaus (and lists copying it) say "query refused"
 * (public resolver, rate limit, bad query), never a listing; 127.0.0.1 is reserved (RFC 5782 §2.1).
 */
function classify(zone: string, answer: DnsAnswer): Verdict {
  if (answer.status === 'nxdomain' || answer.status === 'nodata') return { zone, state: 'clear' };
  if (answer.status === 'error') return { zone, state: 'error', answer };
  const codes = answer.records;
  if (codes.some((code) => ipInCidr(code, '127.255.255.0/24'))) return { zone, state: 'refused', codes };
  if (codes.every((code) => ipInCidr(code, '127.0.0.0/8') && code !== '127.0.0.1')) return { zone, state: 'listed', codes, reasons: [] };
  return { zone, state: 'unexpected', codes };
}

export const dnsblCheck: CheckDefinition = {
  id: 'dns.dnsbl',
  group: 'dns',
  order: 110,
  title: 'No outbound IP is on a DNS blocklist (Spamhaus ZEN, Barracuda, SpamCop)',
  targets: 'IP',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    ...PER_IP_MESSAGES,
    clear: { title: '{ip} is not on the checked blocklists', message: '{ip} is not listed on {zones}.' },
    listed: {
      title: '{ip} is on a blocklist',
      message: '{ip} is listed on {listed}. Receivers that use these lists reject or junk mail from it until it is delisted.',
    },
    'policy-listed': {
      title: '{ip} is in the Spamhaus PBL',
      message:
        '{ip} is listed on {listed}: the PBL names end-user address ranges that should not send mail straight to other servers. It is no report of spam, but receivers that use Spamhaus ZEN reject mail from it.',
    },
    refused: {
      title: 'Blocklists refused to answer for {ip}',
      message: '{refused} answered with a "query refused" code (127.255.255.x): the list does not answer queries that come through public or shared resolvers. This is not a listing, but the IP could not be checked.',
    },
    'lookup-failed': { title: 'Could not check {ip} against the blocklists', message: 'A blocklist lookup failed or gave an unexpected answer ({failure}); nothing can be said about it.' },
    'no-zones': { title: 'No blocklist to check', message: 'No blocklist zone is configured (--dnsbl-zone).' },
  },
  async run(ctx): Promise<Finding[]> {
    const zones = ctx.options.dnsblZones.map(normaliseHostname).filter((zone) => zone !== '');
    if (zones.length === 0) return [{ target: null, status: 'skip', messageId: 'no-zones', data: {} }];
    return perOutboundIp(ctx, async (entry): Promise<Finding> => {
      const { ip } = entry;
      const verdicts = await Promise.all(
        zones.map(async (zone) => {
          const name = reverseName(ip, zone);
          const answer = await lookup(ctx, name, 'A', 'dnsbl');
          const evidence: Evidence[] = [evidenceOf(answer)];
          // A zone that does not answer its own test entries as RFC 5782 says gives no verdict, listed or not.
          const test = answer.status === 'error' ? null : await blocklistZoneTest(ctx, zone);
          const why = test && untestedReason(test);
          if (test && why) return { verdict: { zone, state: 'untested', why } as Verdict, evidence: [...evidence, ...test.evidence.map(evidenceOf)] };
          const verdict = classify(zone, answer);
          if (verdict.state === 'listed') {
            const reason = await lookup(ctx, name, 'TXT', 'dnsbl');
            verdict.reasons = recordsOf(reason);
            evidence.push(evidenceOf(reason));
          }
          return { verdict, evidence };
        }),
      );
      const evidence = verdicts.flatMap((item) => item.evidence);
      const of = <S extends Verdict['state']>(state: S) => verdicts.map((item) => item.verdict).filter((verdict): verdict is Extract<Verdict, { state: S }> => verdict.state === state);
      const listed = of('listed');
      const refused = of('refused');
      const data = {
        ip,
        zones: joinList(zones),
        listed: listed.map((verdict) => `${verdict.zone} (${verdict.codes.map((code) => describeCode(verdict.zone, code)).join(', ')})`).join(', '),
        refused: refused.map((verdict) => verdict.zone).join(', '),
        failure: [
          failureText(of('error').map((verdict) => verdict.answer)),
          ...of('unexpected').map((verdict) => `${verdict.zone} answered ${verdict.codes.join(', ')}`),
          ...of('untested').map((verdict) => verdict.why),
        ]
          .filter((text) => text !== '')
          .join('; '),
      };
      if (listed.length > 0 && listed.every((verdict) => isPolicyOnly(verdict.zone, verdict.codes))) {
        const byProvider = listed.some((verdict) => verdict.codes.includes('127.0.0.10'));
        return {
          target: ip,
          status: 'fail',
          messageId: 'policy-listed',
          data,
          evidence,
          fix: {
            kind: 'manual',
            summary: byProvider
              ? `Ask the provider of ${ip} to take it out of the PBL ranges it registered (it is a mail server with its own address), or request removal at ${DELISTING['zen.spamhaus.org'](ip)}`
              : `Request removal of ${ip} from the PBL at ${DELISTING['zen.spamhaus.org'](ip)}: a mail server with a static address and matching reverse DNS may leave it`,
            commands: [],
          },
        };
      }
      if (listed.length > 0) {
        const pages = listed.map((verdict) => {
          const page = (isZen(verdict.zone) ? DELISTING['zen.spamhaus.org'] : DELISTING[verdict.zone])?.(ip) ?? verdict.reasons.join(' ').match(/https?:\/\/\S+/)?.[0];
          return page ? `${verdict.zone}: ${page}` : `${verdict.zone}: see the list operator's removal page`;
        });
        return {
          target: ip,
          status: 'fail',
          messageId: 'listed',
          data,
          evidence,
          fix: {
            kind: 'manual',
            summary: `Find and stop what sent the spam from ${ip} (a compromised account, an open form, malware on the host), then request delisting — ${pages.join('; ')}`,
            commands: [],
          },
        };
      }
      if (refused.length > 0) {
        return {
          target: ip,
          status: 'unknown',
          messageId: 'refused',
          data,
          evidence,
          fix: {
            kind: 'manual',
            summary: 'Use your own recursive resolver for blocklist lookups via --dnsbl-resolver (e.g. unbound on this host), or a Spamhaus DQS key; public resolvers are refused',
            commands: ['apt-get install unbound', 'postal-doctor check --only dns.dnsbl --dnsbl-resolver 127.0.0.1'],
          },
        };
      }
      if (data.failure !== '') return { target: ip, status: 'unknown', messageId: 'lookup-failed', data, evidence };
      return { target: ip, status: 'pass', messageId: 'clear', data, evidence };
    });
  },
};
