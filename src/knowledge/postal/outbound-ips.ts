import { isIP } from 'node:net';
import { defineFact } from '../../core/facts.js';
import { unlessOffline } from '../../core/probe-access.js';
import type { CheckContext, OutboundIp } from '../../core/types.js';
import type { DatabaseSettings, HostAddress, PoolAddress, PoolQueryResult } from '../../probes/types.js';
import { canonicalIp, ipInCidr, isGlobalAddress, normaliseHostname } from '../../util/ip.js';
import { processConfig, whereSet } from './process-config.js';

/** An outbound IP with the name Postal announces in HELO when it sends from it. */
export interface SendingIp extends OutboundIp {
  helo: string;
}

export type PoolsState =
  | { state: 'disabled' }
  | { state: 'not-read'; reason: 'no-db' | 'offline' }
  | { state: 'read'; result: PoolQueryResult };

/** How Postal connects to its main database (main_db.*). */
export function mainDbSettings(ctx: CheckContext): DatabaseSettings {
  return {
    host: ctx.config.get('main_db.host'),
    port: ctx.config.get('main_db.port'),
    username: ctx.config.get('main_db.username'),
    password: ctx.config.get('main_db.password'),
    database: ctx.config.get('main_db.database'),
  };
}

/** Postal's IP pools, read once per run from main_db when `postal.use_ip_pools` is on. */
export const ipPools = defineFact({
  name: 'IP pools',
  probes: ['database'],
  async compute(ctx): Promise<PoolsState> {
    if (!ctx.config.get('postal.use_ip_pools')) return { state: 'disabled' };
    if (!ctx.options.useDatabase) return { state: 'not-read', reason: 'no-db' };
    const result = await unlessOffline(() => ctx.probes.database.ipPools(mainDbSettings(ctx), { timeoutMs: ctx.options.timeoutMs }));
    return result ? { state: 'read', result } : { state: 'not-read', reason: 'offline' };
  },
});

/** The host's own addresses, read once per run. */
export const hostAddresses = defineFact({
  name: 'host addresses',
  probes: ['host'],
  compute: (ctx): Promise<HostAddress[]> => ctx.probes.host.addresses(),
});

/**
 * The host's addresses other servers can reach it on: its global ones, or its private ones when it has nothing
 * else (a host behind NAT); never loopback or link-local. Canonical, without duplicates.
 */
export async function reachableHostAddresses(ctx: CheckContext): Promise<string[]> {
  const usable = (await hostAddresses(ctx)).filter((address) => !address.internal && !ipInCidr(address.address, 'fe80::/10'));
  const global = usable.filter((address) => isGlobalAddress(address.address));
  return [...new Set((global.length > 0 ? global : usable).map((address) => canonicalIp(address.address)))];
}

/**
 * The HELO name Postal sends when no pool IP is chosen: `dns.helo_hostname || postal.smtp_hostname` as the worker
 * reads them, with its own environment.
 */
export function defaultHelo(ctx: CheckContext): string {
  const { config } = processConfig(ctx, 'worker');
  return normaliseHostname(config.get('dns.helo_hostname') || config.get('postal.smtp_hostname'));
}

/** Where the default HELO is set when the worker's own environment sets it: the variable and its container; else null. */
export function defaultHeloVariable(ctx: CheckContext): { variable: string; container: string | null } | null {
  const { config } = processConfig(ctx, 'worker');
  return whereSet(ctx, 'worker', config.get('dns.helo_hostname') ? 'dns.helo_hostname' : 'postal.smtp_hostname');
}

/**
 * The HELO Postal says from a pool address: the row's hostname as it is (app/lib/smtp_client/endpoint.rb:84 at
 * 3.3.6 passes it to Net::SMTP#start, which says `localhost` for nil); '' stays an empty EHLO.
 */
export function poolHelo(hostname: string | null): string {
  return hostname === null ? 'localhost' : normaliseHostname(hostname);
}

