import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createDatabaseProbe } from '../../../src/probes/database.js';
import { ipPoolsCheck } from '../../../src/checks/postal/ip-pools.js';
import { ptrCheck } from '../../../src/checks/dns/ptr.js';
import { heloCheck } from '../../../src/checks/dns/helo.js';
import { poolIpsBoundCheck } from '../../../src/checks/network/pool-ips-bound.js';
import { poolHostnameSql } from '../../../src/knowledge/postal/pool-hostname-fix.js';
import { outboundIps } from '../../../src/knowledge/postal/outbound-ips.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { brief, runCheck, testConfig } from '../../support/check-tester.js';
import { fakeDns, fakeProbes } from '../../support/fakes.js';
import { freePort } from '../../support/knot.js';
import { POSTAL_POOL_TABLES, mariadbMissing, startMariaDb, type MariaDb } from '../../support/mariadb.js';
import { hostWith } from '../../support/sending.js';

const PASSWORD = 'Pw-9f3k!s3cret';

function poolConfig(db: { port: number; username?: string; password?: string; database?: string }): string {
  return [
    'version: 2',
    'postal:',
    '  smtp_hostname: postal.example',
    '  use_ip_pools: true',
    'main_db:',
    '  host: 127.0.0.1',
    `  port: ${db.port}`,
    `  username: ${db.username ?? 'postal'}`,
    `  password: "${db.password ?? PASSWORD}"`,
    `  database: ${db.database ?? 'postal'}`,
    'dns:',
    '  helo_hostname: default-helo.postal.example',
    '',
  ].join('\n');
}

const missing = mariadbMissing();

