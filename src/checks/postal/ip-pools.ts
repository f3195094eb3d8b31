import type { CheckDefinition, Finding, Fix } from '../../core/types.js';
import { isFqdn } from '../../knowledge/hostnames.js';
import { unlessOffline } from '../../core/probe-access.js';
import type { DatabaseErrorCode, PoolAddress } from '../../probes/types.js';
import { defaultHelo, ipPools } from '../../knowledge/postal/outbound-ips.js';
import { canonicalIp, ipFamily, reverseName } from '../../util/ip.js';
import { lookup, recordsOf } from '../../knowledge/dns/lookups.js';
import { poolHostnameFix } from '../../knowledge/postal/pool-hostname-fix.js';

/** How sure a database error is: a server that is down or slow says nothing about the config; a refusal does. */
const ERROR_STATUS: Record<DatabaseErrorCode, 'unknown' | 'fail'> = {
  refused: 'unknown',
  timeout: 'unknown',
  other: 'unknown',
  'access-denied': 'fail',
  'unknown-database': 'fail',
  'missing-table': 'fail',
};

const ERROR_FIX: Record<DatabaseErrorCode, Omit<Fix, 'commands'> & { commands?: string[] }> = {
  refused: { kind: 'manual', summary: 'Start the database server (the installer runs it as the container postal-mariadb), or point main_db.host and main_db.port at it' },
  timeout: { kind: 'manual', summary: 'Make main_db.host:port reachable from this host (a firewall drops the connection, or the server is overloaded)' },
  other: { kind: 'manual', summary: 'Correct main_db in postal.yml so that Postal (and the doctor) can read its database' },
  'access-denied': { kind: 'config', summary: 'Set main_db.username and main_db.password in postal.yml to the credentials Postal uses, then restart Postal', commands: ['postal restart'] },
  'unknown-database': {
    kind: 'config',
    summary: 'Set main_db.database to the database Postal was initialised in, or create it with postal initialize',
    commands: ['postal initialize'],
  },
  'missing-table': { kind: 'database', summary: "Create or update Postal's tables in main_db", commands: ['postal upgrade-db'] },
};

function addressesOfRow(row: PoolAddress): string[] {
  return [row.ipv4, row.ipv6].filter((ip): ip is string => ip !== null);
}

