import type { RunOptions } from './types.js';
import { mapBounded } from '../util/limiter.js';

export const DEFAULT_CONFIG_PATH = '/opt/postal/config/postal.yml';

/**
 * DNS questions in flight at each server (and, separately, connections) by default: enough for a thousand sending
 * IPs or five thousand domains behind a 50 ms resolver in seconds, never a burst of thousands at any one server.
 */
export const DEFAULT_IN_FLIGHT = 256;

/**
 * `judge` for each item a check fans out over (IPs, addresses, domains), results in input order. A judge asks about
 * two questions at a time (A and AAAA, one per blocklist zone, a PTR and then its names), so half of --concurrency
 * items at once keeps the servers' --concurrency slots busy, and the items not yet taken hold nothing in memory.
 */
export function judgeEach<T, R>(options: Pick<RunOptions, 'maxInFlight'>, items: readonly T[], judge: (item: T) => Promise<R>): Promise<R[]> {
  return mapBounded(items, Math.ceil(options.maxInFlight / 2), judge);
}

export function defaultRunOptions(): RunOptions {
  return {
    configPath: DEFAULT_CONFIG_PATH,
    only: [],
    skip: [],
    ips: [],
    useDatabase: true,
    resolvers: [],
    dnsblResolvers: [],
    dnsblZones: ['zen.spamhaus.org', 'b.barracudacentral.org', 'bl.spamcop.net'],
    probeTargets: [],
    smtpTargets: [],
    offline: false,
    timeoutMs: 5000,
    deadlineMs: 60000,
    hostRoot: '/',
    concurrency: 16,
    thresholds: {},
    maxInFlight: DEFAULT_IN_FLIGHT,
    domain: null,
  };
}
