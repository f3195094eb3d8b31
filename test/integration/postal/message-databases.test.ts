import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabaseProbe } from '../../../src/probes/database.js';
import { messageDatabasesCheck } from '../../../src/checks/postal/message-databases.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { freePort } from '../../support/knot.js';
import { mariadbMissing, startMariaDb, statementsSentDuring, type MariaDb } from '../../support/mariadb.js';
import { POSTAL_MAIN_TABLES, rawTableSql } from '../../support/postal-schema.js';
import { startSilentServer, type SilentServer } from '../../support/silent-server.js';

const MAIN_PASSWORD = 'Ma1n-db!pw';
const MESSAGE_PASSWORD = 'Mess4ge-db!pw';
const missing = mariadbMissing();

/** The UTC date `days` ago, as Postal names its raw tables (raw-YYYY-MM-DD). */
const rawTable = (days: number) => `raw-${new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)}`;

/**
 * A message database as Postal provisions it, as far as sizes go: a few of its tables (lib/postal/message_db/migrations)
 * and a raw table per day, each with `rows` raw messages of `kib` KiB.
 */
function messageDatabase(name: string, raw: Array<{ days: number; rows: number; kib: number }>): string {
  const tables = raw.map(({ days, rows, kib }) => {
    const table = rawTable(days);
    return `${rawTableSql(name, table)}
      INSERT INTO \`${name}\`.\`${table}\` (data) SELECT REPEAT(CHAR(65 + seq % 26), ${kib * 1024}) FROM seq_1_to_${rows};
      INSERT INTO \`${name}\`.raw_message_sizes (table_name, size) VALUES ('${table}', ${rows * kib * 1024});
      ANALYZE TABLE \`${name}\`.\`${table}\`;`;
  });
  return `CREATE DATABASE \`${name}\` CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE TABLE \`${name}\`.messages (id INT AUTO_INCREMENT PRIMARY KEY, raw_table VARCHAR(255), raw_headers_id INT, raw_body_id INT, size INT, timestamp DECIMAL(18,6)) ENGINE=InnoDB;
    CREATE TABLE \`${name}\`.raw_message_sizes (id INT AUTO_INCREMENT PRIMARY KEY, table_name VARCHAR(255), size BIGINT) ENGINE=InnoDB;
    ${tables.join('\n')}`;
}

const AGO = (interval: string) => `UTC_TIMESTAMP() - INTERVAL ${interval}`;

