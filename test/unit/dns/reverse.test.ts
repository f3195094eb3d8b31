import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ptrCheck } from '../../../src/checks/dns/ptr.js';
import { fcrdnsCheck } from '../../../src/checks/dns/fcrdns.js';
import { heloCheck } from '../../../src/checks/dns/helo.js';
import { reverseName } from '../../../src/util/ip.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { brief, runCheck, testConfig } from '../../support/check-tester.js';
import { fakeDns, fakeProbes } from '../../support/fakes.js';
import { countingDns, hostWith, poolRow, poolsDb, postalYaml } from '../../support/sending.js';

const host = hostWith('203.0.113.7', '2001:db8::7');

/** A deployment whose two host addresses are fully in order. */
const healthy = {
  'PTR 7.113.0.203.in-addr.arpa': ['mta.example.net'],
  'PTR 7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': ['mta.example.net'],
  'A mta.example.net': ['203.0.113.7'],
  'AAAA mta.example.net': ['2001:db8::7'],
};

describe('dns.ptr', () => {
  it('passes for each host address with a PTR, IPv6 included', async () => {
    const results = await runCheck(ptrCheck, { yaml: postalYaml(), probes: { dns: fakeDns(healthy), host } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'pass', messageId: 'present' },
      { target: '2001:db8::7', status: 'pass', messageId: 'present' },
    ]);
  });

  it('fails without a PTR and names the exact pair to request from the provider', async () => {
    const dns = fakeDns({ 'PTR 7.113.0.203.in-addr.arpa': ['mta.example.net'] });
    const results = await runCheck(ptrCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results)[1], { target: '2001:db8::7', status: 'fail', messageId: 'missing' });
    assert.equal(results[1].fix?.kind, 'provider');
    assert.match(results[1].fix?.summary ?? '', /2001:db8::7 → mta\.example\.net/);
    assert.deepEqual(results[1].fix?.records, ['7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR mta.example.net.']);
  });

  it('warns about several PTR records, is unknown on timeout, skips private addresses', async () => {
    const dns = fakeDns({ 'PTR 7.113.0.203.in-addr.arpa': ['a.example.net', 'b.example.net'], 'PTR 8.113.0.203.in-addr.arpa': { error: 'timeout' } });
    const results = await runCheck(ptrCheck, { yaml: postalYaml(), probes: { dns, host }, options: { ips: ['203.0.113.7', '203.0.113.8', '10.1.2.3'] } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'warn', messageId: 'several' },
      { target: '203.0.113.8', status: 'unknown', messageId: 'lookup-failed' },
      { target: '10.1.2.3', status: 'skip', messageId: 'private-ip' },
    ]);
  });
});

describe('dns.fcrdns', () => {
  it('passes when every PTR name resolves back', async () => {
    const results = await runCheck(fcrdnsCheck, { yaml: postalYaml(), probes: { dns: fakeDns(healthy), host } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'pass', messageId: 'confirmed' },
      { target: '2001:db8::7', status: 'pass', messageId: 'confirmed' },
    ]);
  });

  it('fails when the PTR name resolves elsewhere, with the A record that fixes it', async () => {
    const dns = fakeDns({ ...healthy, 'A mta.example.net': ['192.0.2.99'] });
    const results = await runCheck(fcrdnsCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results)[0], { target: '203.0.113.7', status: 'fail', messageId: 'not-confirmed' });
    assert.match(results[0].message, /mta\.example\.net has A 192\.0\.2\.99 only/);
    assert.deepEqual(results[0].fix?.records, ['mta.example.net. 3600 IN A 203.0.113.7']);
  });

  it('warns when only one of several PTR names resolves back', async () => {
    const dns = fakeDns({ ...healthy, 'PTR 7.113.0.203.in-addr.arpa': ['mta.example.net', 'old.example.net'], 'A old.example.net': ['192.0.2.1'] });
    const results = await runCheck(fcrdnsCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results)[0], { target: '203.0.113.7', status: 'warn', messageId: 'partly' });
  });

  it('skips an IP without PTR and is unknown when the forward lookup times out', async () => {
    const dns = fakeDns({ 'PTR 7.113.0.203.in-addr.arpa': ['mta.example.net'], 'A mta.example.net': { error: 'timeout' } });
    const results = await runCheck(fcrdnsCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'unknown', messageId: 'lookup-failed' },
      { target: '2001:db8::7', status: 'skip', messageId: 'no-ptr' },
    ]);
  });
});

