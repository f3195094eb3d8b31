import type { CheckDefinition, Fix } from '../../core/types.js';
import type { SendingIp } from '../../knowledge/postal/outbound-ips.js';
import { reverseName } from '../../util/ip.js';
import { PER_IP_MESSAGES, evidenceOf, failureText, joinList, lookup, perOutboundIp, zoneRecord } from '../../knowledge/dns/lookups.js';

/** The PTR pair to ask the owner of the address block for: the IP's reverse name → the name Postal says HELO with. */
export function ptrRequest(entry: SendingIp, action = 'set its reverse DNS'): Fix {
  return {
    kind: 'provider',
    summary: `Ask the provider of ${entry.ip} to ${action}: ${entry.ip} → ${entry.helo}`,
    commands: [],
    records: [zoneRecord(reverseName(entry.ip), 'PTR', `${entry.helo}.`)],
  };
}

export const ptrCheck: CheckDefinition = {
  id: 'dns.ptr',
  group: 'dns',
  order: 40,
  title: 'Each outbound IP has a PTR record',
  targets: 'IP',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    ...PER_IP_MESSAGES,
    present: { title: '{ip} has a PTR record', message: 'PTR {ip} -> {names}.' },
    several: {
      title: '{ip} has several PTR records',
      message: 'PTR {ip} -> {names}. Receivers take whichever one their resolver returns first when they compare it with the HELO name; keep only {helo}.',
    },
    missing: {
      title: '{ip} has no PTR record',
      message: 'No reverse DNS for {ip}: many receivers (Gmail, Outlook among them) reject or junk mail from an address without a PTR. It should name {helo}, the name Postal says HELO with from this IP.',
    },
    'lookup-failed': { title: 'Could not look up the PTR of {ip}', message: 'The PTR lookup failed ({failure}); nothing can be said about it.' },
  },
  async run(ctx) {
    return perOutboundIp(ctx, async (entry) => {
      const answer = await lookup(ctx, reverseName(entry.ip), 'PTR');
      const data = { ip: entry.ip, helo: entry.helo, names: answer.status === 'answer' ? joinList(answer.records) : '', failure: '' };
      const base = { target: entry.ip, data, evidence: [evidenceOf(answer)] };
      switch (answer.status) {
        case 'answer':
          if (answer.records.length === 1) return { ...base, status: 'pass', messageId: 'present' };
          return { ...base, status: 'warn', messageId: 'several', fix: ptrRequest(entry, 'replace its PTR records with one') };
        case 'nxdomain':
        case 'nodata':
          return { ...base, status: 'fail', messageId: 'missing', fix: ptrRequest(entry) };
        case 'error':
          return { ...base, status: 'unknown', messageId: 'lookup-failed', data: { ...data, failure: failureText([answer]) } };
      }
    });
  },
};
