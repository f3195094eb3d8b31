import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smtpListen } from '../../src/checks/network/smtp-listen.js';
import { ptrCheck } from '../../src/checks/dns/ptr.js';
import { runChecks } from '../../src/core/runner.js';
import { defaultRunOptions } from '../../src/core/options.js';
import { reverseName } from '../../src/util/ip.js';
import { brief, runCheck, testConfig } from '../support/check-tester.js';
import { fakeDns, fakeProbes } from '../support/fakes.js';
import { fakeHost, fakeTcp, type TcpCall } from '../support/network-fakes.js';
import { poolRow, poolsDb } from '../support/sending.js';
import { deploymentConfig } from '../support/deployment.js';
import { restorePath } from '../support/docker.js';

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

  it("listens where BIND_ADDRESS and PORT in the smtp container say, and fixes the variable, not postal.yml", async (t) => {
    t.after(restorePath);
    const config = await deploymentConfig(yaml('  default_port: 25\n'), { smtp: ['BIND_ADDRESS=127.0.0.1', 'PORT=2525'] });
    const results = await runCheck(smtpListen, { config, probes: { host: HOST } });
    assert.deepEqual(brief(results), [{ target: '127.0.0.1:2525', status: 'fail', messageId: 'loopback-only' }]);
    assert.equal(results[0].message, 'BIND_ADDRESS=127.0.0.1 in postal-smtp-1 is 127.0.0.1: no other server can deliver mail to this host.');
    assert.equal(results[0].fix!.kind, 'manual');
    assert.equal(results[0].fix!.configChanges, undefined);
    assert.match(results[0].fix!.summary, /set BIND_ADDRESS=:: where the environment of postal-smtp-1 is defined/);
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

  it('compares banner and PTR only where peers connect, and never asks a second PTR for an address that sends with another HELO', async () => {
    const pooled = `version: 2\npostal:\n  smtp_hostname: postal.example.org\n  use_ip_pools: true\ndns:\n  mx_records: [mx.example.org]\n`;
    const host = fakeHost([['203.0.113.5', 'eth0'], ['203.0.113.6', 'eth0'], ['203.0.113.7', 'eth0']]);
    const results = await runCheck(smtpListen, {
      yaml: pooled,
      probes: {
        host,
        tcp: fakeTcp({ '203.0.113.5:25': POSTAL_BANNER, '203.0.113.6:25': POSTAL_BANNER, '203.0.113.7:25': POSTAL_BANNER }),
        database: poolsDb([poolRow('203.0.113.5', 'mta5.example.org'), poolRow('203.0.113.6', 'mta6.example.org')]),
        dns: fakeDns({
          'A mx.example.org': ['203.0.113.5'],
          'A postal.example.org': ['203.0.113.7'],
          [`PTR ${reverseName('203.0.113.5')}`]: ['mta5.example.org'],
          [`PTR ${reverseName('203.0.113.6')}`]: ['mta6.example.org'],
          [`PTR ${reverseName('203.0.113.7')}`]: ['postal.example.org'],
        }),
      },
    });
    assert.deepEqual(brief(results), [
      // An MX address that is also a pool address with its own HELO name: align the names, no second PTR.
      { target: '203.0.113.5:25', status: 'warn', messageId: 'helo-differs' },
      // A pool address no MX points at: nobody connects there, so nothing to compare.
      { target: '203.0.113.6:25', status: 'pass', messageId: 'ok-not-mx' },
      { target: '203.0.113.7:25', status: 'pass', messageId: 'ok' },
    ]);
    assert.equal(results[0].fix?.records, undefined);
    assert.notEqual(results[0].fix?.kind, 'provider');
    assert.match(results[0].fix?.summary ?? '', /set postal\.smtp_hostname to mta5\.example\.org.*pool row of 203\.0\.113\.5/);
  });

  it('one address, one PTR: with dns.ptr in the same run, no address gets two different PTR requests', async () => {
    const config = testConfig(`version: 2\npostal:\n  smtp_hostname: postal.example.org\n  use_ip_pools: true\ndns:\n  mx_records: [mx.example.org]\n`);
    const { results } = await runChecks({
      checks: [ptrCheck, smtpListen],
      skipped: new Set(),
      config,
      options: { ...defaultRunOptions(), configPath: config.path },
      probes: fakeProbes({
        host: fakeHost([['203.0.113.5', 'eth0']]),
        tcp: fakeTcp({ '203.0.113.5:25': POSTAL_BANNER }),
        database: poolsDb([poolRow('203.0.113.5', 'mta5.example.org')]),
        dns: fakeDns({ 'A mx.example.org': ['203.0.113.5'] }),
      }),
    });
    const requested = results.flatMap((result) => result.fix?.records ?? []).filter((record) => record.startsWith(reverseName('203.0.113.5')));
    assert.deepEqual(requested, [`${reverseName('203.0.113.5')}. 3600 IN PTR mta5.example.org.`]);
  });
});
