import type { DnsType, HostAddress, PoolAddress, PoolQueryResult, Probes } from '../../src/probes/types.js';
import { fakeDns, unfakedMethod } from './fakes.js';

/** A host probe for a machine with these addresses (plus loopback), all on eth0. */
export function hostWith(...addresses: string[]): Probes['host'] {
  const list: HostAddress[] = [
    { address: '127.0.0.1', family: 4, interface: 'lo', internal: true },
    ...addresses.map((address): HostAddress => ({ address, family: address.includes(':') ? 6 : 4, interface: 'eth0', internal: false })),
  ];
  return { addresses: async () => list };
}

/** A database probe that returns these pool rows, or this error; any other query is a test bug. */
export function poolsDb(result: PoolAddress[] | PoolQueryResult): Probes['database'] & { calls: number } {
  const probe = {
    calls: 0,
    domains: unfakedMethod('database.domains'),
    async ipPools(): Promise<PoolQueryResult> {
      probe.calls++;
      return Array.isArray(result) ? { ok: true, addresses: result } : result;
    },
    async select(): Promise<never> {
      throw new Error('probe database.select was used but not faked');
    },
  };
  return probe;
}

export function poolRow(ipv4: string, hostname: string | null, extra: Partial<PoolAddress> = {}): PoolAddress {
  return { pool: 'Default', ipv4, ipv6: null, hostname, priority: 100, ...extra };
}

/** fakeDns that also counts how often each question was asked. */
export function countingDns(table: Parameters<typeof fakeDns>[0]): Probes['dns'] & { asked: Map<string, number> } {
  const inner = fakeDns(table);
  const asked = new Map<string, number>();
  return {
    asked,
    query(name: string, type: DnsType, purpose?: 'default' | 'dnsbl') {
      const key = `${purpose ?? 'default'} ${type} ${name}`;
      asked.set(key, (asked.get(key) ?? 0) + 1);
      return inner.query(name, type, purpose);
    },
    queryServer: inner.queryServer,
  };
}

/** A postal.yml with real-looking names under example.net, pools off unless asked. */
export function postalYaml(overrides: { pools?: boolean; helo?: string | null; extraDns?: string } = {}): string {
  return [
    'version: 2',
    'postal:',
    '  smtp_hostname: postal.example.net',
    '  web_hostname: web.example.net',
    `  use_ip_pools: ${overrides.pools ? 'true' : 'false'}`,
    'main_db:',
    '  host: 127.0.0.1',
    '  username: postal',
    '  password: s3cret-pw',
    'dns:',
    '  mx_records:',
    '    - mx1.example.net',
    '  spf_include: spf.example.net',
    '  return_path_domain: rp.example.net',
    '  route_domain: routes.example.net',
    '  track_domain: track.example.net',
    ...(overrides.helo === null ? [] : [`  helo_hostname: ${overrides.helo ?? 'mta.example.net'}`]),
    ...(overrides.extraDns ? [overrides.extraDns] : []),
    '',
  ].join('\n');
}
