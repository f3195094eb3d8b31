import type { CheckContext, CheckDefinition, Evidence, Finding, Fix } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { sizeText } from '../../util/size.js';
import { spanText } from '../../util/duration.js';
import { DATABASE_READ_MESSAGES, messageDbSettings, unreadFinding } from '../../knowledge/postal/databases.js';
import { rawBytesLimit, rawDaysLimit, readMessageDatabases, type MailServer, type MessageDatabase } from '../../knowledge/postal/message-databases.js';

/** The biggest databases listed in the pass. */
const LISTED = 5;

/** ActionDeletionsScheduledTask runs each hour at :15: a deleted server still there after two hours was not removed. */
const DELETION_MINUTES = 120;

function serverText(server: MailServer): string {
  return `${server.fullPermalink} (${server.name}${server.organization ? `, organization ${server.organization}` : ''})`;
}

function retentionText(server: MailServer): string {
  const raw = [server.rawRetentionDays === null ? null : `${server.rawRetentionDays} days`, server.rawRetentionMb === null ? null : `${server.rawRetentionMb.toLocaleString('en-US')} MB`].filter(Boolean);
  const messages = server.messageRetentionDays === null ? 'messages without limit' : `messages ${server.messageRetentionDays} days`;
  return `keeps raw messages ${raw.length > 0 ? raw.join(' or ') : 'without limit'}, ${messages}`;
}

/** `1 daily table`, `3 daily tables`. */
const tablesText = (count: number, kind = '') => `${count} ${kind}${count === 1 ? 'table' : 'tables'}`;

function databaseLine(database: MessageDatabase, server: MailServer | undefined): string {
  const raw = database.rawTables > 0 ? `raw messages ${sizeText(database.rawBytes)} in ${tablesText(database.rawTables, 'daily ')} since ${database.oldestRaw?.slice(4) ?? '?'}` : 'no raw message table';
  const owner = server ? `${serverText(server)}, ${retentionText(server)}` : 'no mail server';
  return `${database.name} ${sizeText(database.bytes)}: ${raw}; ${owner}`;
}

/** Where to look when Postal's own pruning has not happened: the scheduler, then the worker's log. */
const PRUNING_FIX: Fix = {
  kind: 'manual',
  summary:
    'Find out why the nightly retention task has not pruned it: postal.scheduler says whether a worker runs the scheduled tasks; if it does, the worker log shows the error that stops ProcessMessageRetentionScheduledTask (an error for one server stops it for the servers after it)',
  commands: ['postal-doctor check --only postal.scheduler', 'postal logs --tail 5000 worker | grep -i -A5 retention'],
};

function orphanFix(ctx: CheckContext, database: string): Fix {
  const settings = messageDbSettings(ctx);
  const client = sh`-h ${settings.host} -P ${settings.port} -u ${settings.username} -p`;
  const drop = `DROP DATABASE \`${database.replace(/`/g, '``')}\`;`;
  return {
    kind: 'manual',
    summary: `If no mail server should have it, keep a copy and drop it to free the space: mysqldump ${client} ${database} > ${database}.sql, then ${drop}`,
    commands: [`mysqldump ${client} ${sh`${database}`} > ${sh`${database}.sql`}`, `mysql ${client} -e ${sh`${drop}`}`],
  };
}

