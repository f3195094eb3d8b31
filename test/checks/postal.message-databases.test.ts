import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messageDatabasesCheck } from '../../src/checks/postal/message-databases.js';
import type { DatabaseProbe, DatabaseRow, SelectResult } from '../../src/probes/types.js';
import { checkTable, runCheck } from '../support/check-tester.js';
import { unfakedMethod } from '../support/fakes.js';

const GIB = 1024 ** 3;

/** A row of the information_schema aggregate for `<prefix>-server-<id>`. */
function database(id: number | string, options: { bytes?: number; raw?: number; settled?: number; tables?: number; oldestDays?: number | null } = {}): DatabaseRow {
  const oldestDays = options.oldestDays === undefined ? 5 : options.oldestDays;
  return {
    name: typeof id === 'number' ? `postal-server-${id}` : id,
    tables: 20,
    bytes: options.bytes ?? 2 * GIB,
    raw_bytes: options.raw ?? GIB,
    settled_raw_bytes: options.settled ?? 0.8 * GIB,
    raw_tables: options.tables ?? 6,
    oldest_raw: oldestDays === null ? null : `raw-day-${oldestDays}`,
    oldest_raw_days: oldestDays,
  };
}

/** A row of main_db's servers with its organization; Postal's defaults for new servers (server.rb:71-73). */
function server(id: number, options: { rawDays?: number | null; rawMb?: number | null; deletedMinutes?: number | null; name?: string } = {}): DatabaseRow {
  return {
    id,
    name: options.name ?? `Server ${id}`,
    permalink: `server-${id}`,
    message_retention_days: 60,
    raw_message_retention_days: options.rawDays === undefined ? 30 : options.rawDays,
    raw_message_retention_size: options.rawMb === undefined ? 2048 : options.rawMb,
    deleted_minutes: options.deletedMinutes ?? null,
    organization: 'Acme',
    organization_permalink: 'acme',
  };
}

type Failure = Extract<SelectResult, { ok: false }>;

/** message_db answers the information_schema aggregate, main_db the servers; either may fail instead. */
function postalDatabases(databases: DatabaseRow[], servers: DatabaseRow[], options: { asked?: Array<{ section: string; statements: string[] }>; message?: Failure; main?: Failure } = {}): DatabaseProbe {
  return {
    ipPools: unfakedMethod('database.ipPools'),
    domains: unfakedMethod('database.domains'),
    async select(settings, request) {
      options.asked?.push({ section: settings.section ?? 'main_db', statements: request.statements });
      if (settings.section === 'message_db') return options.message ?? { ok: true, results: [databases] };
      return options.main ?? { ok: true, results: [servers] };
    },
  };
}

const ONE = [server(1)];

checkTable(messageDatabasesCheck, {
  valid: [
    { name: 'one database pruned as its server says', probes: { database: postalDatabases([database(1)], ONE) } },
    {
      name: 'raw tables as old as two nightly runs apart allow (retention + 1 day), and a day of margin',
      probes: { database: postalDatabases([database(1, { oldestDays: 32 })], ONE) },
    },
    {
      name: 'raw tables before yesterday up to three times the size limit (InnoDB pages)',
      probes: { database: postalDatabases([database(1, { settled: 3 * 2048 * 1024 * 1024 })], ONE) },
    },
    {
      name: 'no limit set: Postal keeps raw messages, nothing to judge',
      probes: { database: postalDatabases([database(1, { oldestDays: 900, settled: 500 * GIB })], [server(1, { rawDays: null, rawMb: null })]) },
    },
    { name: 'a server deleted less than two hours ago: the hourly removal may not have come yet', probes: { database: postalDatabases([database(1)], [server(1, { deletedMinutes: 119 })]) } },
    { name: 'no mail server and no message database', probes: { database: postalDatabases([], []) } },
    { name: 'not read under --no-db', options: { useDatabase: false } },
  ],
  invalid: [
    {
      name: 'raw tables older than retention + 2 days',
      probes: { database: postalDatabases([database(1, { oldestDays: 33 })], ONE) },
      expected: [
        { target: null, status: 'pass', messageId: 'biggest' },
        { target: 'postal-server-1', status: 'warn', messageId: 'raw-days' },
      ],
    },
    {
      name: 'raw tables before yesterday over three times the size limit',
      probes: { database: postalDatabases([database(1, { settled: 3 * 2048 * 1024 * 1024 + 1 })], ONE) },
      expected: [
        { target: null, status: 'pass', messageId: 'biggest' },
        { target: 'postal-server-1', status: 'warn', messageId: 'raw-size' },
      ],
    },
    {
      name: 'a database no server has, and a server without a database',
      probes: { database: postalDatabases([database(1), database(7, { oldestDays: 200 })], [server(1), server(2)]) },
      expected: [
        { target: null, status: 'pass', messageId: 'biggest' },
        { target: 'postal-server-7', status: 'warn', messageId: 'orphan' },
        { target: null, status: 'warn', messageId: 'no-database' },
      ],
    },
    {
      name: 'a server deleted in the web interface hours ago, its database still there',
      probes: { database: postalDatabases([database(1)], [server(1, { deletedMinutes: 121 })]) },
      expected: [
        { target: null, status: 'pass', messageId: 'biggest' },
        { target: 'postal-server-1', status: 'warn', messageId: 'deletion-pending' },
      ],
    },
    {
      name: 'message_db refuses the connection',
      probes: { database: postalDatabases([], ONE, { message: { ok: false, code: 'refused', message: 'nothing accepts connections at 127.0.0.1:3306' } }) },
      expected: [{ target: null, status: 'unknown', messageId: 'db-error' }],
    },
    {
      name: 'main_db has no servers table',
      probes: { database: postalDatabases([database(1)], [], { main: { ok: false, code: 'missing-table', message: "Table 'postal.servers' doesn't exist" } }) },
      expected: [{ target: null, status: 'unknown', messageId: 'db-error' }],
    },
    { name: 'not read under --offline', options: { offline: true }, expected: [{ target: null, status: 'skip', messageId: 'offline' }] },
  ],
});

