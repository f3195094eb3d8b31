import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabaseProbe } from '../../../src/probes/database.js';
import { queueCheck } from '../../../src/checks/postal/queue.js';
import { schedulerCheck } from '../../../src/checks/postal/scheduler.js';
import { databasesCheck } from '../../../src/checks/postal/databases.js';
import type { CommandProbe } from '../../../src/probes/types.js';
import { createFileProbe } from '../../../src/probes/files.js';
import { makeHostRoot } from '../../support/host-root.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { freePort } from '../../support/knot.js';
import { mariadbMissing, POSTAL_POOL_TABLES, startMariaDb, statementsSentDuring, type MariaDb } from '../../support/mariadb.js';
import { POSTAL_MAIN_TABLES, POSTAL_QUEUE_TABLES, POSTAL_TASKS } from '../../support/postal-schema.js';
import { hostWith } from '../../support/sending.js';
import { startSilentServer, type SilentServer } from '../../support/silent-server.js';

const PASSWORD = 'Qu3ue-s3cret!pw';
/** This host's public address; pool address 1 is on it, address 2 is on another host, id 99 was deleted. */
const HOST = hostWith('192.0.2.10');

function config(port: number, database = 'postal', username = 'postal'): string {
  return ['version: 2', 'main_db:', '  host: 127.0.0.1', `  port: ${port}`, `  username: ${username}`, `  password: "${PASSWORD}"`, `  database: ${database}`, ''].join('\n');
}

const AGO = (interval: string) => `UTC_TIMESTAMP() - INTERVAL ${interval}`;
const AHEAD = (interval: string) => `UTC_TIMESTAMP() + INTERVAL ${interval}`;

const COMMON_ROWS = `
INSERT INTO ip_pools (id, name, uuid, \`default\`) VALUES (1, 'Default', 'u1', 1);
INSERT INTO ip_addresses (id, ip_pool_id, ipv4, hostname, priority) VALUES (1, 1, '192.0.2.10', 'mx.example.com', 100), (2, 1, '198.51.100.20', 'mx2.example.com', 100);
INSERT INTO servers (id, name, permalink, mode, message_retention_days, suspended_at) VALUES
  (1, 'Transactional', 'transactional', 'Live', 60, NULL), (2, 'Newsletters', 'newsletters', 'Live', 60, ${AGO('3 DAY')});
`;

/** A queue a working worker leaves behind: new messages, retries on Postal's back-off, a lock taken seconds ago. */
const HEALTHY_ROWS = `${COMMON_ROWS}
INSERT INTO queued_messages (server_id, message_id, domain, created_at, updated_at, retry_after, attempts, ip_address_id, locked_by, locked_at) VALUES
  (1, 1, 'example.net', ${AGO('20 SECOND')}, ${AGO('20 SECOND')}, NULL, 0, 1, NULL, NULL),
  (1, 2, 'example.org', ${AGO('3 HOUR')}, ${AGO('10 MINUTE')}, ${AHEAD('40 MINUTE')}, 6, 1, NULL, NULL),
  (1, 3, 'example.com', ${AGO('5 SECOND')}, ${AGO('5 SECOND')}, NULL, 0, NULL, 'host:1 abc', ${AGO('2 SECOND')});
INSERT INTO webhook_requests (server_id, url, event, created_at, attempts) VALUES (1, 'https://hooks.example.com/postal', 'MessageSent', ${AGO('10 SECOND')}, 0);
INSERT INTO scheduled_tasks (name, next_run_after) VALUES ${POSTAL_TASKS.map((task, index) => `('${task}', ${AHEAD(`${index + 1} MINUTE`)})`).join(', ')};
INSERT INTO worker_roles (role, worker, acquired_at) VALUES ('tasks', 'host:1234', ${AGO('30 SECOND')});
`;

