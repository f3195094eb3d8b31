import type { RunOptions } from './types.js';

export const DEFAULT_CONFIG_PATH = '/opt/postal/config/postal.yml';

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
    domain: null,
  };
}
