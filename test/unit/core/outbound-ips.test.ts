import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { outboundIps, serverIps } from '../../../src/knowledge/postal/outbound-ips.js';
import { canonicalIp, ipInCidr, isGlobalAddress, reverseName } from '../../../src/util/ip.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { createContext } from '../../../src/core/runner.js';
import type { CheckContext, RunOptions } from '../../../src/core/types.js';
import type { Probes } from '../../../src/probes/types.js';
import { testConfig } from '../../support/check-tester.js';
import { fakeProbes } from '../../support/fakes.js';
import { hostWith, poolRow, poolsDb, postalYaml } from '../../support/sending.js';

function context(yaml: string, probes: Partial<Probes>, options: Partial<RunOptions> = {}): CheckContext {
  return createContext({ config: testConfig(yaml), options: { ...defaultRunOptions(), ...options }, probes: fakeProbes(probes) });
}

const host = hostWith('203.0.113.7', '10.0.0.7', 'fe80::1', '2001:DB8:0::7');

describe('outbound IPs (PRODUCT §5)', () => {
  it('without pools: the host global addresses, HELO = dns.helo_hostname', async () => {
    const ips = await outboundIps(context(postalYaml(), { host }));
    assert.deepEqual(ips, [
      { ip: '203.0.113.7', source: 'host', hostname: null, pool: null, helo: 'mta.example.net' },
      { ip: '2001:db8::7', source: 'host', hostname: null, pool: null, helo: 'mta.example.net' },
    ]);
  });

  it('HELO falls back to smtp_hostname; only private addresses are used when nothing else exists', async () => {
    const ips = await outboundIps(context(postalYaml({ helo: null }), { host: hostWith('10.0.0.7') }));
    assert.deepEqual(ips, [{ ip: '10.0.0.7', source: 'host', hostname: null, pool: null, helo: 'postal.example.net' }]);
  });

  it('with pools: each row, HELO = its hostname; an --ip that is a pool address takes the pool data', async () => {
    const database = poolsDb([poolRow('203.0.113.20', 'MTA20.example.net.', { ipv6: '2001:db8::20' }), poolRow('203.0.113.21', 'mta21.example.net', { pool: 'Bulk' })]);
    const ips = await outboundIps(context(postalYaml({ pools: true }), { host, database }, { ips: ['198.51.100.1', '203.0.113.21'] }));
    assert.deepEqual(ips, [
      { ip: '198.51.100.1', source: 'option', hostname: null, pool: null, helo: 'mta.example.net' },
      { ip: '203.0.113.21', source: 'db', hostname: 'mta21.example.net', pool: 'Bulk', helo: 'mta21.example.net' },
      { ip: '203.0.113.20', source: 'db', hostname: 'mta20.example.net', pool: 'Default', helo: 'mta20.example.net' },
      { ip: '2001:db8::20', source: 'db', hostname: 'mta20.example.net', pool: 'Default', helo: 'mta20.example.net' },
      // Mail of servers without a pool, and mail forwarded by routes, leaves by the default route with the default HELO.
      { ip: '203.0.113.7', source: 'host', hostname: null, pool: null, helo: 'mta.example.net' },
      { ip: '2001:db8::7', source: 'host', hostname: null, pool: null, helo: 'mta.example.net' },
    ]);
  });

  it('with pools: a NULL pool hostname makes Postal say EHLO localhost, a blank one an empty EHLO', async () => {
    const database = poolsDb([poolRow('203.0.113.7', null), poolRow('2001:db8::7', '')]);
    const ips = await outboundIps(context(postalYaml({ pools: true }), { host, database }));
    assert.deepEqual(ips.map(({ ip, helo }) => [ip, helo]), [['203.0.113.7', 'localhost'], ['2001:db8::7', '']]);
  });

  it('falls back to the host addresses when the pools cannot be read or --no-db is given', async () => {
    const broken = poolsDb({ ok: false, code: 'refused', message: 'down' });
    assert.deepEqual((await outboundIps(context(postalYaml({ pools: true }), { host, database: broken }))).map((entry) => entry.source), ['host', 'host']);
    assert.deepEqual((await outboundIps(context(postalYaml({ pools: true }), { host }, { useDatabase: false }))).map((entry) => entry.ip), ['203.0.113.7', '2001:db8::7']);
  });

  it("this server's IPs are the outbound IPs plus the host's global addresses", async () => {
    const ips = await serverIps(context(postalYaml(), { host }, { ips: ['198.51.100.1'] }));
    assert.deepEqual(ips, ['198.51.100.1', '203.0.113.7', '2001:db8::7']);
  });
});

describe('IP helpers', () => {
  it('canonical IPv6, reverse names, CIDR membership and global-address classification', () => {
    assert.equal(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0025'), '2001:db8::25');
    assert.equal(reverseName('192.0.2.10'), '10.2.0.192.in-addr.arpa');
    assert.equal(reverseName('192.0.2.10', 'zen.spamhaus.org'), '10.2.0.192.zen.spamhaus.org');
    assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    assert.equal(ipInCidr('192.0.2.200', '192.0.2.0/24'), true);
    assert.equal(ipInCidr('192.0.3.1', '192.0.2.0/24'), false);
    assert.equal(ipInCidr('2606:4700::1', '2606:4700::/32'), true);
    assert.equal(ipInCidr('192.0.2.1', '2606:4700::/32'), false);
    assert.equal(ipInCidr('192.0.2.1', '192.0.2.0/'), false);
    assert.equal(ipInCidr('192.0.2.1', '192.0.2.1'), true);
    for (const ip of ['10.1.1.1', '172.16.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', 'fd00::1', 'fe80::1', '::1', '224.0.0.1']) {
      assert.equal(isGlobalAddress(ip), false, ip);
    }
    for (const ip of ['203.0.113.7', '198.51.100.20', '2001:db8::1', '2a01:4f8::1']) assert.equal(isGlobalAddress(ip), true, ip);
  });
});