/** A host whose worker stopped hours ago, and the other ways a message waits for ever. */
const STUCK_ROWS = `${COMMON_ROWS}
INSERT INTO queued_messages (server_id, message_id, domain, created_at, updated_at, retry_after, attempts, ip_address_id, locked_by, locked_at) VALUES
  (1, 1, 'example.net', ${AGO('3 HOUR')}, ${AGO('3 HOUR')}, NULL, 0, 1, NULL, NULL),
  (1, 2, 'example.org', ${AGO('5 HOUR')}, ${AGO('4 HOUR')}, ${AGO('4 HOUR')}, 2, NULL, NULL, NULL),
  (1, 3, 'example.com', ${AGO('9 HOUR')}, ${AGO('9 HOUR')}, NULL, 0, 1, 'host:1 dead', ${AGO('9 HOUR')}),
  (1, 4, 'example.net', ${AGO('1 HOUR')}, ${AGO('1 HOUR')}, NULL, 0, 2, NULL, NULL),
  (1, 5, 'example.net', ${AGO('2 DAY')}, ${AGO('2 DAY')}, NULL, 0, 99, NULL, NULL),
  (2, 6, 'example.org', ${AGO('2 HOUR')}, ${AGO('2 HOUR')}, NULL, 0, NULL, NULL, NULL),
  (1, 7, 'example.org', ${AGO('1 HOUR')}, ${AGO('1 HOUR')}, ${AHEAD('30 DAY')}, 1, NULL, NULL, NULL);
INSERT INTO webhook_requests (server_id, url, event, created_at, attempts) VALUES (1, 'https://hooks.example.com/postal', 'MessageSent', ${AGO('2 HOUR')}, 0);
INSERT INTO scheduled_tasks (name, next_run_after) VALUES ${POSTAL_TASKS.map((task) => `('${task}', ${AGO('26 HOUR')})`).join(', ')};
INSERT INTO worker_roles (role, worker, acquired_at) VALUES ('tasks', 'host:1234', ${AGO('26 HOUR')});
`;

const missing = mariadbMissing();

