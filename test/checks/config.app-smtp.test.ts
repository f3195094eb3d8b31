import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appSmtp } from '../../src/checks/config/app-smtp.js';
import { brief, runCheck } from '../support/check-tester.js';
import { denied, EMPTY_NAT, EMPTY_NFT, fakeCommands, fakeHost, fakeTcp, type TcpCall } from '../support/network-fakes.js';

const HOST = fakeHost([['127.0.0.1', 'lo'], ['203.0.113.5', 'eth0']]);
/** The installer's v3 template: smtp.port 2525 while the SMTP server listens on 25. */
const INSTALLER = 'version: 2\npostal:\n  smtp_hostname: postal.example.org\nsmtp:\n  host: 127.0.0.1\n  port: 2525\n';
const POSTAL = { outcome: 'banner' as const, banner: '220 postal.example.org ESMTP Postal/ZX81' };
const OUTPUT_REDIRECT = '*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -o lo -p tcp -m tcp --dport 2525 -j REDIRECT --to-ports 25\nCOMMIT\n';

const firewall = (v4: string) => fakeCommands({ 'iptables-save -t nat': v4, 'ip6tables-save -t nat': EMPTY_NAT, 'nft -j list ruleset': EMPTY_NFT });

describe('config.app-smtp', () => {
  it("fails the installer's smtp.port 2525 without an OUTPUT redirect (#523), with smtp.port: 25 as the fix", async () => {
    const results = await runCheck(appSmtp, { yaml: INSTALLER, probes: { host: HOST, commands: firewall(EMPTY_NAT), tcp: fakeTcp({}) } });
    assert.deepEqual(brief(results), [{ target: null, status: 'fail', messageId: 'needs-redirect' }]);
    assert.equal(results[0].fix!.kind, 'config');
    assert.deepEqual(results[0].fix!.configChanges, [{ path: 'smtp.port', from: 2525, to: 25 }]);
    assert.deepEqual(results[0].fix!.commands, ['postal restart']);
    assert.ok(results[0].evidence.some((entry) => entry.query === 'TCP 127.0.0.1:2525'));
  });

  it('passes when the OUTPUT chain redirects and the connection gets Postal’s banner', async () => {
    const calls: TcpCall[] = [];
    const results = await runCheck(appSmtp, { yaml: INSTALLER, probes: { host: HOST, commands: firewall(OUTPUT_REDIRECT), tcp: fakeTcp({ '127.0.0.1:2525': POSTAL }, calls) } });
    assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'ok' }]);
    assert.deepEqual(calls.map((call) => [call.host, call.port, call.readBanner]), [['127.0.0.1', 2525, true]]);
  });

  it('still judges the config and the rules under --offline, without connecting', async () => {
    const missing = await runCheck(appSmtp, { yaml: INSTALLER, options: { offline: true }, probes: { host: HOST, commands: firewall(EMPTY_NAT) } });
    assert.deepEqual(brief(missing), [{ target: null, status: 'fail', messageId: 'needs-redirect' }]);
    const redirected = await runCheck(appSmtp, { yaml: INSTALLER, options: { offline: true }, probes: { host: HOST, commands: firewall(OUTPUT_REDIRECT) } });
    assert.deepEqual(brief(redirected), [{ target: null, status: 'pass', messageId: 'redirected' }]);
    const direct = await runCheck(appSmtp, { yaml: 'version: 2\n', options: { offline: true }, probes: { host: HOST } });
    assert.deepEqual(brief(direct), [{ target: null, status: 'pass', messageId: 'direct' }]);
    const remote = await runCheck(appSmtp, { yaml: 'version: 2\nsmtp:\n  host: smtp.relay.test\n  port: 587\n', options: { offline: true }, probes: { host: HOST } });
    assert.deepEqual(brief(remote), [{ target: null, status: 'skip', messageId: 'remote' }]);
  });

  it("treats the host's own public address and localhost as local", async () => {
    const own = await runCheck(appSmtp, {
      yaml: 'version: 2\nsmtp:\n  host: 203.0.113.5\n  port: 2525\n',
      options: { offline: true },
      probes: { host: HOST, commands: firewall(OUTPUT_REDIRECT) },
    });
    // -o lo covers connections to the host's own addresses as well.
    assert.deepEqual(brief(own), [{ target: null, status: 'pass', messageId: 'redirected' }]);
    const localhost = await runCheck(appSmtp, { yaml: 'version: 2\nsmtp:\n  host: localhost\n  port: 2525\n', options: { offline: true }, probes: { host: HOST, commands: firewall(EMPTY_NAT) } });
    assert.deepEqual(brief(localhost), [{ target: null, status: 'fail', messageId: 'needs-redirect' }]);
  });

  it('believes a live answer from Postal over rules it could not read, and says unknown otherwise', async () => {
    const commands = fakeCommands({ 'iptables-save -t nat': denied('iptables-save') });
    const live = await runCheck(appSmtp, { yaml: INSTALLER, probes: { host: HOST, commands, tcp: fakeTcp({ '127.0.0.1:2525': POSTAL }) } });
    assert.deepEqual(brief(live), [{ target: null, status: 'pass', messageId: 'ok' }]);
    const silent = await runCheck(appSmtp, { yaml: INSTALLER, probes: { host: HOST, commands, tcp: fakeTcp({}) } });
    assert.deepEqual(brief(silent), [{ target: null, status: 'unknown', messageId: 'unreadable' }]);
    assert.match(silent[0].message, /iptables-save -t nat failed/);
  });

  it('accepts a remote relay that greets, and fails one that does not answer or a local non-Postal server', async () => {
    const relayYaml = 'version: 2\nsmtp:\n  host: smtp.relay.test\n  port: 587\n';
    const relay = await runCheck(appSmtp, { yaml: relayYaml, probes: { host: HOST, tcp: fakeTcp({ 'smtp.relay.test:587': { outcome: 'banner', banner: '220 smtp.relay.test ESMTP' } }) } });
    assert.deepEqual(brief(relay), [{ target: null, status: 'pass', messageId: 'relay' }]);
    const dead = await runCheck(appSmtp, { yaml: relayYaml, probes: { host: HOST, tcp: fakeTcp({ 'smtp.relay.test:587': 'timeout' }) } });
    assert.deepEqual(brief(dead), [{ target: null, status: 'fail', messageId: 'not-answering' }]);
    assert.equal(dead[0].message, 'smtp.host smtp.relay.test:587: timed out.');
    const other = await runCheck(appSmtp, { yaml: 'version: 2\n', probes: { host: HOST, tcp: fakeTcp({ '127.0.0.1:25': { outcome: 'banner', banner: '220 localhost ESMTP Postfix' } }) } });
    assert.deepEqual(brief(other), [{ target: null, status: 'fail', messageId: 'not-postal' }]);
  });
});
