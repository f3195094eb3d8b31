import type { CheckDefinition, Finding } from '../../core/types.js';
import type { HostAddress } from '../../probes/types.js';
import { hostAddresses, ipPools } from '../../knowledge/postal/outbound-ips.js';
import { canonicalIp, ipFamily, isGlobalAddress } from '../../util/ip.js';
import { sh } from '../../util/shell.js';
import { mainDbCommand, sqlQuote } from '../../knowledge/postal/pool-hostname-fix.js';

/** The interface a new address most likely belongs on: the one with the host's other public address of that family. */
function interfaceFor(ip: string, host: HostAddress[]): string {
  const family = ipFamily(ip);
  const external = host.filter((address) => !address.internal);
  const candidate =
    external.find((address) => address.family === family && isGlobalAddress(address.address)) ??
    external.find((address) => address.family === family) ??
    external[0];
  return candidate?.interface ?? 'eth0';
}

export const poolIpsBoundCheck: CheckDefinition = {
  id: 'network.pool-ips-bound',
  group: 'network',
  order: 40,
  title: 'Every IP pool address is configured on this host',
  targets: 'IP',
  probes: ['database', 'host'],
  network: false,
  messages: {
    bound: { title: '{ip} is configured on this host', message: '{ip} (pool {pool}) is on interface {interface}; the worker can send from it.' },
    'not-canonical': {
      title: '{ip} is written as {stored} in the pool',
      message:
        "{ip} (pool {pool}) is on interface {interface}, but ip_addresses stores it as {stored}. The worker looks for its host's addresses as the system writes them ({ip}), so mail assigned to this address stays Pending.",
    },
    'not-bound': {
      title: '{ip} is not configured on this host',
      message:
        "{ip} (pool {pool}) is not an address of this host. Postal's worker only takes messages assigned to addresses the host has, so mail assigned to {ip} stays Pending. On a cloud host behind NAT the pool must list the private address configured here, while the PTR belongs to the public one.",
    },
    'other-family-bound': {
      title: '{ip} is not configured on this host; {other} of the same pool address is',
      message:
        "{ip} (pool {pool}) is not an address of this host, but {other}, the other address of its row, is: the worker still takes the mail assigned to this pool address, so mail flows. Only connections that need {family} fail, as the worker cannot send from {ip}.",
    },
    disabled: { title: 'IP pools are off', message: 'postal.use_ip_pools is false, so no pool address has to be configured here.' },
    'not-read': { title: 'IP pools not read', message: 'The pools were not read ({reason}); see postal.ip-pools.' },
    empty: { title: 'No pool address to check', message: 'The IP pools hold no address.' },
  },
  async run(ctx): Promise<Finding[]> {
    const pools = await ipPools(ctx);
    if (pools.state === 'disabled') return [{ target: null, status: 'skip', messageId: 'disabled', data: {} }];
    if (pools.state === 'not-read') return [{ target: null, status: 'skip', messageId: 'not-read', data: { reason: pools.reason === 'no-db' ? '--no-db' : '--offline' } }];
    if (!pools.result.ok) return [{ target: null, status: 'skip', messageId: 'not-read', data: { reason: `database error: ${pools.result.code}` } }];

    const host = await hostAddresses(ctx);
    const seen = new Set<string>();
    const findings: Finding[] = [];
    for (const row of pools.result.addresses) {
      for (const raw of [row.ipv4, row.ipv6]) {
        if (raw === null || ipFamily(raw) === 0 || seen.has(canonicalIp(raw))) continue;
        const ip = canonicalIp(raw);
        seen.add(ip);
        const bound = host.find((address) => address.address === ip);
        // The worker matches ip_addresses against its interface addresses as text (case aside: MySQL compares without it).
        if (bound && raw.toLowerCase() !== ip) {
          const column = ipFamily(ip) === 6 ? 'ipv6' : 'ipv4';
          const sql = `UPDATE ip_addresses SET ${column} = ${sqlQuote(ip)} WHERE ${column} = ${sqlQuote(raw)};`;
          findings.push({
            target: ip,
            status: 'fail',
            messageId: 'not-canonical',
            data: { ip, stored: raw, pool: row.pool, interface: bound.interface },
            fix: { kind: 'database', summary: `Change the address ${raw} to ${ip} in pool ${row.pool} (IP Pools in the web interface), or with ${sql}`, commands: [mainDbCommand(ctx, sql)] },
          });
          continue;
        }
        if (bound) {
          findings.push({ target: ip, status: 'pass', messageId: 'bound', data: { ip, pool: row.pool, interface: bound.interface } });
          continue;
        }
        const device = interfaceFor(ip, host);
        const prefix = ipFamily(ip) === 6 ? 128 : 32;
        // The worker takes a message when the host has the row's ipv4 or its ipv6 (app/jobs/process_queued_messages_job.rb:24-51 at 3.3.6).
        const other = [row.ipv4, row.ipv6].find((candidate) => candidate !== null && candidate !== raw && ipFamily(candidate) !== 0 && host.some((address) => address.address === canonicalIp(candidate)));
        findings.push({
          target: ip,
          status: other ? 'warn' : 'fail',
          messageId: other ? 'other-family-bound' : 'not-bound',
          data: { ip, pool: row.pool, other: other ? canonicalIp(other) : '', family: ipFamily(ip) === 6 ? 'IPv6' : 'IPv4' },
          evidence: [{ query: 'addresses of this host', answer: host.map((address) => `${address.address} (${address.interface})`) }],
          fix: {
            kind: 'manual',
            // No restart: the worker reads the host's addresses each time it looks for messages to send.
            summary: `Configure ${ip} on ${device} (also in the network configuration, e.g. netplan, so it survives a reboot); behind NAT, put the private address configured here into the pool instead`,
            commands: [sh`ip addr add ${`${ip}/${prefix}`} dev ${device}`],
          },
        });
      }
    }
    return findings.length > 0 ? findings : [{ target: null, status: 'skip', messageId: 'empty', data: {} }];
  },
};
