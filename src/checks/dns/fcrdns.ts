import type { CheckDefinition, Finding } from '../../core/types.js';
import { reverseName } from '../../util/ip.js';
import { PER_IP_MESSAGES, addressRecords, addressType, evidenceOf, failureText, isFailure, joinList, lookup, perOutboundIp, recordsOf } from '../../knowledge/dns/lookups.js';

export const fcrdnsCheck: CheckDefinition = {
  id: 'dns.fcrdns',
  group: 'dns',
  order: 50,
  title: 'Each PTR name resolves back to its IP (forward-confirmed reverse DNS)',
  targets: 'IP',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    ...PER_IP_MESSAGES,
    confirmed: { title: 'Reverse DNS of {ip} points back', message: 'PTR {ip} -> {names}, and {names} resolves back to {ip}.' },
    partly: {
      title: 'Reverse DNS of {ip} only partly points back',
      message: 'PTR {ip} -> {names}; {unconfirmed}. Receivers that pick an unconfirmed name treat the address as unverified.',
    },
    'not-confirmed': {
      title: 'Reverse DNS of {ip} does not point back',
      message: 'PTR {ip} -> {names}, but {unconfirmed}. Receivers treat an address whose PTR does not resolve back as unverified, and many reject its mail.',
    },
    'no-ptr': { title: '{ip} has no PTR record to confirm', message: 'Skipped: {ip} has no PTR record (see dns.ptr).' },
    'lookup-failed': { title: 'Could not confirm the reverse DNS of {ip}', message: 'A lookup failed ({failure}); nothing can be said about it.' },
  },
  async run(ctx) {
    return perOutboundIp(ctx, async (entry): Promise<Finding> => {
      const ip = entry.ip;
      const ptr = await lookup(ctx, reverseName(ip), 'PTR');
      const data = { ip, names: joinList(recordsOf(ptr)), unconfirmed: '', failure: '' };
      if (ptr.status === 'nxdomain' || ptr.status === 'nodata') return { target: ip, status: 'skip', messageId: 'no-ptr', data, evidence: [evidenceOf(ptr)] };
      if (ptr.status === 'error') return { target: ip, status: 'unknown', messageId: 'lookup-failed', data: { ...data, failure: failureText([ptr]) }, evidence: [evidenceOf(ptr)] };

      const type = addressType(ip);
      const forward = await Promise.all(ptr.records.map(async (name) => ({ name, answer: await lookup(ctx, name, type) })));
      const evidence = [evidenceOf(ptr), ...forward.map(({ answer }) => evidenceOf(answer))];
      const confirmed = forward.filter(({ answer }) => recordsOf(answer).includes(ip));
      const failed = forward.filter(({ answer }) => isFailure(answer));
      const unconfirmed = forward.filter(({ answer }) => !isFailure(answer) && !recordsOf(answer).includes(ip));
      const describedUnconfirmed = unconfirmed
        .map(({ name, answer }) => (recordsOf(answer).length > 0 ? `${name} has ${type} ${joinList(recordsOf(answer))} only` : `${name} has no ${type} record`))
        .join('; ');
      const result = { target: ip, data: { ...data, unconfirmed: describedUnconfirmed, failure: failureText(failed.map(({ answer }) => answer)) }, evidence };
      const fix = {
        kind: 'dns' as const,
        summary: `Make the ${type} record of ${unconfirmed.map(({ name }) => name).join(' and ')} include ${ip} (or, if that is not this IP's name, ask the provider to change the PTR to ${entry.helo})`,
        commands: [],
        records: unconfirmed.flatMap(({ name }) => addressRecords(name, [ip])),
      };
      if (failed.length > 0 && (confirmed.length === 0 || unconfirmed.length === 0)) return { ...result, status: 'unknown', messageId: 'lookup-failed' };
      if (unconfirmed.length === 0) return { ...result, status: 'pass', messageId: 'confirmed' };
      if (confirmed.length === 0) return { ...result, status: 'fail', messageId: 'not-confirmed', fix };
      return { ...result, status: 'warn', messageId: 'partly', fix };
    });
  },
};
