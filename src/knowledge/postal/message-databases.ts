import type { Context } from '../../core/types.js';
import type { DatabaseRow } from '../../probes/types.js';
import { count, mainDbSettings, messageDbSettings, optionalNumber, readDatabase, type DatabaseRead } from './databases.js';
import { sqlQuote } from './pool-hostname-fix.js';

/**
 * Postal's message databases and what prunes them (postalserver/postal 3.3.6):
 * - one database per mail server, `<message_db.database_name_prefix>-server-<id>` (lib/postal/message_db/database.rb:274-276;
 *   the prefix defaults to "postal", lib/postal/config_schema.rb:201-204), created when the server is
 *   (app/models/server.rb:86-90) and dropped when it is destroyed (server.rb:92-96);
 * - raw messages in one table per UTC day, `raw-YYYY-MM-DD` (database.rb:114-133), their sizes added up in
 *   raw_message_sizes (message_db/message.rb:273-289);
 * - ProcessMessageRetentionScheduledTask runs daily at 03:00 (app/scheduled_tasks/process_message_retention_scheduled_task.rb,
 *   application_scheduled_task.rb three_am) for every server, deleted ones included (`Server.all`): it drops the raw
 *   tables dated before today − raw_message_retention_days (provisioner.rb:98-118), then the oldest raw tables until
 *   raw_message_sizes adds up to no more than raw_message_retention_size MB (provisioner.rb:147-156, database.rb:72-74),
 *   then the messages older than message_retention_days (provisioner.rb:132-142). A setting left NULL is not enforced.
 *   An exception for one server ends the task for the servers after it;
 * - ActionDeletionsScheduledTask, each hour at :15, destroys servers deleted in the web interface (deleted_at set),
 *   which drops their databases (app/scheduled_tasks/action_deletions_scheduled_task.rb).
 * New servers keep raw messages 30 days or 2,048 MB and messages 60 days (server.rb:71-73).
 */

/** The raw tables Postal parses (provisioner.rb:101-103 reads `raw-` and a date). */
const RAW_TABLE = "TABLE_NAME REGEXP '^raw-[0-9]{4}-[0-9]{2}-[0-9]{2}$'";
const TABLE_BYTES = 'DATA_LENGTH + INDEX_LENGTH';

/**
 * Each message database with its size and its raw tables' size, count and oldest date, in one aggregate over
 * information_schema.TABLES (sizes are InnoDB's, as of its last statistics update). `settled_raw_bytes` leaves out
 * today's and yesterday's tables (UTC), which may have grown since the last nightly run.
 */
export function messageDatabasesStatement(prefix: string): string {
  const pattern = sqlQuote(`${prefix.replace(/[!%_]/g, '!$&')}-server-%`);
  const oldest = `MIN(IF(${RAW_TABLE}, TABLE_NAME, NULL))`;
  return (
    `SELECT TABLE_SCHEMA AS name, COUNT(*) AS tables, SUM(${TABLE_BYTES}) AS bytes, ` +
    `SUM(IF(${RAW_TABLE}, ${TABLE_BYTES}, 0)) AS raw_bytes, SUM(${RAW_TABLE}) AS raw_tables, ` +
    `SUM(IF(${RAW_TABLE} AND TABLE_NAME < CONCAT('raw-', DATE_FORMAT(UTC_DATE() - INTERVAL 1 DAY, '%Y-%m-%d')), ${TABLE_BYTES}, 0)) AS settled_raw_bytes, ` +
    `${oldest} AS oldest_raw, DATEDIFF(UTC_DATE(), STR_TO_DATE(SUBSTRING(${oldest}, 5), '%Y-%m-%d')) AS oldest_raw_days ` +
    `FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE ${pattern} ESCAPE '!' GROUP BY TABLE_SCHEMA ORDER BY bytes DESC, name`
  );
}

/** Every mail server with its retention settings and organization (db/schema.rb servers, organizations). */
export const SERVERS_STATEMENT =
  'SELECT s.id, s.name, s.permalink, s.message_retention_days, s.raw_message_retention_days, s.raw_message_retention_size, ' +
  'TIMESTAMPDIFF(MINUTE, s.deleted_at, UTC_TIMESTAMP()) AS deleted_minutes, o.name AS organization, o.permalink AS organization_permalink ' +
  'FROM servers s LEFT JOIN organizations o ON o.id = s.organization_id ORDER BY s.id';

