import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { outbound25, parseProbeTarget } from '../../src/checks/network/outbound-25.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { fakeTcp, type TcpCall } from '../support/network-fakes.js';
import { hostWith, poolRow, poolsDb } from '../support/sending.js';

const YAML = 'version: 2\npostal:\n  smtp_hostname: postal.example.org\n';

/** The default probe domains' MX hosts, with TEST-NET addresses standing in for the real ones. */
const MX_DNS = fakeDns({
  'MX gmail.com': ['10 alt1.mx.gmail.test', '5 mx.gmail.test'],
  'A mx.gmail.test': ['198.51.100.10'],
  'AAAA mx.gmail.test': ['2001:db8:100::10'],
  'MX outlook.com': ['10 outlook-com.olc.protection.outlook.com'],
  'A outlook-com.olc.protection.outlook.com': ['198.51.100.20'],
  'MX yahoo.com': ['1 mta5.am0.yahoodns.net', '1 mta6.am0.yahoodns.net'],
  'A mta5.am0.yahoodns.net': ['198.51.100.30'],
});

describe('network.outbound-25', () => {
  it('probes the best MX of each default domain from each IP, bound to that IP, with a same-family address', async () => {
    const calls: TcpCall[] = [];
    const results = await runCheck(outbound25, {
      yaml: YAML,
      options: { ips: ['192.0.2.1', '2001:db8::1'], timeoutMs: 700 },
      probes: { dns: MX_DNS, tcp: fakeTcp({}, calls) },
    });
    const v4 = calls.filter((call) => call.localAddress === '192.0.2.1').map((call) => `${call.host}:${call.port}`).sort();
    assert.deepEqual(v4, ['198.51.100.10:25', '198.51.100.20:25', '198.51.100.30:25']);
    const v6 = calls.filter((call) => call.localAddress === '2001:db8::1').map((call) => call.host);
    assert.deepEqual(v6, ['2001:db8:100::10']);
    assert.ok(calls.every((call) => call.readBanner && call.timeoutMs === 700));
    assert.equal(results.length, 2);
  });

  it('passes when every target sends a banner, and fails with the provider-block fix when all time out', async () => {
    const tcp = fakeTcp({
      '192.0.2.1->198.51.100.10:25': { outcome: 'banner', banner: '220 mx.google.com ESMTP' },
      '192.0.2.1->198.51.100.20:25': { outcome: 'banner', banner: '220 outlook ESMTP' },
      '192.0.2.1->198.51.100.30:25': { outcome: 'banner', banner: '220 yahoo ESMTP' },
      '192.0.2.2->198.51.100.10:25': 'timeout',
      '192.0.2.2->198.51.100.20:25': 'timeout',
      '192.0.2.2->198.51.100.30:25': 'timeout',
    });
    const results = await runCheck(outbound25, { yaml: YAML, options: { ips: ['192.0.2.1', '192.0.2.2'], timeoutMs: 500 }, probes: { dns: MX_DNS, tcp } });
    assert.deepEqual(brief(results), [
      { target: '192.0.2.1', status: 'pass', messageId: 'open' },
      { target: '192.0.2.2', status: 'fail', messageId: 'timeout' },
      { target: null, status: 'skip', messageId: 'no-family-ip' },
    ]);
    const blocked = results[1];
    assert.equal(blocked.title, 'Outbound port 25 is blocked from 192.0.2.2');
    assert.doesNotMatch(blocked.title + blocked.message, /\d+ ms/, 'timings belong in evidence');
    assert.ok(blocked.evidence.some((entry) => /TCP 192\.0\.2\.2 -> 198\.51\.100\.10:25/.test(entry.query) && (entry.answer as { ms: number }).ms === 500));
    assert.equal(blocked.fix!.kind, 'provider');
    assert.deepEqual(blocked.fix!.configChanges, [{ path: 'postal.smtp_relays', to: ['smtp://<your-relay-host>:587?ssl_mode=STARTTLS'] }]);
    assert.deepEqual(blocked.fix!.commands, ['postal-doctor check --only network.outbound-25 --ip 192.0.2.2']);
    assert.match(blocked.fix!.summary, /provider/);
    assert.equal(results[2].title, 'Outbound port 25 over IPv6: not tested');
  });

  it('warns when only some targets answer, naming the ones that did not', async () => {
    const tcp = fakeTcp({
      '198.51.100.10:25': 'banner',
      '198.51.100.20:25': 'timeout',
      '198.51.100.30:25': 'banner',
    });
    const [result] = await runCheck(outbound25, { yaml: YAML, options: { ips: ['192.0.2.1'] }, probes: { dns: MX_DNS, tcp } });
    assert.deepEqual(brief([result]), [{ target: '192.0.2.1', status: 'warn', messageId: 'partial' }]);
    assert.match(result.message, /2 of 3 .*outlook\.com \(outlook-com\.olc\.protection\.outlook\.com\): timed out/);
    assert.equal(result.fix, null);
  });

  it('tells refusals (a firewall rejecting) from timeouts', async () => {
    const tcp = fakeTcp({ '198.51.100.10:25': 'refused', '198.51.100.20:25': 'refused', '198.51.100.30:25': 'timeout' });
    const [result] = await runCheck(outbound25, { yaml: YAML, options: { ips: ['192.0.2.1'] }, probes: { dns: MX_DNS, tcp } });
    assert.deepEqual(brief([result]), [{ target: '192.0.2.1', status: 'fail', messageId: 'refused' }]);
    assert.match(result.message, /2 of 3 connections were actively refused/);
    assert.equal(result.fix!.kind, 'firewall');
  });

  it('fails with no route when the connections cannot leave the host', async () => {
    const tcp = fakeTcp({ '[2001:db8:100::10]:25': { outcome: 'unreachable', code: 'ENETUNREACH' } });
    const [result] = await runCheck(outbound25, { yaml: YAML, options: { ips: ['2001:db8::1'] }, probes: { dns: MX_DNS, tcp } });
    assert.deepEqual(brief([result]), [{ target: '2001:db8::1', status: 'fail', messageId: 'no-route' }]);
    assert.match(result.message, /ENETUNREACH/);
  });

  const notHere = (ip: string) =>
    Object.fromEntries(['198.51.100.10', '198.51.100.20', '198.51.100.30'].map((mx) => [`${ip}->${mx}:25`, { outcome: 'unreachable' as const, code: 'EADDRNOTAVAIL' }]));

  it('skips an IP this host does not have instead of calling it blocked', async () => {
    const tcp = fakeTcp(notHere('192.0.2.77'));
    const host = hostWith('192.0.2.5');
    const given = await runCheck(outbound25, { yaml: YAML, options: { ips: ['192.0.2.77'] }, probes: { dns: MX_DNS, tcp, host } });
    assert.deepEqual(brief(given)[0], { target: '192.0.2.77', status: 'skip', messageId: 'not-local' });

    // A pool address must be on the worker's host itself: it is never tested from another address.
    const pool = await runCheck(outbound25, {
      yaml: `${YAML}  use_ip_pools: true\n`,
      probes: { dns: MX_DNS, tcp: fakeTcp(notHere('192.0.2.78')), host: hostWith('10.0.0.5'), database: poolsDb([poolRow('192.0.2.78', 'mta78.example.org')]) },
    });
    assert.deepEqual(brief(pool)[0], { target: '192.0.2.78', status: 'skip', messageId: 'not-local' });
  });

  it('behind NAT, tests the public address given with --ip from the address the kernel picks', async () => {
    const calls: TcpCall[] = [];
    const tcp = fakeTcp({ ...notHere('203.0.113.9'), '198.51.100.10:25': 'timeout', '198.51.100.20:25': 'timeout', '198.51.100.30:25': 'timeout' }, calls);
    const results = await runCheck(outbound25, { yaml: YAML, options: { ips: ['203.0.113.9'] }, probes: { dns: MX_DNS, tcp, host: hostWith('172.31.5.6') } });
    assert.deepEqual(brief(results)[0], { target: '203.0.113.9', status: 'fail', messageId: 'timeout' });
    assert.deepEqual(calls.filter((call) => call.localAddress === undefined).map((call) => call.host).sort(), ['198.51.100.10', '198.51.100.20', '198.51.100.30']);
    assert.ok(results[0].evidence.some((entry) => entry.query.startsWith('TCP this host -> 198.51.100.10:25')));
    assert.match(results[0].message, /behind NAT/);

    // IPv6 is not translated: an IPv6 address this host lacks is another host's.
    const v6 = await runCheck(outbound25, { yaml: YAML, options: { ips: ['2001:db8::9'] }, probes: { dns: MX_DNS, tcp: fakeTcp({ '2001:db8::9->[2001:db8:100::10]:25': { outcome: 'unreachable', code: 'EADDRNOTAVAIL' } }), host: hostWith('172.31.5.6') } });
    assert.deepEqual(brief(v6)[0], { target: '2001:db8::9', status: 'skip', messageId: 'not-local' });
  });

  it('passes a blocked IP when Postal sends through smtp_relays, never showing relay credentials', async () => {
    const yaml = `${YAML}  smtp_relays:\n    - smtp://apikey:s3cr3t-pass@smtp.relay.test:2525?ssl_mode=TLS\n`;
    const tcp = fakeTcp({ '198.51.100.10:25': 'timeout', '198.51.100.20:25': 'timeout', '198.51.100.30:25': 'timeout' });
    const [result] = await runCheck(outbound25, { yaml, options: { ips: ['192.0.2.1'] }, probes: { dns: MX_DNS, tcp } });
    assert.deepEqual(brief([result]), [{ target: '192.0.2.1', status: 'pass', messageId: 'relayed' }]);
    assert.match(result.message, /smtp\.relay\.test:2525/);
    assert.doesNotMatch(JSON.stringify(result), /s3cr3t|apikey/);
  });

  it('a single probe target that does not answer is a warning naming it, never a provider block', async () => {
    for (const outcome of ['timeout', 'refused'] as const) {
      const results = await runCheck(outbound25, { yaml: YAML, options: { ips: ['192.0.2.1'], probeTargets: ['mx.example.net'] }, probes: { dns: fakeDns({ 'A mx.example.net': ['198.51.100.40'] }), tcp: fakeTcp({ '198.51.100.40:25': outcome }) } });
      assert.deepEqual(brief(results)[0], { target: '192.0.2.1', status: 'warn', messageId: 'single-target' });
      assert.match(results[0]!.message, /^Port 25 of mx\.example\.net (timed out|refused) from 192\.0\.2\.1\. One server that does not answer is not evidence of a provider block/);
      assert.deepEqual(results[0]!.fix!.commands, ['postal-doctor check --only network.outbound-25 --ip 192.0.2.1'], 'retest against the default targets');
    }
  });

  it('uses --probe-target as given (IP literals need no DNS) with their ports', async () => {
    const calls: TcpCall[] = [];
    const results = await runCheck(outbound25, {
      yaml: YAML,
      options: { ips: ['192.0.2.1', '2001:db8::1'], probeTargets: ['192.0.2.10:2525', '[2001:db8::10]', '192.0.2.11'] },
      probes: { tcp: fakeTcp({ '192.0.2.10:2525': 'banner', '192.0.2.11:25': 'banner', '[2001:db8::10]:25': 'banner' }, calls) },
    });
    assert.deepEqual(brief(results), [
      { target: '192.0.2.1', status: 'pass', messageId: 'open' },
      { target: '2001:db8::1', status: 'pass', messageId: 'open' },
    ]);
    assert.deepEqual(calls.map((call) => `${call.localAddress} ${call.host} ${call.port}`).sort(), [
      '192.0.2.1 192.0.2.10 2525',
      '192.0.2.1 192.0.2.11 25',
      '2001:db8::1 2001:db8::10 25',
    ]);
  });

  it('reports unknown, not a block, when no probe target resolves', async () => {
    const dns = fakeDns({ 'MX gmail.com': { error: 'timeout' }, 'MX outlook.com': { error: 'timeout' }, 'MX yahoo.com': { error: 'timeout' } });
    const results = await runCheck(outbound25, { yaml: YAML, options: { ips: ['192.0.2.1'] }, probes: { dns, tcp: fakeTcp({}) } });
    assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'no-probe-targets' }]);
    assert.match(results[0].message, /gmail\.com: no MX \(timeout\)/);
  });

  it('reports unknown for an IPv6 source when no target has an IPv6 address', async () => {
    const results = await runCheck(outbound25, {
      yaml: YAML,
      options: { ips: ['2001:db8::1'], probeTargets: ['192.0.2.10'] },
      probes: { tcp: fakeTcp({}) },
    });
    assert.deepEqual(brief(results)[0], { target: '2001:db8::1', status: 'unknown', messageId: 'no-targets' });
  });

  it('is skipped under --offline', async () => {
    const results = await runCheck(outbound25, { yaml: YAML, options: { ips: ['192.0.2.1'], offline: true } });
    assert.deepEqual(brief(results), [{ target: null, status: 'skip', messageId: 'runner.offline' }]);
  });
});

describe('probe target syntax', () => {
  it('reads host, host:port and bracketed IPv6', () => {
    assert.deepEqual(parseProbeTarget('MX.Example.NET.'), { host: 'mx.example.net', port: 25 });
    assert.deepEqual(parseProbeTarget('mx.example.net:2525'), { host: 'mx.example.net', port: 2525 });
    assert.deepEqual(parseProbeTarget('[2001:DB8::10]:26'), { host: '2001:db8::10', port: 26 });
    assert.deepEqual(parseProbeTarget('2001:db8::10'), { host: '2001:db8::10', port: 25 });
    assert.equal(parseProbeTarget('mx.example.net:99999'), null);
    assert.equal(parseProbeTarget('mx example'), null);
    assert.equal(parseProbeTarget('a:b:c'), null);
  });
});
