import mysql from 'mysql2/promise';
import type { DatabaseErrorCode, DatabaseProbe, DatabaseSettings, PoolAddress, PoolQueryResult } from './types.js';

/** Postal's pools and their addresses (db/schema.rb), in a stable order so reports diff cleanly. */
export const POOL_QUERY =
  'SELECT p.name AS pool, a.ipv4, a.ipv6, a.hostname, a.priority FROM ip_addresses a JOIN ip_pools p ON p.id = a.ip_pool_id ORDER BY p.name, a.id';

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
  switch (code) {
    case 'refused':
      return `nothing accepts connections at ${where}: the database server is down or listens elsewhere`;
    case 'timeout':
      return `no answer from ${where} within ${timeoutMs} ms`;
    case 'access-denied':
      return `${where} denied access: main_db.username or main_db.password is wrong, or the user lacks rights on "${settings.database}"`;
    case 'unknown-database':
      return `${where} has no database "${settings.database}"`;
    case 'missing-table':
      return `database "${settings.database}" at ${where} has no Postal tables (${serverText})`;
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

/** Reads Postal's IP pools from main_db with mysql2; every path closes the connection. */
export function createDatabaseProbe(): DatabaseProbe {
  return {
    async ipPools(settings: DatabaseSettings, { timeoutMs, signal }): Promise<PoolQueryResult> {
      let connection: mysql.Connection | undefined;
      const cancel = () => connection?.destroy();
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        connection = await mysql.createConnection({
          host: settings.host,
          port: settings.port,
          user: settings.username,
          password: settings.password ?? undefined,
          database: settings.database,
          connectTimeout: timeoutMs,
        });
        // A server that drops the connection later must not take the process down.
        connection.on('error', () => {});
        const [rows] = await connection.query<mysql.RowDataPacket[]>({ sql: POOL_QUERY, timeout: timeoutMs });
        return { ok: true, addresses: rows.map(poolAddress) };
      } catch (error) {
        const { code, message } = error as { code?: string; message?: string };
        const mapped = SERVER_ERRORS[code ?? ''] ?? 'other';
        const serverText = scrub(message || code || 'unknown error', settings.password);
        return { ok: false, code: mapped, message: describe(mapped, settings, timeoutMs, serverText) };
      } finally {
        signal?.removeEventListener('abort', cancel);
        if (connection) await connection.end().catch(() => connection?.destroy());
      }
    },
  };
}
