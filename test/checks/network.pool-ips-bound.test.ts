import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { poolIpsBoundCheck } from '../../src/checks/network/pool-ips-bound.js';
import { brief, runCheck } from '../support/check-tester.js';
import { hostWith, poolRow, poolsDb, postalYaml } from '../support/sending.js';

const pools = postalYaml({ pools: true });
const host = hostWith('203.0.113.7', '2001:db8::7');

describe('network.pool-ips-bound', () => {
  it('passes for pool addresses on this host and fails, with ip addr add, for the others', async () => {
    const database = poolsDb([poolRow('203.0.113.7', 'mta7.example.net', { ipv6: '2001:db8::7' }), poolRow('203.0.113.9', 'mta9.example.net', { ipv6: '2001:db8::9' })]);
    const results = await runCheck(poolIpsBoundCheck, { yaml: pools, probes: { database, host } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'pass', messageId: 'bound' },
      { target: '2001:db8::7', status: 'pass', messageId: 'bound' },
      { target: '203.0.113.9', status: 'fail', messageId: 'not-bound' },
      { target: '2001:db8::9', status: 'fail', messageId: 'not-bound' },
    ]);
    assert.deepEqual(results[2].fix?.commands, ['ip addr add 203.0.113.9/32 dev eth0']);
    assert.deepEqual(results[3].fix?.commands, ['ip addr add 2001:db8::9/128 dev eth0']);
    assert.match(results[2].message, /stays Pending/);
    assert.match(results[2].message, /NAT/);
  });

  it('fails an address stored in another spelling than the system gives it, which the worker never matches', async () => {
    const database = poolsDb([poolRow('203.0.113.7', 'mta7.example.net', { ipv6: '2001:0db8::7' }), poolRow('203.0.113.8', 'mta8.example.net', { ipv6: '2001:DB8::8' })]);
    const results = await runCheck(poolIpsBoundCheck, { yaml: pools, probes: { database, host: hostWith('203.0.113.7', '2001:db8::7', '203.0.113.8', '2001:db8::8') } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'pass', messageId: 'bound' },
      { target: '2001:db8::7', status: 'fail', messageId: 'not-canonical' },
      { target: '203.0.113.8', status: 'pass', messageId: 'bound' },
      // MySQL compares without case, so capitals alone are no problem.
      { target: '2001:db8::8', status: 'pass', messageId: 'bound' },
    ]);
    assert.equal(results[1].fix?.kind, 'database');
    assert.deepEqual(results[1].fix?.commands, [`mysql -h 127.0.0.1 -P 3306 -u postal -p postal -e 'UPDATE ip_addresses SET ipv6 = '\\''2001:db8::7'\\'' WHERE ipv6 = '\\''2001:0db8::7'\\'';'`]);
  });

  it('skips when pools are off, not read, or unreadable', async () => {
    assert.deepEqual(brief(await runCheck(poolIpsBoundCheck, { yaml: postalYaml(), probes: { host } })), [{ target: null, status: 'skip', messageId: 'disabled' }]);
    assert.deepEqual(brief(await runCheck(poolIpsBoundCheck, { yaml: pools, probes: { host }, options: { useDatabase: false } })), [{ target: null, status: 'skip', messageId: 'not-read' }]);
    const broken = poolsDb({ ok: false, code: 'refused', message: 'down' });
    assert.deepEqual(brief(await runCheck(poolIpsBoundCheck, { yaml: pools, probes: { host, database: broken } })), [{ target: null, status: 'skip', messageId: 'not-read' }]);
  });
});