/**
 * The IPs Postal sends from (PRODUCT §5): --ip addresses, then the pool addresses when pools are on and
 * readable, otherwise the host's global addresses (its private ones only when it has nothing else).
 * An --ip that is also a pool address takes the pool's hostname as HELO, as Postal does. With pools on, the
 * host's own global addresses are sending addresses too, with the default HELO: mail of a server without a pool
 * or rule and every message a route forwards get no pool address (QueuedMessage#allocate_ip_address returns nil,
 * app/models/queued_message.rb:52-60; incoming_message_processor.rb:166,170 passes nil) and leave by the default route.
 */
export const outboundIps = defineFact({
  name: 'outbound IPs',
  probes: ['database', 'host'],
  async compute(ctx): Promise<SendingIp[]> {
    const helo = defaultHelo(ctx);
    const pools = await ipPools(ctx);
    const fromPools = new Map<string, SendingIp>();
    if (pools.state === 'read' && pools.result.ok) {
      for (const row of pools.result.addresses) {
        const hostname = row.hostname === null ? null : normaliseHostname(row.hostname);
        for (const ip of [row.ipv4, row.ipv6]) {
          if (ip && isIP(ip) && !fromPools.has(canonicalIp(ip))) {
            fromPools.set(canonicalIp(ip), { ip: canonicalIp(ip), source: 'db', hostname, pool: row.pool, helo: poolHelo(row.hostname) });
          }
        }
      }
    }

    const found = new Map<string, SendingIp>();
    const add = (entry: SendingIp) => {
      if (!found.has(entry.ip)) found.set(entry.ip, entry);
    };
    for (const ip of ctx.options.ips) add(fromPools.get(canonicalIp(ip)) ?? { ip: canonicalIp(ip), source: 'option', hostname: null, pool: null, helo });
    for (const entry of fromPools.values()) add(entry);
    if (fromPools.size > 0) {
      for (const address of await hostAddresses(ctx)) {
        if (!address.internal && isGlobalAddress(address.address)) add({ ip: canonicalIp(address.address), source: 'host', hostname: null, pool: null, helo });
      }
    }
    if (found.size === 0) {
      for (const ip of await reachableHostAddresses(ctx)) add({ ip, source: 'host', hostname: null, pool: null, helo });
    }
    return [...found.values()];
  },
});

/**
 * The other sending IPs whose HELO name changes with this one's: the other address of its pool row (IPv4 and
 * IPv6 share the row's hostname), or, for an IP sending without a pool, every other such IP (they share
 * dns.helo_hostname).
 */
export async function heloSharers(ctx: CheckContext, entry: SendingIp): Promise<SendingIp[]> {
  const all = await outboundIps(ctx);
  if (entry.source !== 'db') return all.filter((other) => other.source !== 'db' && other.ip !== entry.ip);
  const pools = await ipPools(ctx);
  if (pools.state !== 'read' || !pools.result.ok) return [];
  const inRow = (row: PoolAddress) => [row.ipv4, row.ipv6].filter((ip): ip is string => ip !== null && isIP(ip) !== 0).map(canonicalIp);
  const row = pools.result.addresses.find((candidate) => inRow(candidate).includes(entry.ip));
  const mates = row ? inRow(row).filter((ip) => ip !== entry.ip) : [];
  return all.filter((other) => mates.includes(other.ip));
}

/** This server's IPs, for "does this name point here": the outbound IPs plus the host's own global addresses. */
export const serverIps = defineFact({
  name: 'server IPs',
  probes: ['database', 'host'],
  async compute(ctx): Promise<string[]> {
    const [outbound, host] = await Promise.all([outboundIps(ctx), hostAddresses(ctx)]);
    const ips = new Set(outbound.map((entry) => entry.ip));
    for (const address of host) if (!address.internal && isGlobalAddress(address.address)) ips.add(canonicalIp(address.address));
    return [...ips];
  },
});
