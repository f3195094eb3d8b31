import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ipPoolsCheck } from '../../src/checks/postal/ip-pools.js';
import type { DatabaseErrorCode } from '../../src/probes/types.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { poolRow, poolsDb, postalYaml } from '../support/sending.js';

const pools = postalYaml({ pools: true });

describe('postal.ip-pools', () => {
  it('passes when the pools are read and every address has a hostname', async () => {
    const database = poolsDb([poolRow('203.0.113.7', 'mta7.example.net', { ipv6: '2001:db8::7' }), poolRow('203.0.113.8', 'mta8.example.net', { pool: 'Bulk' })]);
    const results = await runCheck(ipPoolsCheck, { yaml: pools, probes: { database } });
    assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'ok' }]);
    assert.equal(results[0].title, 'IP pools read: 3 addresses, each with a hostname');
  });

  it('fails for an address without a usable hostname, with SQL that names its PTR', async () => {
    const database = poolsDb([poolRow('203.0.113.7', null), poolRow('203.0.113.8', 'mta8')]);
    const dns = fakeDns({ 'PTR 7.113.0.203.in-addr.arpa': ['mta7.example.net'] });
    const results = await runCheck(ipPoolsCheck, { yaml: pools, probes: { database, dns } });
    assert.deepEqual(brief(results), [{ target: null, status: 'fail', messageId: 'bad-hostname' }]);
    assert.equal(results[0].fix?.kind, 'database');
    assert.match(results[0].fix?.summary ?? '', /UPDATE ip_addresses SET hostname = 'mta7\.example\.net' WHERE ipv4 = '203\.0\.113\.7';/);
    // Without a PTR the name Postal would use without pools is suggested.
    assert.match(results[0].fix?.summary ?? '', /UPDATE ip_addresses SET hostname = 'mta\.example\.net' WHERE ipv4 = '203\.0\.113\.8';/);
  });

  it('warns when pools are on but empty; skips when pools are off, with --no-db and offline', async () => {
    assert.deepEqual(brief(await runCheck(ipPoolsCheck, { yaml: pools, probes: { database: poolsDb([]) } })), [{ target: null, status: 'warn', messageId: 'empty' }]);
    assert.deepEqual(brief(await runCheck(ipPoolsCheck, { yaml: postalYaml(), probes: {} })), [{ target: null, status: 'skip', messageId: 'disabled' }]);
    assert.deepEqual(brief(await runCheck(ipPoolsCheck, { yaml: pools, options: { useDatabase: false } })), [{ target: null, status: 'skip', messageId: 'no-db' }]);
    assert.deepEqual(brief(await runCheck(ipPoolsCheck, { yaml: pools, options: { offline: true } })), [{ target: null, status: 'skip', messageId: 'offline' }]);
  });

  const cases: Array<[DatabaseErrorCode, 'unknown' | 'fail']> = [
    ['refused', 'unknown'],
    ['timeout', 'unknown'],
    ['other', 'unknown'],
    ['access-denied', 'fail'],
    ['unknown-database', 'fail'],
    ['missing-table', 'fail'],
  ];
  for (const [code, status] of cases) {
    it(`reports a database error "${code}" as ${status} with the reason and a fix`, async () => {
      const database = poolsDb({ ok: false, code, message: `127.0.0.1:3306 (user postal): ${code}` });
      const results = await runCheck(ipPoolsCheck, { yaml: pools, probes: { database } });
      assert.deepEqual(brief(results), [{ target: null, status, messageId: `db-${code}` }]);
      assert.match(results[0].message, new RegExp(`127\\.0\\.0\\.1:3306 \\(user postal\\): ${code}`));
      assert.ok(results[0].fix && results[0].fix.summary.length > 0);
    });
  }
});
