import type { CheckContext, CheckDefinition, Finding, Fix } from '../../core/types.js';
import { isTemplateDefault, isFqdn } from '../../knowledge/hostnames.js';
import { configEdit } from '../../knowledge/postal/config-values.js';
import { heloSharers, type SendingIp } from '../../knowledge/postal/outbound-ips.js';
import { isGlobalAddress, reverseName } from '../../util/ip.js';
import { PER_IP_MESSAGES, addressRecords, addressType, evidenceOf, failureText, isFailure, joinList, lookup, perOutboundIp, recordsOf } from '../../knowledge/dns/lookups.js';
import { poolHostnameFix } from '../../knowledge/postal/pool-hostname-fix.js';
import { ptrRequest } from './ptr.js';

/** Where the HELO name of this IP comes from, for messages. */
function heloSource(entry: SendingIp): string {
  return entry.source === 'db' ? `the hostname of this IP in pool ${entry.pool ?? ''}` : 'dns.helo_hostname, or postal.smtp_hostname when that is unset';
}

/**
 * Whether the HELO name may follow this IP's PTR: only when no other public sending IP shares the name (the other
 * address of its pool row, or the others sending with dns.helo_hostname), as changing it for one would break the
 * others. A placeholder HELO is no name to keep.
 */
async function heloMayFollowPtr(ctx: CheckContext, entry: SendingIp): Promise<boolean> {
  if (isTemplateDefault(entry.helo)) return true;
  return !(await heloSharers(ctx, entry)).some((other) => isGlobalAddress(other.ip));
}

/** Make Postal say HELO with `name` from this IP: the pool row for pool IPs, the config otherwise. */
function useName(ctx: CheckContext, entry: SendingIp, name: string): Fix {
  if (entry.source === 'db') return poolHostnameFix(ctx, [{ ip: entry.ip, pool: entry.pool ?? '', hostname: name }]);
  return {
    kind: 'config',
    summary: `Set dns.helo_hostname to ${name} (the PTR name of ${entry.ip}) in postal.yml, then restart Postal`,
    commands: ['postal restart'],
    configChanges: [configEdit(ctx.config, 'dns.helo_hostname', name)],
  };
}

export const heloCheck: CheckDefinition = {
  id: 'dns.helo',
  group: 'dns',
  order: 60,
  title: 'The HELO name Postal uses from each IP is its PTR name and resolves to it',
  targets: 'IP',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    ...PER_IP_MESSAGES,
    matches: { title: 'HELO name of {ip} matches its reverse DNS', message: 'From {ip} Postal says HELO {helo}; PTR {ip} -> {names}, and {helo} resolves to {ip}.' },
    mismatch: {
      title: 'HELO name of {ip} differs from its reverse DNS',
      message: 'From {ip} Postal says HELO {helo} ({source}), but PTR {ip} -> {names}. Receivers compare the two and penalise or reject mail when they differ.',
    },
    'not-resolving': {
      title: 'HELO name {helo} does not resolve to {ip}',
      message: 'From {ip} Postal says HELO {helo}, the PTR name of {ip}, but {helo} has {type} {addresses}; receivers cannot confirm it.',
    },
    'not-fqdn': {
      title: 'HELO name of {ip} is not a fully qualified domain name',
      message: 'From {ip} Postal says HELO "{helo}" ({source}); receivers reject HELO names that are not fully qualified domain names.',
    },
    'no-ptr': { title: 'HELO name of {ip} cannot be compared', message: 'Skipped: {ip} has no PTR record to compare HELO {helo} with (see dns.ptr).' },
    'lookup-failed': { title: 'Could not check the HELO name of {ip}', message: 'A lookup failed ({failure}); nothing can be said about it.' },
  },
  async run(ctx) {
    return perOutboundIp(ctx, async (entry): Promise<Finding> => {
      const { ip, helo } = entry;
      const type = addressType(ip);
      const ptr = await lookup(ctx, reverseName(ip), 'PTR');
      const names = recordsOf(ptr);
      const data = { ip, helo, source: heloSource(entry), names: joinList(names), type, addresses: '', failure: '' };
      if (!isFqdn(helo)) {
        const ptrName = names.find(isFqdn);
        const fix = ptrName ? useName(ctx, entry, ptrName) : undefined;
        return { target: ip, status: 'fail', messageId: 'not-fqdn', data, evidence: [evidenceOf(ptr)], ...(fix ? { fix } : {}) };
      }
      if (ptr.status === 'error') return { target: ip, status: 'unknown', messageId: 'lookup-failed', data: { ...data, failure: failureText([ptr]) }, evidence: [evidenceOf(ptr)] };
      if (names.length === 0) return { target: ip, status: 'skip', messageId: 'no-ptr', data, evidence: [evidenceOf(ptr)] };

      const forwardOf = async (name: string) => ({ name, answer: await lookup(ctx, name, type) });
      const [heloForward, ...ptrForward] = await Promise.all([forwardOf(helo), ...names.filter((name) => name !== helo).map(forwardOf)]);
      const evidence = [evidenceOf(ptr), evidenceOf(heloForward.answer), ...ptrForward.map(({ answer }) => evidenceOf(answer))];
      const heloResolves = recordsOf(heloForward.answer).includes(ip);

      if (names.includes(helo)) {
        const found = { ...data, addresses: joinList(recordsOf(heloForward.answer)) };
        if (heloResolves) return { target: ip, status: 'pass', messageId: 'matches', data: found, evidence };
        if (isFailure(heloForward.answer)) return { target: ip, status: 'unknown', messageId: 'lookup-failed', data: { ...found, failure: failureText([heloForward.answer]) }, evidence };
        const fix: Fix = { kind: 'dns', summary: `Publish ${type} ${ip} for ${helo}`, commands: [], records: addressRecords(helo, [ip]) };
        return { target: ip, status: 'fail', messageId: 'not-resolving', data: found, evidence, fix };
      }

      // The simplest fix: send as a PTR name that already resolves back; otherwise change the PTR to the HELO name.
      const confirmedName = ptrForward.find(({ answer }) => recordsOf(answer).includes(ip))?.name;
      let fix: Fix;
      if (confirmedName && (await heloMayFollowPtr(ctx, entry))) {
        fix = useName(ctx, entry, confirmedName);
      } else {
        const request = ptrRequest(entry, 'change its reverse DNS');
        fix = heloResolves ? request : { ...request, summary: `${request.summary}, and publish ${type} ${ip} for ${helo}`, records: [...(request.records ?? []), ...addressRecords(helo, [ip])] };
      }
      return { target: ip, status: 'fail', messageId: 'mismatch', data, evidence, fix };
    });
  },
};
