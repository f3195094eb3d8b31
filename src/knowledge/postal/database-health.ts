import type { Context } from '../../core/types.js';
import { compareVersions } from './version.js';
import { mainDbSettings, messageDbSettings, readDatabase, type DatabaseRead } from './databases.js';

/** The server, its connection limit and the most connections it has had at once since it started. */
export const SERVER_STATEMENT =
  "SELECT VERSION() AS version, CURRENT_USER() AS account, @@max_connections AS max_connections, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'MAX_USED_CONNECTIONS') AS max_used_connections";

/** Rails' record of the migrations run on main_db. */
export const MIGRATIONS_STATEMENT = 'SELECT MAX(version) AS newest, COUNT(*) AS applied FROM schema_migrations';

/** The CREATE rights of the account message_db logs in as: global, or on database name patterns. */
export const GRANTS_STATEMENT =
  "SELECT g.scope, g.privilege FROM (SELECT '*' AS scope, PRIVILEGE_TYPE AS privilege, GRANTEE AS grantee FROM information_schema.USER_PRIVILEGES " +
  "UNION ALL SELECT TABLE_SCHEMA, PRIVILEGE_TYPE, GRANTEE FROM information_schema.SCHEMA_PRIVILEGES) g " +
  "WHERE g.privilege = 'CREATE' AND g.grantee = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

/**
 * The newest main_db migration of each Postal 3 release (db/migrate at the tags of postalserver/postal):
 * 3.0.0–3.1.1 end with 20240223141501_add_countries_to_authie_sessions, 3.2.0–3.3.6 with 20240311205229_add_oidc_fields_to_user.
 */
const NEWEST_MIGRATION: Array<{ from: string; migration: string }> = [
  { from: '3.2.0', migration: '20240311205229' },
  { from: '3.0.0', migration: '20240223141501' },
];

/** The newest migration the release expects, or null for a release this table does not know (2.x, or newer than 3.3.6). */
export function expectedMigration(version: string): string | null {
  if (compareVersions(version, '3.3.6') > 0 || compareVersions(version, '3.0.0') < 0) return null;
  return NEWEST_MIGRATION.find((entry) => compareVersions(version, entry.from) >= 0)?.migration ?? null;
}

/**
 * Rails 7.1 (activerecord 7.1.5.2 in Postal 3.3.6's Gemfile.lock) refuses MySQL/MariaDB older than 5.5.8
 * (abstract_mysql_adapter.rb check_version).
 */
export const OLDEST_SERVER = '5.5.8';

/** The version number of a VERSION() string: `10.11.6-MariaDB-0+deb12u1` → `10.11.6`. */
export function serverVersionNumber(text: string): string | null {
  return /^(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? null;
}

/** A MySQL grant pattern (`postal-%`, `postal\_server`) as a test of one database name. */
export function grantCovers(pattern: string, database: string): boolean {
  if (pattern === '*') return true;
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\' && index + 1 < pattern.length) source += pattern[++index].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i').test(database);
}

export interface DatabaseHealth {
  main: { server: DatabaseRead; migrations: DatabaseRead | null };
  /** SERVER_STATEMENT then GRANTS_STATEMENT, as message_db's account. */
  message: DatabaseRead;
}

/** Both databases, each with its own credentials: the server first, then what needs a working login. */
export async function readDatabaseHealth(ctx: Context): Promise<DatabaseHealth> {
  const [main, message] = await Promise.all([
    (async () => {
      const server = await readDatabase(ctx, mainDbSettings(ctx), [SERVER_STATEMENT]);
      const migrations = server.state === 'read' ? await readDatabase(ctx, mainDbSettings(ctx), [MIGRATIONS_STATEMENT]) : null;
      return { server, migrations };
    })(),
    readDatabase(ctx, messageDbSettings(ctx), [SERVER_STATEMENT, GRANTS_STATEMENT]),
  ]);
  return { main, message };
}
