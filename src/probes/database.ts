import mysql from 'mysql2/promise';
import type { DatabaseErrorCode, DatabaseProbe, DatabaseRow, DatabaseSettings, DomainRow, DomainsQueryResult, PoolAddress, PoolQueryResult, SelectRequest, SelectResult, TrackDomainRow } from './types.js';

/** Postal's pools and their addresses (db/schema.rb), in a stable order so reports diff cleanly. */
export const POOL_QUERY =
  'SELECT p.name AS pool, a.ipv4, a.ipv6, a.hostname, a.priority FROM ip_addresses a JOIN ip_pools p ON p.id = a.ip_pool_id ORDER BY p.name, a.id';

/** Postal's domains and their tracking domains (db/schema.rb at 3.3.6, lines 77-104 and 294-308). */
export const DOMAINS_QUERY =
  'SELECT id, name, dkim_private_key, dkim_identifier_string, dns_checked_at, spf_status, spf_error, dkim_status, dkim_error, mx_status, mx_error, return_path_status, return_path_error, outgoing FROM domains';
export const TRACK_DOMAINS_QUERY = 'SELECT t.id, t.domain_id, t.name, t.dns_checked_at, t.dns_status, t.dns_error, t.ssl_enabled FROM track_domains t JOIN domains d ON d.id = t.domain_id';

const SERVER_ERRORS: Record<string, DatabaseErrorCode> = {
  ER_ACCESS_DENIED_ERROR: 'access-denied',
  ER_DBACCESS_DENIED_ERROR: 'access-denied',
  ER_TABLEACCESS_DENIED_ERROR: 'access-denied',
  ER_BAD_DB_ERROR: 'unknown-database',
  ER_NO_SUCH_TABLE: 'missing-table',
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
};

function endpoint(settings: DatabaseSettings): string {
  return settings.host.includes(':') ? `[${settings.host}]:${settings.port}` : `${settings.host}:${settings.port}`;
}

/** The server's own words, on one line and with the password cut out wherever it might appear. */
function scrub(text: string, password: string | null): string {
  const line = text.split('\n')[0]?.trim() ?? '';
  return password ? line.split(password).join('***') : line;
}

function describe(code: DatabaseErrorCode, settings: DatabaseSettings, timeoutMs: number, serverText: string): string {
  const where = `${endpoint(settings)} (user ${settings.username})`;
  const section = settings.section ?? 'main_db';
  switch (code) {
    case 'refused':
      return `nothing accepts connections at ${where}: the database server is down or listens elsewhere`;
    case 'timeout':
      return `no answer from ${where} within ${timeoutMs} ms`;
    case 'access-denied':
      return `${where} denied access: ${section}.username or ${section}.password is wrong${settings.database ? `, or the user lacks rights on "${settings.database}"` : ''}`;
    case 'unknown-database':
      return `${where} has no database "${settings.database}"`;
    case 'missing-table':
      return `database "${settings.database}" at ${where} lacks a table Postal has (${serverText})`;
    case 'other':
      return `${where}: ${serverText}`;
  }
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const string = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  return string.trim() === '' ? null : string.trim();
}

function poolAddress(row: mysql.RowDataPacket): PoolAddress {
  const priority = row.priority === null || row.priority === undefined ? null : Number(row.priority);
  return {
    pool: text(row.pool) ?? '',
    ipv4: text(row.ipv4),
    ipv6: text(row.ipv6),
    // NULL and '' differ in Postal: NULL makes it say EHLO localhost, '' an empty EHLO.
    hostname: row.hostname === null || row.hostname === undefined ? null : (Buffer.isBuffer(row.hostname) ? row.hostname.toString('utf8') : String(row.hostname)).trim(),
    priority: Number.isFinite(priority) ? priority : null,
  };
}

/**
 * Statements the select method refuses: anything but one SELECT, and the SELECT forms that write or lock
 * (INTO OUTFILE/DUMPFILE/@variable, FOR UPDATE, LOCK IN SHARE MODE). One statement per string: no `;`.
 */
const WRITING_SELECT = /;|\bINTO\s+(OUTFILE|DUMPFILE|@)|\bFOR\s+UPDATE\b|\bLOCK\s+IN\s+SHARE\s+MODE\b/i;