export const messageDatabasesCheck: CheckDefinition = {
  id: 'postal.message-databases',
  group: 'postal',
  order: 75,
  title: "The biggest message databases, and Postal's pruning of raw messages keeps them within each server's retention",
  targets: 'database',
  probes: ['database'],
  network: false,
  messages: {
    ...DATABASE_READ_MESSAGES,
    none: { title: 'No message database', message: 'message_db\'s account sees no database named {prefix}-server-<id>, and main_db has no mail server.' },
    biggest: {
      title: 'Message databases: {count}, {total} in all; the biggest is {biggest}',
      message: 'The biggest of the {count} message databases ({total} in all, sizes as InnoDB last counted them): {list}.',
    },
    'raw-days': {
      title: '{database}: raw messages {age} days old, retention {days} days',
      message:
        'The oldest raw message table of {server} is {table}, {age} days old, and it keeps raw messages {days} days: Postal drops older tables every night at 03:00 UTC, so that has not happened for about {late} days. {size} of raw messages in {tables}.',
    },
    'raw-size': {
      title: '{database}: {size} of raw messages, retention {limit}',
      message:
        "{server} keeps raw messages up to {limit}, but its raw tables dated before yesterday take {settled} ({size} with the two newest): the nightly run drops the oldest tables until the messages add up to the limit, so even counted on disk, with InnoDB's overhead, they should be under {allowed}.",
    },
    orphan: {
      title: '{database}: no mail server has it ({size})',
      message: 'No mail server in main_db has the id {id}, so nothing in Postal uses {database} or prunes it; it takes {size}{raw}. Postal drops a server\'s database when it destroys the server; this one was left behind (a server removed directly in the database, or a failed drop).',
    },
    'deletion-pending': {
      title: '{database}: its server was deleted {ago} ago and is still there ({size})',
      message:
        '{server} was deleted in the web interface {ago} ago; Postal removes deleted servers and their databases each hour (ActionDeletionsScheduledTask), so that task has not run or failed.',
    },
    'no-database': {
      title: 'Mail servers without a message database: {count}',
      message: "message_db's account sees no tables in the database of {servers}. Postal keeps each server's messages there, so receiving and sending fail for it: the database was not created or was lost, or the account may not read it (postal.databases).",
    },
  },
  async run(ctx): Promise<Finding[]> {
    const read = await readMessageDatabases(ctx);
    if (read.state !== 'read') return [unreadFinding(read, 'Message databases', read.section, read.statement)];
    const { databases, servers, statements } = read;
    const evidence: Evidence[] = [
      { query: statements.databases, answer: databases.map((database) => `${database.name}: ${database.bytes} bytes, raw ${database.rawBytes} in ${database.rawTables} tables, oldest ${database.oldestRaw ?? 'none'}`) },
      { query: statements.servers, answer: servers.map((server) => `${server.id} ${server.fullPermalink}: raw ${server.rawRetentionDays ?? 'NULL'} days / ${server.rawRetentionMb ?? 'NULL'} MB, messages ${server.messageRetentionDays ?? 'NULL'} days${server.deletedMinutes === null ? '' : `, deleted ${server.deletedMinutes} min ago`}`) },
    ];
    const prefix = String(ctx.config.get('message_db.database_name_prefix') ?? 'postal');
    if (databases.length === 0 && servers.length === 0) return [{ target: null, status: 'pass', messageId: 'none', data: { prefix }, evidence }];

    const byId = new Map(servers.map((server) => [server.id, server]));
    const findings: Finding[] = [];
    for (const database of databases) {
      const server = byId.get(database.serverId);
      const size = sizeText(database.bytes);
      if (!server) {
        const raw = database.rawBytes > 0 ? `, ${sizeText(database.rawBytes)} of it raw messages in ${tablesText(database.rawTables)}` : '';
        findings.push({ target: database.name, status: 'warn', messageId: 'orphan', data: { database: database.name, id: database.serverId, size, raw }, evidence, fix: orphanFix(ctx, database.name) });
        continue;
      }
      if (server.deletedMinutes !== null && server.deletedMinutes > DELETION_MINUTES) {
        findings.push({
          target: database.name,
          status: 'warn',
          messageId: 'deletion-pending',
          data: { database: database.name, server: serverText(server), ago: spanText(server.deletedMinutes * 60), size },
          evidence,
          fix: { ...PRUNING_FIX, summary: 'Find out why deleted servers are not removed: postal.scheduler says whether a worker runs the scheduled tasks; if it does, the worker log shows the error that stops ActionDeletionsScheduledTask', commands: ['postal-doctor check --only postal.scheduler', 'postal logs --tail 5000 worker | grep -i -A5 "permanently removing"'] },
        });
      }
      const raw = { database: database.name, server: serverText(server), size: sizeText(database.rawBytes), tables: tablesText(database.rawTables) };
      if (server.rawRetentionDays !== null && database.oldestRawDays !== null && database.oldestRawDays > rawDaysLimit(server.rawRetentionDays)) {
        findings.push({
          target: database.name,
          status: 'warn',
          messageId: 'raw-days',
          data: { ...raw, table: database.oldestRaw ?? '?', age: database.oldestRawDays, days: server.rawRetentionDays, late: database.oldestRawDays - server.rawRetentionDays - 1 },
          evidence,
          fix: PRUNING_FIX,
        });
      }
      if (server.rawRetentionMb !== null && database.settledRawBytes > rawBytesLimit(server.rawRetentionMb)) {
        findings.push({
          target: database.name,
          status: 'warn',
          messageId: 'raw-size',
          data: { ...raw, settled: sizeText(database.settledRawBytes), limit: `${server.rawRetentionMb.toLocaleString('en-US')} MB`, allowed: sizeText(rawBytesLimit(server.rawRetentionMb)) },
          evidence,
          fix: PRUNING_FIX,
        });
      }
    }

    const present = new Set(databases.map((database) => database.serverId));
    const missing = servers.filter((server) => server.deletedMinutes === null && !present.has(server.id));
    if (missing.length > 0) {
      findings.push({
        target: null,
        status: 'warn',
        messageId: 'no-database',
        data: { count: missing.length, servers: missing.map((server) => `${serverText(server)} (${prefix}-server-${server.id})`).join(', ') },
        evidence,
        fix: { kind: 'manual', summary: 'See whether message_db may read and create the databases (postal.databases), and whether the database server lost them', commands: ['postal-doctor check --only postal.databases'] },
      });
    }

    if (databases.length > 0) {
      const total = databases.reduce((sum, database) => sum + database.bytes, 0);
      const biggest = [...databases].sort((a, b) => b.bytes - a.bytes || a.serverId - b.serverId).slice(0, LISTED);
      findings.unshift({
        target: null,
        status: 'pass',
        messageId: 'biggest',
        data: {
          count: databases.length,
          total: sizeText(total),
          biggest: `${biggest[0].name} (${sizeText(biggest[0].bytes)})`,
          list: biggest.map((database) => databaseLine(database, byId.get(database.serverId))).join('; '),
        },
        evidence,
      });
    }
    return findings;
  },
};