describe("Postal's message databases in a real MariaDB", { skip: missing ?? false }, () => {
  let db: MariaDb;
  let silent: SilentServer;

  before(async () => {
    db = await startMariaDb();
    silent = await startSilentServer();
    // main_db's and message_db's own accounts, as an installation with separate logins has them.
    await db.sql(`
      CREATE DATABASE postal; CREATE DATABASE postal_old;
      CREATE USER 'postal'@'127.0.0.1' IDENTIFIED BY '${MAIN_PASSWORD}';
      GRANT ALL ON postal.* TO 'postal'@'127.0.0.1'; GRANT ALL ON postal_old.* TO 'postal'@'127.0.0.1';
      CREATE USER 'messages'@'127.0.0.1' IDENTIFIED BY '${MESSAGE_PASSWORD}';
      GRANT ALL ON \`postal-server-%\`.* TO 'messages'@'127.0.0.1';`);
    await db.sql(
      `${POSTAL_MAIN_TABLES}
      INSERT INTO organizations (id, name, permalink) VALUES (1, 'Acme', 'acme');
      INSERT INTO servers (id, organization_id, name, permalink, mode, message_retention_days, raw_message_retention_days, raw_message_retention_size, deleted_at) VALUES
        (1, 1, 'Transactional', 'transactional', 'Live', 60, 30, 2048, NULL),
        (2, 1, 'Newsletters', 'newsletters', 'Live', 60, 7, 1, NULL),
        (3, 1, 'Old shop', 'old-shop', 'Live', 60, 30, 2048, ${AGO('5 HOUR')}),
        (4, 1, 'Fresh', 'fresh', 'Live', 60, 30, 2048, NULL);`,
      'postal',
    );
    // An older main_db without the servers table.
    await db.sql('CREATE TABLE ip_pools (id INT PRIMARY KEY);', 'postal_old');
    await db.sql(
      [
        // Pruned as it should be: today's, yesterday's and a 10-day-old table under its 30 days and 2,048 MB.
        messageDatabase('postal-server-1', [{ days: 0, rows: 20, kib: 20 }, { days: 1, rows: 20, kib: 20 }, { days: 10, rows: 20, kib: 20 }]),
        // Not pruned: 20-day-old raw messages for a 7-day retention, and about 3 MiB before yesterday for a 1 MB limit.
        messageDatabase('postal-server-2', [{ days: 3, rows: 30, kib: 50 }, { days: 12, rows: 30, kib: 50 }, { days: 20, rows: 10, kib: 50 }]),
        // Its server was deleted five hours ago.
        messageDatabase('postal-server-3', []),
        // No server has id 9.
        messageDatabase('postal-server-9', [{ days: 40, rows: 20, kib: 30 }]),
        // Not message databases: another name that the account may see, and another prefix.
        messageDatabase('postal-server-1-old', [{ days: 400, rows: 1, kib: 1 }]),
        messageDatabase('other-server-5', [{ days: 400, rows: 1, kib: 1 }]),
      ].join('\n'),
      'postal', // seq_1_to_N needs a current database
    );
  });
  after(async () => {
    await silent?.close();
    await db?.stop();
  });

  const yaml = (options: { mainDatabase?: string; messagePort?: number } = {}) =>
    [
      'version: 2',
      'main_db:',
      '  host: 127.0.0.1',
      `  port: ${db.port}`,
      '  username: postal',
      `  password: "${MAIN_PASSWORD}"`,
      `  database: ${options.mainDatabase ?? 'postal'}`,
      'message_db:',
      '  host: 127.0.0.1',
      `  port: ${options.messagePort ?? db.port}`,
      '  username: messages',
      `  password: "${MESSAGE_PASSWORD}"`,
      '',
    ].join('\n');
  const run = (options: Parameters<typeof yaml>[0] = {}, runOptions: { timeoutMs?: number; offline?: boolean; useDatabase?: boolean } = {}) =>
    runCheck(messageDatabasesCheck, { yaml: yaml(options), probes: { database: createDatabaseProbe() }, options: { timeoutMs: 3000, ...runOptions } });

  it('lists the biggest message databases with their servers and retention, and warns where pruning has not happened', async () => {
    const results = await run();
    assert.deepEqual(brief(results), [
      { target: null, status: 'pass', messageId: 'biggest' },
      { target: 'postal-server-2', status: 'warn', messageId: 'raw-days' },
      { target: 'postal-server-2', status: 'warn', messageId: 'raw-size' },
      { target: 'postal-server-9', status: 'warn', messageId: 'orphan' },
      { target: 'postal-server-3', status: 'warn', messageId: 'deletion-pending' },
      { target: null, status: 'warn', messageId: 'no-database' },
    ]);
    const [biggest, days, size, orphan, deleted, none] = results;
    console.log(results.map((result) => `${result.status.toUpperCase().padEnd(7)} ${result.target}: ${result.title}\n        ${result.message}`).join('\n'));

    // Four databases: the look-alike postal-server-1-old is not one, other-server-5 has another prefix.
    assert.match(biggest.title, /^Message databases: 4, \d+\.\d MiB in all; the biggest is postal-server-2 \(\d+\.\d MiB\)$/);
    assert.deepEqual(biggest.message.match(/(?<=: |; )postal-server-\d+/g), ['postal-server-2', 'postal-server-1', 'postal-server-9', 'postal-server-3']);
    assert.match(biggest.message, new RegExp(`postal-server-2 \\d+\\.\\d MiB: raw messages \\d+\\.\\d MiB in 3 daily tables since ${rawTable(20).slice(4)}; acme/newsletters \\(Newsletters, organization Acme\\), keeps raw messages 7 days or 1 MB, messages 60 days`));
    assert.match(biggest.message, /postal-server-9 [\d.]+ MiB: raw messages [\d.]+ MiB in 1 daily table since [\d-]+; no mail server/);

    assert.equal(days.title, 'postal-server-2: raw messages 20 days old, retention 7 days');
    assert.match(days.message, new RegExp(`^The oldest raw message table of acme/newsletters \\(Newsletters, organization Acme\\) is ${rawTable(20)}, 20 days old, and it keeps raw messages 7 days: .* about 12 days\\.`));
    assert.deepEqual(days.fix?.commands[0], 'postal-doctor check --only postal.scheduler');
    // 70 rows of 50 KiB before yesterday, against 1 MB allowed three times over on disk.
    assert.match(size.message, /keeps raw messages up to 1 MB, but its raw tables dated before yesterday take (\d\.\d) MiB .*under 3\.0 MiB\.$/);
    assert.ok(Number(/take (\d\.\d) MiB/.exec(size.message)![1]) >= 3.0, size.message);

    assert.equal(orphan.title.replace(/\d+\.\d MiB/, 'N'), 'postal-server-9: no mail server has it (N)');
    assert.match(orphan.message, /No mail server in main_db has the id 9/);
    assert.deepEqual(orphan.fix?.kind, 'manual');
    assert.match(orphan.fix!.commands[1], /^mysql -h 127\.0\.0\.1 -P \d+ -u messages -p -e 'DROP DATABASE `postal-server-9`;'$/);
    assert.match(deleted.message, /^acme\/old-shop \(Old shop, organization Acme\) was deleted in the web interface 5 h ago/);
    assert.match(none.message, /acme\/fresh \(Fresh, organization Acme\) \(postal-server-4\)/);
    for (const result of results) assert.doesNotMatch(JSON.stringify(result), /Mess4ge-db|Ma1n-db/);
  });

  it('asks each database one SELECT, as its own account (the server general log)', async () => {
    const rows = (await statementsSentDuring(db, run)).map(({ account, statement }) => [account, statement]);
    // The client's own session settings aside, one statement each.
    const queries = rows.filter(([, statement]) => /^SELECT\s/i.test(statement) && !/^SELECT @@/i.test(statement));
    assert.deepEqual(rows.filter(([, statement]) => !/^(SELECT|SET)\s/i.test(statement)), []);
    assert.equal(queries.length, 2, rows.join('\n'));
    const byUser = Object.fromEntries(queries.map(([user, statement]) => [user.split('[')[0], statement]));
    assert.match(byUser.messages, /^SELECT TABLE_SCHEMA AS name, .* FROM information_schema\.TABLES WHERE TABLE_SCHEMA LIKE 'postal-server-%' ESCAPE '!' GROUP BY TABLE_SCHEMA/);
    assert.match(byUser.postal, /^SELECT s\.id, s\.name, s\.permalink, .* FROM servers s LEFT JOIN organizations o/);
  });

  it('is unknown with the reason when message_db refuses or does not answer, or main_db has no servers table', async () => {
    const refused = await run({ messagePort: await freePort() });
    assert.deepEqual(brief(refused), [{ target: null, status: 'unknown', messageId: 'db-error' }]);
    assert.match(refused[0].message, /^Reading message_db failed: nothing accepts connections at 127\.0\.0\.1:\d+ \(user messages\)/);

    const started = performance.now();
    const silentResults = await run({ messagePort: silent.port }, { timeoutMs: 500 });
    assert.deepEqual(brief(silentResults), [{ target: null, status: 'unknown', messageId: 'db-error' }]);
    assert.ok(performance.now() - started < 2500);

    const old = await run({ mainDatabase: 'postal_old' });
    assert.deepEqual(brief(old), [{ target: null, status: 'unknown', messageId: 'db-error' }]);
    assert.match(old[0].message, /^Reading main_db failed: .*\(Table 'postal_old\.servers' doesn't exist\)\. The schema is older or newer/);
  });

  it('reads nothing under --no-db or --offline', async () => {
    assert.deepEqual(brief(await run({}, { useDatabase: false })), [{ target: null, status: 'skip', messageId: 'no-db' }]);
    assert.deepEqual(brief(await run({}, { offline: true })), [{ target: null, status: 'skip', messageId: 'offline' }]);
  });
});