function date(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  // Rails stores UTC; the connection reads datetimes as the server wrote them (dateStrings).
  const parsed = value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/** MySQL's booleans are TINYINT(1); a NULL takes Postal's column default (true). */
const flag = (value: unknown) => value === null || value === undefined || Number(value) !== 0;

function domainRow(row: mysql.RowDataPacket): DomainRow {
  return {
    id: Number(row.id),
    name: text(row.name) ?? '',
    dkimPrivateKey: text(row.dkim_private_key),
    dkimIdentifierString: text(row.dkim_identifier_string),
    dnsCheckedAt: date(row.dns_checked_at),
    spfStatus: text(row.spf_status),
    spfError: text(row.spf_error),
    dkimStatus: text(row.dkim_status),
    dkimError: text(row.dkim_error),
    mxStatus: text(row.mx_status),
    mxError: text(row.mx_error),
    returnPathStatus: text(row.return_path_status),
    returnPathError: text(row.return_path_error),
    outgoing: flag(row.outgoing),
  };
}

function trackDomainRow(row: mysql.RowDataPacket): TrackDomainRow {
  return {
    id: Number(row.id),
    domainId: Number(row.domain_id),
    name: text(row.name) ?? '',
    dnsCheckedAt: date(row.dns_checked_at),
    dnsStatus: text(row.dns_status),
    dnsError: text(row.dns_error),
    sslEnabled: flag(row.ssl_enabled),
  };
}

/** Refuses a statement that is not a plain SELECT: the doctor never writes to Postal's databases. */
export function assertSelect(sql: string): void {
  if (!/^\s*SELECT\s/i.test(sql) || WRITING_SELECT.test(sql)) throw new Error(`refused to send a statement that is not a plain SELECT: ${sql.trim().split('\n')[0]}`);
}

function cell(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  return String(value);
}

type Outcome<T> = { ok: true; value: T } | { ok: false; code: DatabaseErrorCode; message: string };

/**
 * One connection for `work`, within `timeoutMs` for the connect and each statement; `signal` destroys it. Every
 * path closes it; an error becomes a code and a message without the password.
 */
async function withConnection<T>(settings: DatabaseSettings, timeoutMs: number, signal: AbortSignal | undefined, work: (connection: mysql.Connection) => Promise<T>): Promise<Outcome<T>> {
  let connection: mysql.Connection | undefined;
  const cancel = () => connection?.destroy();
  if (signal?.aborted) return { ok: false, code: 'timeout', message: `stopped before connecting to ${endpoint(settings)}: the check ran out of time` };
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    connection = await mysql.createConnection({
      host: settings.host,
      port: settings.port,
      user: settings.username,
      password: settings.password ?? undefined,
      database: settings.database || undefined,
      connectTimeout: timeoutMs,
      // Times as the server wrote them and sums as numbers: the checks compute ages in SQL.
      dateStrings: true,
      decimalNumbers: true,
      // Only plain queries are sent: the cache of prepared statements would take room for 16,000 per connection.
      maxPreparedStatements: 1,
    });
    // A server that drops the connection later must not take the process down.
    connection.on('error', () => {});
    return { ok: true, value: await work(connection) };
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const mapped = signal?.aborted ? 'timeout' : (SERVER_ERRORS[code ?? ''] ?? 'other');
    const serverText = scrub(message || code || 'unknown error', settings.password);
    return { ok: false, code: mapped, message: describe(mapped, settings, timeoutMs, serverText) };
  } finally {
    signal?.removeEventListener('abort', cancel);
    if (connection) await connection.end().catch(() => connection?.destroy());
  }
}

async function select(settings: DatabaseSettings, { statements, timeoutMs, signal }: SelectRequest): Promise<SelectResult> {
  for (const sql of statements) assertSelect(sql);
  let current: string | undefined;
  const outcome = await withConnection(settings, timeoutMs, signal, async (connection) => {
    const results: DatabaseRow[][] = [];
    for (const sql of statements) {
      current = sql;
      const [rows] = await connection.query<mysql.RowDataPacket[]>({ sql, timeout: timeoutMs });
      results.push(rows.map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [name, cell(value)]))));
    }
    return results;
  });
  if (outcome.ok) return { ok: true, results: outcome.value };
  return { ...outcome, ...(current ? { statement: current } : {}) };
}

/** Reads Postal's IP pools from main_db with mysql2. */
export function createDatabaseProbe(): DatabaseProbe {
  return {
    select,
    async domains(settings, { timeoutMs, name, signal }): Promise<DomainsQueryResult> {
      const outcome = await withConnection(settings, timeoutMs, signal, async (connection) => {
        const where = name === undefined ? '' : ' WHERE name = ?';
        const values = name === undefined ? [] : [name];
        const [domains] = await connection.query<mysql.RowDataPacket[]>({ sql: `${DOMAINS_QUERY}${where} ORDER BY name, id`, values, timeout: timeoutMs });
        const [tracks] = await connection.query<mysql.RowDataPacket[]>({ sql: `${TRACK_DOMAINS_QUERY}${where.replace('name', 'd.name')} ORDER BY t.domain_id, t.name`, values, timeout: timeoutMs });
        return { domains: domains.map(domainRow), trackDomains: tracks.map(trackDomainRow) };
      });
      return outcome.ok ? { ok: true, ...outcome.value } : outcome;
    },
    async ipPools(settings: DatabaseSettings, { timeoutMs, signal }): Promise<PoolQueryResult> {
      const outcome = await withConnection(settings, timeoutMs, signal, async (connection) => {
        const [rows] = await connection.query<mysql.RowDataPacket[]>({ sql: POOL_QUERY, timeout: timeoutMs });
        return rows.map(poolAddress);
      });
      return outcome.ok ? { ok: true, addresses: outcome.value } : outcome;
    },
  };
}
