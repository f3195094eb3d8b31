import type { CheckContext, Fix } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { ipFamily } from '../../util/ip.js';

/** A MySQL/MariaDB string literal: quotes doubled, backslashes escaped (the server's default escape character). */
export function sqlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The statement that gives a pool address its HELO name in Postal's ip_addresses table. Postal keeps an IPv6
 * address as it was typed (`2001:0db8::25` as well as `2001:db8::25`), so IPv6 is compared as an address.
 */
export function poolHostnameSql(ip: string, hostname: string): string {
  const match = ipFamily(ip) === 6 ? `INET6_ATON(ipv6) = INET6_ATON(${sqlQuote(ip)})` : `ipv4 = ${sqlQuote(ip)}`;
  return `UPDATE ip_addresses SET hostname = ${sqlQuote(hostname)} WHERE ${match};`;
}

/** The client command that runs `sql` against main_db; it asks for the password rather than showing it. */
export function mainDbCommand(ctx: CheckContext, sql: string): string {
  const host = ctx.config.get('main_db.host');
  const port = ctx.config.get('main_db.port');
  const user = ctx.config.get('main_db.username');
  const database = ctx.config.get('main_db.database');
  return sh`mysql -h ${host} -P ${port} -u ${user} -p ${database} -e ${sql}`;
}

/**
 * Changing the HELO name of pool IPs: in the web interface, or with SQL run against main_db. No restart:
 * the worker reads the address row afresh for each batch of messages it sends.
 */
export function poolHostnameFix(ctx: CheckContext, changes: Array<{ ip: string; pool: string; hostname: string }>): Fix {
  const statements = changes.map(({ ip, hostname }) => poolHostnameSql(ip, hostname));
  const where = changes.map(({ ip, pool, hostname }) => `${ip} → ${hostname} (IP Pools → ${pool} → ${ip})`).join('; ');
  return {
    kind: 'database',
    summary: `Set the hostname of ${where} in the web interface, or with ${statements.join(' ')} — Postal uses it from the next delivery on, without a restart`,
    commands: statements.map((sql) => mainDbCommand(ctx, sql)),
  };
}