describe("Postal's queue and scheduler in a real MariaDB", { skip: missing ?? false }, () => {
  let db: MariaDb;

  before(async () => {
    db = await startMariaDb();
    await db.sql(`
      CREATE DATABASE postal; CREATE DATABASE postal_stuck; CREATE DATABASE postal_big; CREATE DATABASE postal_old;
      CREATE USER 'postal'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';
      GRANT ALL ON postal.* TO 'postal'@'127.0.0.1'; GRANT ALL ON postal_stuck.* TO 'postal'@'127.0.0.1';
      GRANT ALL ON postal_big.* TO 'postal'@'127.0.0.1'; GRANT ALL ON postal_old.* TO 'postal'@'127.0.0.1';`);
    await db.sql(`${POSTAL_MAIN_TABLES}${HEALTHY_ROWS}`, 'postal');
    await db.sql(`${POSTAL_MAIN_TABLES}${STUCK_ROWS}`, 'postal_stuck');
    // An older schema: the queue without webhook_requests, worker_roles and scheduled_tasks.
    await db.sql(`${POSTAL_POOL_TABLES}${POSTAL_QUEUE_TABLES.split(';').filter((statement) => /queued_messages|TABLE servers/.test(statement)).join(';')};`, 'postal_old');
  });
  after(() => db?.stop());

  const run = (check: typeof queueCheck, yaml: string, timeoutMs = 3000) =>
    runCheck(check, { yaml, probes: { database: createDatabaseProbe(), host: HOST }, options: { timeoutMs } });

  it('passes a queue a working worker leaves behind', async () => {
    const results = await run(queueCheck, config(db.port));
    assert.deepEqual(brief(results), [
      { target: 'queued_messages', status: 'pass', messageId: 'ok' },
      { target: 'webhook_requests', status: 'pass', messageId: 'webhooks-ok' },
    ]);
    assert.equal(results[0].title, 'The queue is moving (3 queued, none stuck)');
    assert.match(results[0].message, /Queued messages: 3, the oldest for 3 h;/);
    assert.deepEqual(brief(await run(schedulerCheck, config(db.port))), [{ target: null, status: 'pass', messageId: 'on-time' }]);
  });

  it('names every way the messages of a stuck host wait', async () => {
    const results = await run(queueCheck, config(db.port, 'postal_stuck'));
    assert.deepEqual(brief(results), [
      { target: 'queued_messages', status: 'fail', messageId: 'stuck' },
      { target: 'queued_messages', status: 'warn', messageId: 'stale-locks' },
      { target: '198.51.100.20', status: 'warn', messageId: 'address-elsewhere' },
      { target: 'ip_address_id 99', status: 'fail', messageId: 'address-gone' },
      { target: 'Newsletters', status: 'warn', messageId: 'suspended' },
      { target: 'queued_messages', status: 'warn', messageId: 'far-retry' },
      { target: 'webhook_requests', status: 'fail', messageId: 'webhooks-stuck' },
    ]);
    const [stuck, locks] = results;
    // Due and taken here: #1 (this host's IP, 3 h), #2 (retry due 4 h ago) and #6 (suspended server); not #4 (other host) or #5 (deleted IP).
    assert.equal(stuck.title, 'Queued messages are not being sent (3 due for over 30 min)');
    assert.match(stuck.message, /: 3, the longest for 4 h; queued in all: 7\./);
    assert.match(locks.message, /: 1, the oldest lock 9 h old/);
    assert.match(locks.message, /1 day\(s\) old/);
    for (const command of results.flatMap((result) => result.fix?.commands ?? [])) assert.doesNotMatch(command, /Qu3ue-s3cret/);
    console.log(results.map((result) => `${result.status.toUpperCase().padEnd(7)} ${result.target}: ${result.title}\n        ${result.message}`).join('\n'));
  });

  it('the printed fixes are SQL that works on this schema and releases the messages', async () => {
    const results = await run(queueCheck, config(db.port, 'postal_stuck'));
    await db.sql('CREATE DATABASE postal_fixed', undefined);
    try {
      await db.sql(`${POSTAL_MAIN_TABLES}${STUCK_ROWS}`, 'postal_fixed');
      for (const result of results.filter((entry) => entry.fix?.kind === 'database')) {
        const sql = /: (UPDATE .*;)$/.exec(result.fix!.summary)?.[1];
        assert.ok(sql, result.fix!.summary);
        await db.sql(sql, 'postal_fixed');
      }
      await db.sql("GRANT ALL ON postal_fixed.* TO 'postal'@'127.0.0.1'");
      const after = brief(await run(queueCheck, config(db.port, 'postal_fixed')));
      assert.deepEqual(after.filter((result) => ['stale-locks', 'address-gone', 'far-retry'].includes(result.messageId)), []);
    } finally {
      await db.sql('DROP DATABASE postal_fixed');
    }
  });

  it('fails the scheduler when every task is a day late, naming the stale tasks role', async () => {
    const [result] = await run(schedulerCheck, config(db.port, 'postal_stuck'));
    assert.deepEqual(brief([result]), [{ target: null, status: 'fail', messageId: 'overdue' }]);
    assert.match(result.title, /have not run for 26 h/);
    assert.match(result.message, /ProcessMessageRetentionScheduledTask/);
    assert.match(result.message, /so no worker holds it now/);
  });

  it('summarises 100,000 queued messages in SQL well under a second', async (t) => {
    await db.sql(
      `${POSTAL_MAIN_TABLES}${COMMON_ROWS}
      INSERT INTO queued_messages (server_id, message_id, domain, created_at, updated_at, retry_after, attempts, ip_address_id, locked_by, locked_at)
        SELECT 1 + seq % 2, seq, CONCAT('d', seq % 500, '.example.net'), UTC_TIMESTAMP() - INTERVAL seq SECOND, UTC_TIMESTAMP(),
          IF(seq % 3 = 0, UTC_TIMESTAMP() + INTERVAL (seq % 600) MINUTE, NULL), seq % 18, IF(seq % 5 = 0, NULL, 1 + seq % 2),
          IF(seq % 1000 = 0, 'host:1 x', NULL), IF(seq % 1000 = 0, UTC_TIMESTAMP() - INTERVAL (seq % 7200) SECOND, NULL)
        FROM seq_1_to_100000;`,
      'postal_big',
    );
    const probe = createDatabaseProbe();
    const settings = { host: '127.0.0.1', port: db.port, username: 'postal', password: PASSWORD, database: 'postal_big' };
    const { queueStatements } = await import('../../../src/knowledge/postal/queue.js');
    const statements = queueStatements({ readyMinutes: 30, lockMinutes: 60, retryHours: 12 });
    await probe.select(settings, { statements, timeoutMs: 5000 }); // warm the buffer pool, as a server in use has it
    // The machine running the tests is shared: each run is paired with a plain COUNT(*) of the same rows, the
    // cheapest read that touches them all, so a loaded machine raises the bound and a query that fetches rows
    // (far more than 25 times the COUNT) still fails it. Best of five.
    const times: number[] = [];
    const baselines: number[] = [];
    let read: Awaited<ReturnType<typeof probe.select>> | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      let started = performance.now();
      await probe.select(settings, { statements: ['SELECT COUNT(*) AS total FROM queued_messages'], timeoutMs: 5000 });
      baselines.push(Math.round(performance.now() - started));
      started = performance.now();
      read = await probe.select(settings, { statements, timeoutMs: 5000 });
      times.push(Math.round(performance.now() - started));
    }
    t.diagnostic(`100,000 queued rows summarised in ${times.join(', ')} ms (connect + 3 statements); COUNT(*) alone ${baselines.join(', ')} ms`);
    assert.ok(read?.ok);
    assert.equal(read.results[0].reduce((total, row) => total + Number(row.messages), 0), 100000);
    assert.ok(read.results.every((rows) => rows.length <= 3), 'aggregates, not rows');
    const bound = Math.max(1000, 25 * Math.min(...baselines));
    assert.ok(Math.min(...times) < bound, `took ${times.join(', ')} ms; bound ${bound} ms`);
    const results = await run(queueCheck, config(db.port, 'postal_big'));
    assert.equal(results[0].messageId, 'stuck');
    assert.match(results[0].message, /queued in all: 100000/);
  });

  it('an older schema without a table is unknown, naming the table', async () => {
    const [queue] = await run(queueCheck, config(db.port, 'postal_old'));
    assert.deepEqual(brief([queue]), [{ target: null, status: 'unknown', messageId: 'db-error' }]);
    assert.match(queue.message, /webhook_requests' doesn't exist/);
    const [scheduler] = await run(schedulerCheck, config(db.port, 'postal_old'));
    assert.deepEqual(brief([scheduler]), [{ target: null, status: 'unknown', messageId: 'db-error' }]);
    assert.match(scheduler.message, /scheduled_tasks' doesn't exist/);
  });

  /** The statements the doctor's connections sent while `work` ran. */
  const sentDuring = async (work: () => Promise<unknown>) => (await statementsSentDuring(db, work)).map((entry) => entry.statement);

  it('the queue and scheduler checks send only SELECT statements (the server general log)', async () => {
    const statements = await sentDuring(async () => {
      await run(queueCheck, config(db.port, 'postal_stuck'));
      await run(schedulerCheck, config(db.port, 'postal_stuck'));
    });
    assert.ok(statements.length >= 5, `logged: ${statements.join(' | ')}`);
    assert.deepEqual(statements.filter((statement) => !/^SELECT\s/i.test(statement)), []);
  });

  describe('postal.databases', () => {
    /** Postal 3.3.6 as the installer's compose file names it; Docker is not asked (no containers here). */
    const host = makeHostRoot({ '/opt/postal/install/docker-compose.yml': { text: 'services:\n  smtp:\n    image: ghcr.io/postalserver/postal:3.3.6\n' } });
    const noDocker: CommandProbe = { run: async () => ({ outcome: 'not-found', exitCode: null, stdout: '', stderr: '' }) };
    after(() => host.cleanup());

    before(async () => {
      await db.sql(`
        CREATE TABLE postal.schema_migrations (version VARCHAR(255) NOT NULL PRIMARY KEY);
        INSERT INTO postal.schema_migrations VALUES ('20240223141501'), ('20240311205229');
        CREATE TABLE postal_stuck.schema_migrations (version VARCHAR(255) NOT NULL PRIMARY KEY);
        INSERT INTO postal_stuck.schema_migrations VALUES ('20240223141501');
        GRANT ALL ON \`postal-server-%\`.* TO 'postal'@'127.0.0.1';
        CREATE USER 'messages'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';
        GRANT SELECT ON postal.* TO 'messages'@'127.0.0.1';
        CREATE USER 'installer'@'127.0.0.1' IDENTIFIED BY 'postal';
        GRANT ALL ON *.* TO 'installer'@'127.0.0.1';`);
    });

    const databases = (database: string, messageUser: string, port = db.port, options: { timeoutMs?: number; password?: string } = {}) => {
      const password = options.password ?? PASSWORD;
      const section = (name: string, user: string) => [`${name}:`, '  host: 127.0.0.1', `  port: ${port}`, `  username: ${user}`, `  password: "${password}"`];
      const yaml = ['version: 2', ...section('main_db', options.password ? messageUser : 'postal'), `  database: ${database}`, ...section('message_db', messageUser), ''].join('\n');
      return runCheck(databasesCheck, {
        yaml,
        probes: { database: createDatabaseProbe(), files: createFileProbe(host.root), commands: noDocker },
        options: { hostRoot: host.root, timeoutMs: options.timeoutMs ?? 3000 },
      });
    };

    it('sends only SELECT statements (the server general log)', async () => {
      const statements = await sentDuring(() => databases('postal', 'postal'));
      assert.ok(statements.length >= 3, `logged: ${statements.join(' | ')}`);
      assert.deepEqual(statements.filter((statement) => !/^SELECT\s/i.test(statement)), []);
    });

    it('passes both databases when each login works, migrations are current and message_db may create databases', async () => {
      const results = await databases('postal', 'postal');
      assert.deepEqual(brief(results), [
        { target: 'main_db', status: 'pass', messageId: 'ok' },
        { target: 'message_db', status: 'pass', messageId: 'ok' },
      ]);
      assert.match(results[0].title, /^main_db: 10\.\d+\.\d+-MariaDB/);
      assert.match(results[0].message, /Migrations are current for Postal 3\.3\.6 \(20240311205229\)/);
      assert.match(results[1].message, /may create postal-server-1/);
    });

    it('fails a message_db account without CREATE, and the printed GRANT gives it', async () => {
      const results = await databases('postal', 'messages');
      const failed = results.find((result) => result.messageId === 'cannot-create');
      assert.deepEqual(brief(failed ? [failed] : []), [{ target: 'message_db', status: 'fail', messageId: 'cannot-create' }]);
      const grant = /: (GRANT .*;)$/.exec(failed!.fix!.summary)?.[1];
      assert.equal(grant, "GRANT ALL ON `postal-server-%`.* TO 'messages'@'127.0.0.1';");
      await db.sql(grant!);
      try {
        assert.deepEqual(brief(await databases('postal', 'messages')).at(-1), { target: 'message_db', status: 'pass', messageId: 'ok' });
      } finally {
        await db.sql("REVOKE ALL ON `postal-server-%`.* FROM 'messages'@'127.0.0.1';");
      }
    });

    it('fails main_db when migrations of the running release were not run', async () => {
      const results = await databases('postal_stuck', 'postal');
      assert.deepEqual(brief(results)[0], { target: 'main_db', status: 'fail', messageId: 'migrations-pending' });
      assert.match(results[0].message, /newest migration run on main_db is 20240223141501; Postal 3\.3\.6 expects 20240311205229/);
      assert.deepEqual(results[0].fix?.commands, ['postal upgrade-db']);
    });

    it("warns about the installer's well-known password", async () => {
      const results = await databases('postal', 'installer', db.port, { password: 'postal' });
      assert.deepEqual(
        brief(results).filter((result) => result.messageId === 'default-password'),
        [
          { target: 'main_db', status: 'warn', messageId: 'default-password' },
          { target: 'message_db', status: 'warn', messageId: 'default-password' },
        ],
      );
    });

    it('fails a server that refuses connections, and is unknown for one that never answers, within --timeout', async () => {
      const closed = await freePort();
      assert.deepEqual(brief(await databases('postal', 'postal', closed)), [
        { target: 'main_db', status: 'fail', messageId: 'unreachable' },
        { target: 'message_db', status: 'fail', messageId: 'unreachable' },
      ]);
      const silent = await startSilentServer();
      try {
        const started = performance.now();
        const results = await databases('postal', 'postal', silent.port, { timeoutMs: 300 });
        assert.deepEqual(brief(results), [
          { target: 'main_db', status: 'unknown', messageId: 'unreachable' },
          { target: 'message_db', status: 'unknown', messageId: 'unreachable' },
        ]);
        assert.ok(performance.now() - started < 1500);
        assert.doesNotMatch(JSON.stringify(results), /Qu3ue-s3cret/);
      } finally {
        await silent.close();
      }
    });
  });

  it('a refused connection and a missing user are unknown, without the password', async () => {
    const closed = await freePort();
    for (const yaml of [config(closed), config(db.port, 'postal', 'nobody')]) {
      const results = await run(queueCheck, yaml);
      assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'db-error' }]);
      assert.match(results[0].message, /postal\.databases says why/);
      assert.doesNotMatch(JSON.stringify(results), /Qu3ue-s3cret/);
    }
  });
});

describe('queue checks against a database server that never answers', () => {
  let silent: SilentServer;
  before(async () => (silent = await startSilentServer()));
  after(() => silent.close());

  for (const check of [queueCheck, schedulerCheck]) {
    it(`${check.id} is unknown within --timeout`, async () => {
      const started = performance.now();
      const results = await runCheck(check, { yaml: config(silent.port), probes: { database: createDatabaseProbe(), host: HOST }, options: { timeoutMs: 300 } });
      const elapsed = performance.now() - started;
      assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'db-error' }]);
      assert.match(results[0].message, /no answer from 127\.0\.0\.1:\d+ \(user postal\) within 300 ms/);
      assert.ok(elapsed < 1500, `took ${Math.round(elapsed)} ms`);
    });
  }
});