describe('postal.message-databases', () => {
  it('asks message_db one aggregate over information_schema and main_db one SELECT of the servers', async () => {
    const asked: Array<{ section: string; statements: string[] }> = [];
    await runCheck(messageDatabasesCheck, { probes: { database: postalDatabases([database(1)], ONE, { asked }) } });
    assert.deepEqual(asked.map(({ section, statements }) => [section, statements.length]), [['message_db', 1], ['main_db', 1]]);
    assert.match(asked[0].statements[0], /^SELECT TABLE_SCHEMA AS name, .* FROM information_schema\.TABLES WHERE TABLE_SCHEMA LIKE 'postal-server-%' ESCAPE '!' GROUP BY TABLE_SCHEMA ORDER BY bytes DESC, name$/);
    assert.match(asked[1].statements[0], /FROM servers s LEFT JOIN organizations o ON o\.id = s\.organization_id ORDER BY s\.id$/);
  });

  it('escapes the prefix for LIKE and keeps only names Postal gives', async () => {
    const asked: Array<{ section: string; statements: string[] }> = [];
    const rows = [database('my_postal-server-1'), database('myXpostal-server-2'), database('my_postal-server-1-old'), database('my_postal-server-3')];
    const results = await runCheck(messageDatabasesCheck, {
      yaml: 'version: 2\nmessage_db:\n  database_name_prefix: my_postal\n',
      probes: { database: postalDatabases(rows, [server(1), server(3)], { asked }) },
    });
    assert.match(asked[0].statements[0], / LIKE 'my!_postal-server-%' ESCAPE '!' /);
    assert.deepEqual(results.map((result) => result.messageId), ['biggest']);
    assert.match(results[0].title, /^Message databases: 2, 4\.0 GiB in all;/);
  });

  it('lists at most five, biggest first, with their servers and retention', async () => {
    const databases = [1, 2, 3, 4, 5, 6].map((id) => database(id, { bytes: id * GIB, raw: id * 0.5 * GIB, tables: id }));
    const [result] = await runCheck(messageDatabasesCheck, { probes: { database: postalDatabases(databases, [1, 2, 3, 4, 5, 6].map((id) => server(id, { rawDays: id === 6 ? null : 30 }))) } });
    assert.equal(result.title, 'Message databases: 6, 21.0 GiB in all; the biggest is postal-server-6 (6.0 GiB)');
    assert.deepEqual(result.message.match(/(?<=: |; )postal-server-\d+/g), ['postal-server-6', 'postal-server-5', 'postal-server-4', 'postal-server-3', 'postal-server-2']);
    assert.match(result.message, /postal-server-6 6\.0 GiB: raw messages 3\.0 GiB in 6 daily tables since day-5; acme\/server-6 \(Server 6, organization Acme\), keeps raw messages 2,048 MB, messages 60 days; /);
    assert.match(result.message, /postal-server-2 2\.0 GiB: raw messages 1\.0 GiB in 2 daily tables since day-5; acme\/server-2 \(Server 2, organization Acme\), keeps raw messages 30 days or 2,048 MB, messages 60 days\.$/);
  });

  it('an orphan: how much it takes, and a fix for a person that keeps a copy first and shows no password', async () => {
    const results = await runCheck(messageDatabasesCheck, {
      yaml: 'version: 2\nmessage_db:\n  username: messages\n  password: "s3cret!"\n',
      probes: { database: postalDatabases([database(7, { bytes: 3 * GIB, raw: 2 * GIB, tables: 40 })], []) },
    });
    const orphan = results.find((result) => result.messageId === 'orphan')!;
    assert.equal(orphan.title, 'postal-server-7: no mail server has it (3.0 GiB)');
    assert.match(orphan.message, /it takes 3\.0 GiB, 2\.0 GiB of it raw messages in 40 tables\./);
    assert.equal(orphan.fix?.kind, 'manual');
    assert.deepEqual(orphan.fix?.commands, [
      'mysqldump -h localhost -P 3306 -u messages -p postal-server-7 > postal-server-7.sql',
      "mysql -h localhost -P 3306 -u messages -p -e 'DROP DATABASE `postal-server-7`;'",
    ]);
    assert.doesNotMatch(JSON.stringify(results), /s3cret/);
  });

  it('points at postal.scheduler for the cause of raw tables left behind', async () => {
    const results = await runCheck(messageDatabasesCheck, { probes: { database: postalDatabases([database(1, { oldestDays: 45 })], ONE) } });
    const days = results.find((result) => result.messageId === 'raw-days')!;
    assert.equal(days.title, 'postal-server-1: raw messages 45 days old, retention 30 days');
    assert.match(days.message, /is raw-day-45, 45 days old, and it keeps raw messages 30 days: Postal drops older tables every night at 03:00 UTC, so that has not happened for about 14 days\./);
    assert.deepEqual(days.fix?.commands[0], 'postal-doctor check --only postal.scheduler');
  });
});