describe('IP pools from a real MariaDB', { skip: missing ?? false }, () => {
  let db: MariaDb;

  before(async () => {
    db = await startMariaDb();
    await db.sql(`
      CREATE DATABASE postal; CREATE DATABASE other_app;
      CREATE USER 'postal'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';
      GRANT ALL ON postal.* TO 'postal'@'127.0.0.1'; GRANT ALL ON other_app.* TO 'postal'@'127.0.0.1';`);
    await db.sql(
      `${POSTAL_POOL_TABLES}
      INSERT INTO ip_pools (id, name, uuid, \`default\`) VALUES (1, 'Default', 'u1', 1), (2, 'Bulk', 'u2', 0);
      INSERT INTO ip_addresses (ip_pool_id, ipv4, ipv6, hostname, priority) VALUES
        (1, '192.0.2.10', '2001:DB8::10', 'mx.postal.example', 100),
        (1, '192.0.2.11', NULL, 'mx2.postal.example', 50),
        (2, '198.51.100.5', NULL, 'bulk.postal.example', 100);`,
      'postal',
    );
  });
  after(() => db?.stop());

  it('starts a private server', (t) => {
    t.diagnostic(`mariadb install + ready in ${db.readyMs} ms`);
    assert.ok(db.port > 0);
  });

  it('reads the pools with the join query', async () => {
    const result = await createDatabaseProbe().ipPools({ host: '127.0.0.1', port: db.port, username: 'postal', password: PASSWORD, database: 'postal' }, { timeoutMs: 3000 });
    assert.deepEqual(result, {
      ok: true,
      addresses: [
        { pool: 'Bulk', ipv4: '198.51.100.5', ipv6: null, hostname: 'bulk.postal.example', priority: 100 },
        { pool: 'Default', ipv4: '192.0.2.10', ipv6: '2001:DB8::10', hostname: 'mx.postal.example', priority: 100 },
        { pool: 'Default', ipv4: '192.0.2.11', ipv6: null, hostname: 'mx2.postal.example', priority: 50 },
      ],
    });
  });

  it('pool rows drive the outbound IPs and the per-IP results', async () => {
    const config = testConfig(poolConfig({ port: db.port }));
    const dns = fakeDns({
      'PTR 5.100.51.198.in-addr.arpa': ['bulk.postal.example'],
      'A bulk.postal.example': ['198.51.100.5'],
      'PTR 10.2.0.192.in-addr.arpa': ['mx.postal.example'],
      'A mx.postal.example': ['192.0.2.10'],
      'PTR 11.2.0.192.in-addr.arpa': ['other.postal.example'],
      'A other.postal.example': ['192.0.2.11'],
    });
    const { results, context } = await runChecks({
      checks: [ptrCheck, heloCheck, ipPoolsCheck, poolIpsBoundCheck],
      skipped: new Set(),
      config,
      options: { ...defaultRunOptions(), configPath: config.path, timeoutMs: 3000 },
      probes: fakeProbes({ dns, database: createDatabaseProbe(), host: hostWith('192.0.2.10', '2001:db8::10', '192.0.2.11') }),
    });
    assert.deepEqual(
      (await outboundIps(context)).map(({ ip, source, pool, helo }) => ({ ip, source, pool, helo })),
      [
        { ip: '198.51.100.5', source: 'db', pool: 'Bulk', helo: 'bulk.postal.example' },
        { ip: '192.0.2.10', source: 'db', pool: 'Default', helo: 'mx.postal.example' },
        { ip: '2001:db8::10', source: 'db', pool: 'Default', helo: 'mx.postal.example' },
        { ip: '192.0.2.11', source: 'db', pool: 'Default', helo: 'mx2.postal.example' },
      ],
    );
    const byCheck = (id: string) => brief(results.filter((result) => result.check === id));
    assert.deepEqual(byCheck('dns.ptr'), [
      { target: '198.51.100.5', status: 'pass', messageId: 'present' },
      { target: '192.0.2.10', status: 'pass', messageId: 'present' },
      { target: '2001:db8::10', status: 'fail', messageId: 'missing' },
      { target: '192.0.2.11', status: 'pass', messageId: 'present' },
    ]);
    assert.deepEqual(byCheck('dns.helo'), [
      { target: '198.51.100.5', status: 'pass', messageId: 'matches' },
      { target: '192.0.2.10', status: 'pass', messageId: 'matches' },
      { target: '2001:db8::10', status: 'skip', messageId: 'no-ptr' },
      { target: '192.0.2.11', status: 'fail', messageId: 'mismatch' },
    ]);
    const mismatch = results.find((result) => result.check === 'dns.helo' && result.target === '192.0.2.11');
    assert.match(mismatch?.fix?.summary ?? '', /UPDATE ip_addresses SET hostname = 'other\.postal\.example' WHERE ipv4 = '192\.0\.2\.11';/);
    assert.deepEqual(byCheck('postal.ip-pools'), [{ target: null, status: 'pass', messageId: 'ok' }]);
    assert.deepEqual(byCheck('network.pool-ips-bound'), [
      { target: '198.51.100.5', status: 'fail', messageId: 'not-bound' },
      { target: '192.0.2.10', status: 'pass', messageId: 'bound' },
      { target: '2001:db8::10', status: 'pass', messageId: 'bound' },
      { target: '192.0.2.11', status: 'pass', messageId: 'bound' },
    ]);
  });

  it('NULL and blank hostnames, priority 0, a half-bound row and the default route, as Postal stores and uses them', async () => {
    await db.sql(
      `INSERT INTO ip_pools (id, name, uuid, \`default\`) VALUES (3, 'Edge', 'u3', 0);
      INSERT INTO ip_addresses (ip_pool_id, ipv4, ipv6, hostname, priority) VALUES
        (3, '192.0.2.20', NULL, NULL, 100),
        (3, '192.0.2.21', NULL, '', 0),
        (3, '192.0.2.22', '2001:db8::22', 'edge22.postal.example', 100);`,
      'postal',
    );
    try {
      const config = testConfig(poolConfig({ port: db.port }));
      const dns = fakeDns({
        'PTR 99.113.0.203.in-addr.arpa': ['default-helo.postal.example'],
        'A default-helo.postal.example': ['203.0.113.99'],
        'PTR 20.2.0.192.in-addr.arpa': ['edge20.postal.example'],
        'PTR 21.2.0.192.in-addr.arpa': ['edge21.postal.example'],
      });
      const { results, context } = await runChecks({
        checks: [heloCheck, ipPoolsCheck, poolIpsBoundCheck],
        skipped: new Set(),
        config,
        options: { ...defaultRunOptions(), configPath: config.path, timeoutMs: 3000 },
        probes: fakeProbes({ dns, database: createDatabaseProbe(), host: hostWith('192.0.2.10', '2001:db8::10', '192.0.2.11', '198.51.100.5', '192.0.2.20', '192.0.2.21', '192.0.2.22', '203.0.113.99') }),
      });
      const ips = await outboundIps(context);
      const of = (ip: string) => ips.find((entry) => entry.ip === ip);
      assert.deepEqual([of('192.0.2.20')?.hostname, of('192.0.2.20')?.helo], [null, 'localhost']);
      assert.deepEqual([of('192.0.2.21')?.hostname, of('192.0.2.21')?.helo], ['', '']);
      // Servers without a pool and forwarded mail leave by the default route, with the default HELO.
      assert.deepEqual(of('203.0.113.99'), { ip: '203.0.113.99', source: 'host', hostname: null, pool: null, helo: 'default-helo.postal.example' });
      const result = (check: string, target: string | null) => results.find((item) => item.check === check && item.target === target);
      assert.deepEqual([result('dns.helo', '203.0.113.99')?.status, result('dns.helo', '203.0.113.99')?.messageId], ['pass', 'matches']);
      assert.deepEqual([result('dns.helo', '192.0.2.20')?.status, result('dns.helo', '192.0.2.21')?.status], ['fail', 'fail']);
      const pools = results.filter((item) => item.check === 'postal.ip-pools');
      assert.deepEqual(brief(pools), [
        { target: null, status: 'fail', messageId: 'bad-hostname' },
        { target: null, status: 'warn', messageId: 'priority-zero' },
      ]);
      assert.match(pools[0].message, /192\.0\.2\.20 has no hostname \(NULL\), so Postal says EHLO localhost; 192\.0\.2\.21 has an empty hostname, so Postal says an empty EHLO/);
      assert.match(pools[1].message, /^192\.0\.2\.21 \(pool Edge\) have priority 0/);
      const halfBound = result('network.pool-ips-bound', '2001:db8::22');
      assert.deepEqual([halfBound?.status, halfBound?.messageId], ['warn', 'other-family-bound']);
      assert.match(halfBound?.message ?? '', /mail flows\. Only connections that need IPv6 fail/);
    } finally {
      await db.sql('DELETE FROM ip_addresses WHERE ip_pool_id = 3; DELETE FROM ip_pools WHERE id = 3;', 'postal');
    }
  });

  it('the printed UPDATE finds an address however Postal stored it (IPv6 with capitals or leading zeros)', async () => {
    await db.sql("INSERT INTO ip_addresses (ip_pool_id, ipv4, ipv6, hostname, priority) VALUES (2, '198.51.100.6', '2001:0db8:0000::0006', 'old.postal.example', 100);", 'postal');
    try {
      await db.sql(poolHostnameSql('2001:db8::6', 'v6.postal.example'), 'postal');
      await db.sql(poolHostnameSql('2001:db8::10', 'mx6.postal.example'), 'postal');
      const rows = await db.sql("SELECT ipv6, hostname FROM ip_addresses WHERE ipv6 IS NOT NULL ORDER BY id;", 'postal');
      assert.deepEqual(rows.trim().split('\n').slice(-2), ['2001:DB8::10\tmx6.postal.example', '2001:0db8:0000::0006\tv6.postal.example']);
    } finally {
      await db.sql("DELETE FROM ip_addresses WHERE ipv4 = '198.51.100.6'; UPDATE ip_addresses SET hostname = 'mx.postal.example' WHERE ipv4 = '192.0.2.10';", 'postal');
    }
  });

  const failures: Array<{ name: string; config: () => string; status: string; messageId: string }> = [
    { name: 'a wrong password', config: () => poolConfig({ port: db.port, password: 'wrong-password-123' }), status: 'fail', messageId: 'db-access-denied' },
    { name: 'an unknown user', config: () => poolConfig({ port: db.port, username: 'nobody' }), status: 'fail', messageId: 'db-access-denied' },
    { name: 'no such database', config: () => poolConfig({ port: db.port, username: 'root', password: '', database: 'nope' }), status: 'fail', messageId: 'db-unknown-database' },
    { name: 'a database without Postal tables', config: () => poolConfig({ port: db.port, database: 'other_app' }), status: 'fail', messageId: 'db-missing-table' },
  ];
  for (const { name, config, status, messageId } of failures) {
    it(`reports ${name} as ${status} (${messageId}) without the password`, async () => {
      const results = await runCheck(ipPoolsCheck, { yaml: config(), probes: { database: createDatabaseProbe() }, options: { timeoutMs: 3000 } });
      assert.deepEqual(brief(results), [{ target: null, status, messageId }]);
      assert.match(results[0].message, new RegExp(`127\\.0\\.0\\.1:${db.port}`));
      const text = JSON.stringify(results);
      assert.doesNotMatch(text, /Pw-9f3k|wrong-password-123/);
    });
  }

  it('reports a server that is down as unknown (db-refused)', async () => {
    const port = await freePort();
    const results = await runCheck(ipPoolsCheck, { yaml: poolConfig({ port }), probes: { database: createDatabaseProbe() }, options: { timeoutMs: 3000 } });
    assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'db-refused' }]);
    assert.match(results[0].message, new RegExp(`127\\.0\\.0\\.1:${port} \\(user postal\\)`));
    assert.doesNotMatch(JSON.stringify(results), /Pw-9f3k/);
  });
});

describe('a database server that never answers', () => {
  let silent: Server;
  let port: number;
  const accepted: Socket[] = [];
  before(async () => {
    silent = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  after(() => {
    for (const socket of accepted) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('is unknown (db-timeout) within the timeout', async () => {
    const started = performance.now();
    const results = await runCheck(ipPoolsCheck, { yaml: poolConfig({ port }), probes: { database: createDatabaseProbe() }, options: { timeoutMs: 300 } });
    const elapsed = performance.now() - started;
    assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'db-timeout' }]);
    assert.ok(elapsed < 1500, `took ${Math.round(elapsed)} ms`);
  });
});
