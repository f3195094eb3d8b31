import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smtpListen } from '../../src/checks/network/smtp-listen.js';
import { reverseName } from '../../src/util/ip.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { fakeHost, fakeTcp, type TcpCall } from '../support/network-fakes.js';

const yaml = (smtpServer = '') => `version: 2\npostal:\n  smtp_hostname: Postal.Example.org\n${smtpServer ? `smtp_server:\n${smtpServer}` : ''}`;
const HOST = fakeHost([
  ['127.0.0.1', 'lo'],
  ['::1', 'lo'],
  ['203.0.113.5', 'eth0'],
  ['2001:db8::5', 'eth0'],
  ['fe80::1', 'eth0'],
  ['172.17.0.1', 'docker0'],
]);
const POSTAL_BANNER = { outcome: 'banner' as const, banner: '220 postal.example.org ESMTP Postal/4J8K2P' };

describe('network.smtp-listen', () => {
  it("checks each public address on smtp_server.default_port: Postal's banner, and the PTR against smtp_hostname", async () => {
    const calls: TcpCall[] = [];
    const results = await runCheck(smtpListen, {
      yaml: yaml(),
      probes: {
        host: HOST,
        tcp: fakeTcp({ '203.0.113.5:25': POSTAL_BANNER, '[2001:db8::5]:25': POSTAL_BANNER }, calls),
        dns: fakeDns({
          [`PTR ${reverseName('203.0.113.5')}`]: ['postal.example.org'],
          [`PTR ${reverseName('2001:db8::5')}`]: ['host-2001-db8--5.provider.example'],
        }),
      },
    });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.5:25', status: 'pass', messageId: 'ok' },
      { target: '[2001:db8::5]:25', status: 'warn', messageId: 'ptr-mismatch' },
    ]);
    assert.ok(calls.every((call) => call.readBanner && call.localAddress === undefined));
    const mismatch = results[1];
    assert.match(mismatch.message, /PTR of 2001:db8::5 is host-2001-db8--5\.provider\.example/);
    assert.equal(mismatch.fix!.kind, 'provider');
    assert.deepEqual(mismatch.fix!.records, [`${reverseName('2001:db8::5')}. 3600 IN PTR postal.example.org.`]);
  });

  it('uses the configured port, and tests IPv4 only when bound to 0.0.0.0', async () => {
    const results = await runCheck(smtpListen, {
      yaml: yaml('  default_port: 2525\n  default_bind_address: 0.0.0.0\n'),
      probes: { host: HOST, tcp: fakeTcp({ '203.0.113.5:2525': POSTAL_BANNER }), dns: fakeDns({ [`PTR ${reverseName('203.0.113.5')}`]: ['postal.example.org'] }) },
    });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.5:2525', status: 'pass', messageId: 'ok' },
      { target: '[2001:db8::5]:2525', status: 'skip', messageId: 'ipv4-only' },
    ]);
  });

  it('fails a loopback-only bind: no inbound mail, fix is the bind address', async () => {
    const results = await runCheck(smtpListen, { yaml: yaml('  default_bind_address: 127.0.0.1\n'), probes: { host: HOST } });
    assert.deepEqual(brief(results), [{ target: '127.0.0.1:25', status: 'fail', messageId: 'loopback-only' }]);
    assert.deepEqual(results[0].fix!.configChanges, [{ path: 'smtp_server.default_bind_address', from: '127.0.0.1', to: '::' }]);
  });

  it('tests only the bind address when one is given', async () => {
    const calls: TcpCall[] = [];
    const results = await runCheck(smtpListen, {
      yaml: yaml('  default_bind_address: 203.0.113.5\n'),
      probes: { host: HOST, tcp: fakeTcp({}, calls) },
    });
    assert.deepEqual(brief(results), [{ target: '203.0.113.5:25', status: 'fail', messageId: 'refused' }]);
    assert.deepEqual(calls.map((call) => call.host), ['203.0.113.5']);
    assert.deepEqual(results[0].fix?.commands, ['postal status', 'postal logs --tail 50 smtp']);
  });

  it("tells another server, a stale name, silence and a timeout apart", async () => {
    const host = fakeHost([['203.0.113.5', 'eth0'], ['203.0.113.6', 'eth0'], ['203.0.113.7', 'eth1'], ['203.0.113.8', 'eth1']]);
    const results = await runCheck(smtpListen, {
      yaml: yaml(),
      probes: {
        host,
        tcp: fakeTcp({
          '203.0.113.5:25': { outcome: 'banner', banner: '220 mail.example.org ESMTP Postfix (Debian/GNU)' },
          '203.0.113.6:25': { outcome: 'banner', banner: '220 postal.example.com ESMTP Postal/abc' },
          '203.0.113.7:25': 'connected',
          '203.0.113.8:25': 'timeout',
        }),
      },
    });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.5:25', status: 'fail', messageId: 'not-postal' },
      { target: '203.0.113.6:25', status: 'fail', messageId: 'banner-mismatch' },
      { target: '203.0.113.7:25', status: 'fail', messageId: 'no-banner' },
      { target: '203.0.113.8:25', status: 'unknown', messageId: 'timeout' },
    ]);
    assert.equal(results[1].title, 'The SMTP banner on 203.0.113.6:25 names postal.example.com, not postal.example.org');
    assert.deepEqual(results[1].fix!.commands, ['postal restart']);
  });

  it('accepts silence behind proxy_protocol, and reports a missing or unreadable PTR', async () => {
    const host = fakeHost([['203.0.113.5', 'eth0'], ['203.0.113.6', 'eth0']]);
    const results = await runCheck(smtpListen, {
      yaml: yaml('  proxy_protocol: true\n'),
      probes: {
        host,
        tcp: fakeTcp({ '203.0.113.5:25': 'connected', '203.0.113.6:25': POSTAL_BANNER }),
        dns: fakeDns({ [`PTR ${reverseName('203.0.113.6')}`]: { error: 'servfail' } }),
      },
    });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.5:25', status: 'pass', messageId: 'proxy-protocol' },
      { target: '203.0.113.6:25', status: 'unknown', messageId: 'ptr-unknown' },
    ]);

    const missing = await runCheck(smtpListen, { yaml: yaml(), probes: { host, tcp: fakeTcp({ '203.0.113.5:25': POSTAL_BANNER, '203.0.113.6:25': POSTAL_BANNER }), dns: fakeDns({}) } });
    assert.deepEqual(brief(missing).map((result) => result.messageId), ['ptr-missing', 'ptr-missing']);
  });

  it('uses private addresses when the host has no public one, without comparing their PTR', async () => {
    const results = await runCheck(smtpListen, {
      yaml: yaml(),
      probes: { host: fakeHost([['127.0.0.1', 'lo'], ['10.0.0.5', 'ens5'], ['172.17.0.1', 'docker0']]), tcp: fakeTcp({ '10.0.0.5:25': POSTAL_BANNER, '172.17.0.1:25': POSTAL_BANNER }) },
    });
    assert.deepEqual(brief(results), [
      { target: '10.0.0.5:25', status: 'pass', messageId: 'ok-private' },
      { target: '172.17.0.1:25', status: 'pass', messageId: 'ok-private' },
    ]);
  });
});