export const ipPoolsCheck: CheckDefinition = {
  id: 'postal.ip-pools',
  group: 'postal',
  order: 50,
  title: 'IP pools can be read, and each pool IP has a hostname',
  targets: '',
  probes: ['database', 'dns'],
  network: false,
  messages: {
    ok: { title: 'IP pools read: {count} addresses, each with a hostname', message: 'Pools {pools}: every address has a hostname, which Postal says HELO with when it sends from that address.' },
    empty: {
      title: 'IP pools are on, but no pool has an address',
      message: 'postal.use_ip_pools is true, but ip_addresses is empty: messages get no source IP, so Postal sends from the address the kernel picks with HELO {helo}. Add the addresses in the web interface (IP Pools).',
    },
    'bad-hostname': {
      title: 'Pool addresses without a usable hostname',
      message: 'Postal says HELO with the hostname of the pool address it sends from, but {problems}; receivers reject such a HELO.',
    },
    'bad-address': {
      title: 'Pool rows that are not IP addresses',
      message: 'ip_addresses holds {problems}; Postal cannot send from them.',
    },
    disabled: { title: 'IP pools are off', message: 'postal.use_ip_pools is false: Postal sends from the address the kernel picks, with HELO {helo}.' },
    'no-db': { title: 'IP pools not read (--no-db)', message: 'The database was not read because --no-db was given.' },
    offline: { title: 'IP pools not read (--offline)', message: 'The database was not read because --offline was given.' },
    'db-refused': { title: 'Could not reach main_db to read IP pools', message: 'Reading the pools failed: {error}.' },
    'db-timeout': { title: 'main_db did not answer in time', message: 'Reading the pools failed: {error}.' },
    'db-other': { title: 'Could not read IP pools from main_db', message: 'Reading the pools failed: {error}.' },
    'db-access-denied': {
      title: 'main_db refuses the configured credentials',
      message: 'Reading the pools failed: {error}. Postal connects with the same settings, so it cannot work either.',
    },
    'db-unknown-database': {
      title: 'The database named in main_db does not exist',
      message: 'Reading the pools failed: {error}. Postal connects with the same settings, so it cannot work either.',
    },
    'db-missing-table': {
      title: "main_db has no Postal tables",
      message: 'Reading the pools failed: {error}. The database was never initialised or is not the one Postal uses.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const helo = defaultHelo(ctx);
    const pools = await ipPools(ctx);
    if (pools.state === 'disabled') return [{ target: null, status: 'skip', messageId: 'disabled', data: { helo } }];
    if (pools.state === 'not-read') return [{ target: null, status: 'skip', messageId: pools.reason, data: {} }];
    const { result } = pools;
    if (!result.ok) {
      const status = ERROR_STATUS[result.code];
      const { commands = [], ...fix } = ERROR_FIX[result.code];
      return [
        {
          target: null,
          status,
          messageId: `db-${result.code}`,
          data: { error: result.message },
          evidence: [{ query: 'main_db ip_pools / ip_addresses', answer: `${result.code}: ${result.message}` }],
          fix: { ...fix, commands },
        },
      ];
    }

    const rows = result.addresses;
    const evidence = [
      {
        query: 'SELECT p.name, a.ipv4, a.ipv6, a.hostname, a.priority FROM ip_addresses a JOIN ip_pools p ON p.id = a.ip_pool_id',
        answer: rows.map((row) => `${row.pool}: ${joinIps(row)} hostname=${row.hostname ?? 'NULL'} priority=${row.priority ?? 'NULL'}`),
      },
    ];
    if (rows.length === 0) return [{ target: null, status: 'warn', messageId: 'empty', data: { helo }, evidence }];

    const badAddresses = rows.flatMap((row) => addressesOfRow(row).filter((ip) => ipFamily(ip) === 0).map((ip) => `"${ip}" (pool ${row.pool})`));
    if (badAddresses.length > 0) return [{ target: null, status: 'fail', messageId: 'bad-address', data: { problems: badAddresses.join(', ') }, evidence }];

    const unnamed = rows.filter((row) => row.hostname === null || !isFqdn(row.hostname));
    if (unnamed.length > 0) {
      // The name to give each address: its PTR name when it has one, else the HELO name used without pools.
      const changes = await Promise.all(
        unnamed.flatMap((row) =>
          addressesOfRow(row).slice(0, 1).map(async (ip) => {
            const answer = await unlessOffline(() => lookup(ctx, reverseName(canonicalIp(ip)), 'PTR'));
            const ptr = answer ? recordsOf(answer) : [];
            return { ip: canonicalIp(ip), pool: row.pool, hostname: ptr[0] ?? helo };
          }),
        ),
      );
      const problems = unnamed.map((row) => (row.hostname === null ? `${joinIps(row)} has no hostname` : `${joinIps(row)} has the hostname "${row.hostname}", which is not a fully qualified domain name`));
      return [{ target: null, status: 'fail', messageId: 'bad-hostname', data: { problems: problems.join('; ') }, evidence, fix: poolHostnameFix(ctx, changes) }];
    }
    const poolNames = [...new Set(rows.map((row) => row.pool))];
    return [{ target: null, status: 'pass', messageId: 'ok', data: { count: rows.reduce((sum, row) => sum + addressesOfRow(row).length, 0), pools: poolNames.join(', ') }, evidence }];
  },
};

function joinIps(row: PoolAddress): string {
  return addressesOfRow(row).join(' / ') || '(no address)';
}