describe('dns.helo', () => {
  it('passes when the HELO name is the PTR name and resolves to the IP', async () => {
    const results = await runCheck(heloCheck, { yaml: postalYaml(), probes: { dns: fakeDns(healthy), host } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'pass', messageId: 'matches' },
      { target: '2001:db8::7', status: 'pass', messageId: 'matches' },
    ]);
  });

  it('without pools: a PTR that confirms but differs from helo_hostname → set dns.helo_hostname to it', async () => {
    const dns = fakeDns({ ...healthy, 'PTR 7.113.0.203.in-addr.arpa': ['vps-7.provider.example'], 'A vps-7.provider.example': ['203.0.113.7'] });
    const results = await runCheck(heloCheck, { yaml: postalYaml(), probes: { dns, host: hostWith('203.0.113.7') } });
    assert.deepEqual(brief(results), [{ target: '203.0.113.7', status: 'fail', messageId: 'mismatch' }]);
    assert.equal(results[0].fix?.kind, 'config');
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'dns.helo_hostname', from: 'mta.example.net', to: 'vps-7.provider.example' }]);
  });

  it('without pools, when other sending IPs share the HELO name: asks for the PTR rather than a HELO that breaks them', async () => {
    // The IPv6 address's provider-made PTR resolves back; dns.helo_hostname set to it would break IPv4, which matches.
    const generic = 'static.7.0.0.0.db8.provider.example';
    const dns = fakeDns({ ...healthy, 'PTR 7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': [generic], [`AAAA ${generic}`]: ['2001:db8::7'] });
    const results = await runCheck(heloCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'pass', messageId: 'matches' },
      { target: '2001:db8::7', status: 'fail', messageId: 'mismatch' },
    ]);
    assert.equal(results[1].fix?.kind, 'provider');
    assert.equal(results[1].fix?.configChanges, undefined);
    assert.deepEqual(results[1].fix?.records, ['7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR mta.example.net.']);
  });

  it('without pools: a PTR that does not confirm → ask the provider for PTR → HELO name', async () => {
    const dns = fakeDns({ ...healthy, 'PTR 7.113.0.203.in-addr.arpa': ['vps-7.provider.example'] });
    const results = await runCheck(heloCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results)[0], { target: '203.0.113.7', status: 'fail', messageId: 'mismatch' });
    assert.equal(results[0].fix?.kind, 'provider');
    assert.match(results[0].fix?.summary ?? '', /203\.0\.113\.7 → mta\.example\.net/);
  });

  it('with pools: the HELO is the pool hostname and the fix is the SQL update (quoted) and the UI path', async () => {
    const database = poolsDb([poolRow('203.0.113.20', "mta20.example.net", { pool: "Main's" })]);
    const dns = fakeDns({ 'PTR 20.113.0.203.in-addr.arpa': ['out20.example.net'], 'A out20.example.net': ['203.0.113.20'], 'A mta20.example.net': ['203.0.113.20'] });
    const results = await runCheck(heloCheck, { yaml: postalYaml({ pools: true }), probes: { dns, host: hostWith('203.0.113.20'), database } });
    assert.deepEqual(brief(results), [{ target: '203.0.113.20', status: 'fail', messageId: 'mismatch' }]);
    const fix = results[0].fix;
    assert.equal(fix?.kind, 'database');
    assert.match(fix?.summary ?? '', /IP Pools → Main's → 203\.0\.113\.20/);
    assert.match(fix?.summary ?? '', /UPDATE ip_addresses SET hostname = 'out20\.example\.net' WHERE ipv4 = '203\.0\.113\.20';/);
    assert.deepEqual(fix?.commands, [
      `mysql -h 127.0.0.1 -P 3306 -u postal -p postal -e 'UPDATE ip_addresses SET hostname = '\\''out20.example.net'\\'' WHERE ipv4 = '\\''203.0.113.20'\\'';'`,
    ]);
    assert.doesNotMatch(JSON.stringify(results), /s3cret-pw/);
  });

  it("with pools: an IPv6 PTR that differs from its row's hostname is asked of the provider when the row's IPv4 matches", async () => {
    const database = poolsDb([poolRow('203.0.113.30', 'mta30.example.net', { ipv6: '2001:db8::30' })]);
    const dns = fakeDns({
      'PTR 30.113.0.203.in-addr.arpa': ['mta30.example.net'],
      'A mta30.example.net': ['203.0.113.30'],
      'AAAA mta30.example.net': ['2001:db8::30'],
      [`PTR ${reverseName('2001:db8::30')}`]: ['v6-30.provider.example'],
      'AAAA v6-30.provider.example': ['2001:db8::30'],
    });
    const results = await runCheck(heloCheck, { yaml: postalYaml({ pools: true }), probes: { dns, host: hostWith('203.0.113.30', '2001:db8::30'), database } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.30', status: 'pass', messageId: 'matches' },
      { target: '2001:db8::30', status: 'fail', messageId: 'mismatch' },
    ]);
    // Renaming the row would change the HELO of 203.0.113.30 too.
    assert.equal(results[1].fix?.kind, 'provider');
    assert.deepEqual(results[1].fix?.records, [`${reverseName('2001:db8::30')}. 3600 IN PTR mta30.example.net.`]);
  });

  it('fails when the HELO name is the PTR name but does not resolve to the IP', async () => {
    const dns = fakeDns({ ...healthy, 'A mta.example.net': ['192.0.2.1'] });
    const results = await runCheck(heloCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results)[0], { target: '203.0.113.7', status: 'fail', messageId: 'not-resolving' });
    assert.deepEqual(results[0].fix?.records, ['mta.example.net. 3600 IN A 203.0.113.7']);
  });

  it('fails a HELO name that is not a FQDN, skips without PTR, is unknown on PTR timeout', async () => {
    const bare = await runCheck(heloCheck, { yaml: postalYaml({ helo: 'localhost' }), probes: { dns: fakeDns(healthy), host } });
    assert.deepEqual(brief(bare)[0], { target: '203.0.113.7', status: 'fail', messageId: 'not-fqdn' });
    const dns = fakeDns({ 'PTR 7.113.0.203.in-addr.arpa': { error: 'timeout' } });
    assert.deepEqual(brief(await runCheck(heloCheck, { yaml: postalYaml(), probes: { dns, host } })), [
      { target: '203.0.113.7', status: 'unknown', messageId: 'lookup-failed' },
      { target: '2001:db8::7', status: 'skip', messageId: 'no-ptr' },
    ]);
  });
});