export interface MessageDatabase {
  name: string;
  serverId: number;
  bytes: number;
  rawBytes: number;
  /** Raw tables dated before yesterday (UTC): what the last nightly run left, unchanged since. */
  settledRawBytes: number;
  rawTables: number;
  oldestRaw: string | null;
  oldestRawDays: number | null;
}

export interface MailServer {
  id: number;
  name: string;
  /** `organization/server`, as Postal shows it (Server#full_permalink). */
  fullPermalink: string;
  organization: string | null;
  messageRetentionDays: number | null;
  rawRetentionDays: number | null;
  /** MB, as Postal counts them (× 1024 × 1024 bytes). */
  rawRetentionMb: number | null;
  /** Minutes since it was deleted in the web interface; null when it was not. */
  deletedMinutes: number | null;
}

export type MessageDatabasesRead =
  | { state: 'read'; databases: MessageDatabase[]; servers: MailServer[]; statements: { databases: string; servers: string } }
  | (Exclude<DatabaseRead, { state: 'read' }> & { section: 'main_db' | 'message_db'; statement: string });

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function text(row: DatabaseRow, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined ? null : String(value);
}

/**
 * The message databases (as message_db's own account sees them) and the mail servers (from main_db), read at
 * once. Databases whose name only looks like one (`postal-server-1-old`) are left out.
 */
export async function readMessageDatabases(ctx: Context): Promise<MessageDatabasesRead> {
  const prefix = String(ctx.config.get('message_db.database_name_prefix') ?? 'postal');
  const statements = { databases: messageDatabasesStatement(prefix), servers: SERVERS_STATEMENT };
  const [databases, servers] = await Promise.all([
    readDatabase(ctx, messageDbSettings(ctx), [statements.databases]),
    readDatabase(ctx, mainDbSettings(ctx), [statements.servers]),
  ]);
  if (databases.state !== 'read') return { ...databases, section: 'message_db', statement: statements.databases };
  if (servers.state !== 'read') return { ...servers, section: 'main_db', statement: statements.servers };
  const name = new RegExp(`^${escapeRegExp(prefix)}-server-(\\d+)$`);
  return {
    state: 'read',
    statements,
    databases: (databases.results[0] ?? []).flatMap((row): MessageDatabase[] => {
      const match = name.exec(String(row.name ?? ''));
      if (!match) return [];
      return [
        {
          name: match[0],
          serverId: Number(match[1]),
          bytes: count(row, 'bytes'),
          rawBytes: count(row, 'raw_bytes'),
          settledRawBytes: count(row, 'settled_raw_bytes'),
          rawTables: count(row, 'raw_tables'),
          oldestRaw: text(row, 'oldest_raw'),
          oldestRawDays: optionalNumber(row, 'oldest_raw_days'),
        },
      ];
    }),
    servers: (servers.results[0] ?? []).map((row) => ({
      id: count(row, 'id'),
      name: text(row, 'name') ?? '',
      fullPermalink: `${text(row, 'organization_permalink') ?? '?'}/${text(row, 'permalink') ?? '?'}`,
      organization: text(row, 'organization'),
      messageRetentionDays: optionalNumber(row, 'message_retention_days'),
      rawRetentionDays: optionalNumber(row, 'raw_message_retention_days'),
      rawRetentionMb: optionalNumber(row, 'raw_message_retention_size'),
      deletedMinutes: optionalNumber(row, 'deleted_minutes'),
    })),
  };
}

/**
 * Days a raw table may legitimately reach: the nightly run at 03:00 UTC leaves tables dated today − days and
 * later, and the next run is up to a day away, so the oldest may be days + 1 old; one more day of margin for a
 * late run.
 */
export function rawDaysLimit(retentionDays: number): number {
  return retentionDays + 2;
}

/**
 * Bytes the raw tables dated before yesterday may take on disk: the nightly run leaves raw messages adding up
 * to no more than the limit, counted as message sizes. On disk InnoDB stores a message over about 8 KiB in whole
 * 16 KiB overflow pages (one of 17 KiB takes 32 KiB) and reserves a table's space in 1 MiB extents, so the tables
 * may take nearly twice the limit; three times is evidence the run did not prune them.
 */
export function rawBytesLimit(retentionMb: number): number {
  return 3 * retentionMb * 1024 * 1024;
}