describe('per-IP DNS checks together', () => {
  it('ask each DNS question once per run, and read the pools once', async () => {
    const dns = countingDns(healthy);
    const database = poolsDb([poolRow('203.0.113.7', 'mta.example.net', { ipv6: '2001:db8::7' })]);
    const config = testConfig(postalYaml({ pools: true }));
    const { results } = await runChecks({
      checks: [ptrCheck, fcrdnsCheck, heloCheck],
      skipped: new Set(),
      config,
      options: { ...defaultRunOptions(), configPath: config.path },
      probes: fakeProbes({ dns, host, database }),
    });
    assert.deepEqual(
      results.map((result) => result.status),
      ['pass', 'pass', 'pass', 'pass', 'pass', 'pass'],
    );
    assert.ok(dns.asked.size > 0);
    for (const [question, times] of dns.asked) assert.equal(times, 1, `${question} asked ${times} times`);
    assert.equal(database.calls, 1);
  });

  it('with pools: the default route is judged too, with the default HELO; a NULL pool hostname is EHLO localhost, a blank one an empty EHLO', async () => {
    const database = poolsDb([poolRow('203.0.113.40', null), poolRow('203.0.113.41', '')]);
    const dns = fakeDns({
      'PTR 7.113.0.203.in-addr.arpa': ['mta.example.net'],
      'A mta.example.net': ['203.0.113.7'],
      'PTR 40.113.0.203.in-addr.arpa': ['mta40.example.net'],
      'PTR 41.113.0.203.in-addr.arpa': ['mta41.example.net'],
    });
    const results = await runCheck(heloCheck, { yaml: postalYaml({ pools: true }), probes: { dns, host: hostWith('203.0.113.7', '203.0.113.40', '203.0.113.41'), database } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.40', status: 'fail', messageId: 'not-fqdn' },
      { target: '203.0.113.41', status: 'fail', messageId: 'not-fqdn' },
      { target: '203.0.113.7', status: 'pass', messageId: 'matches' },
    ]);
    assert.match(results[0].message, /Postal says HELO "localhost" \(the pool row of 203\.0\.113\.40 has no hostname \(NULL\), so Net::SMTP says localhost\)/);
    assert.match(results[1].message, /Postal says HELO "" \(the pool row of 203\.0\.113\.41 has an empty hostname\)/);
    assert.match(results[2].message, /From 203\.0\.113\.7 Postal says HELO mta\.example\.net \(the default route, for mail without a pool address: /);
  });
});
