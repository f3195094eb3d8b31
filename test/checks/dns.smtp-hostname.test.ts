import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smtpHostnameCheck } from '../../src/checks/dns/smtp-hostname.js';
import { mxRecordsCheck } from '../../src/checks/dns/mx-records.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7', '2001:db8::7', '10.0.0.7');

describe('dns.smtp-hostname', () => {
  it('passes when A and AAAA are addresses of this server', async () => {
    const dns = fakeDns({ 'A postal.example.net': ['203.0.113.7'], 'AAAA postal.example.net': ['2001:db8::7'] });
    const results = await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results), [{ target: 'postal.example.net', status: 'pass', messageId: 'here' }]);
  });

  it('fails with the A/AAAA records to publish when the name does not resolve', async () => {
    const results = await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns: fakeDns({}), host } });
    assert.deepEqual(brief(results), [{ target: 'postal.example.net', status: 'fail', messageId: 'missing' }]);
    assert.equal(results[0].fix?.kind, 'dns');
    assert.deepEqual(results[0].fix?.records, ['postal.example.net. 3600 IN A 203.0.113.7', 'postal.example.net. 3600 IN AAAA 2001:db8::7']);
  });

  it('fails when the name points elsewhere, warns when only some addresses are elsewhere', async () => {
    const elsewhere = fakeDns({ 'A postal.example.net': ['198.51.100.9'], 'AAAA postal.example.net': [] });
    assert.deepEqual(brief(await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns: elsewhere, host } })), [
      { target: 'postal.example.net', status: 'fail', messageId: 'elsewhere' },
    ]);
    const partly = fakeDns({ 'A postal.example.net': ['203.0.113.7', '198.51.100.9'] });
    const results = await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns: partly, host } });
    assert.deepEqual(brief(results), [{ target: 'postal.example.net', status: 'warn', messageId: 'partly' }]);
    assert.match(results[0].message, /198\.51\.100\.9 is not an address of this server/);
  });

  it('fails when the name points at a private address', async () => {
    const dns = fakeDns({ 'A postal.example.net': ['10.0.0.7'] });
    assert.deepEqual(brief(await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns, host } })), [
      { target: 'postal.example.net', status: 'fail', messageId: 'private' },
    ]);
  });

  it('counts --ip addresses as this server, and is unknown behind NAT without them', async () => {
    const dns = fakeDns({ 'A postal.example.net': ['198.51.100.9'] });
    const natHost = hostWith('10.0.0.7');
    assert.deepEqual(brief(await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns, host: natHost } })), [
      { target: 'postal.example.net', status: 'unknown', messageId: 'behind-nat' },
    ]);
    assert.deepEqual(brief(await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns, host: natHost }, options: { ips: ['198.51.100.9'] } })), [
      { target: 'postal.example.net', status: 'pass', messageId: 'here' },
    ]);
  });

  it('is unknown, never pass or fail, when a lookup times out', async () => {
    const dns = fakeDns({ 'A postal.example.net': ['203.0.113.7'], 'AAAA postal.example.net': { error: 'timeout' } });
    const results = await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results), [{ target: 'postal.example.net', status: 'unknown', messageId: 'lookup-failed' }]);
    assert.match(results[0].message, /AAAA postal\.example\.net: timeout/);
  });

  it('skips the placeholder name (config.hostnames reports it)', async () => {
    const results = await runCheck(smtpHostnameCheck, { yaml: 'version: 2\n', probes: { dns: fakeDns({}), host } });
    assert.deepEqual(brief(results), [{ target: 'postal.example.com', status: 'skip', messageId: 'placeholder' }]);
  });
});

describe('names behind an HTTP proxy', () => {
  it('fails smtp_hostname and an MX host that point at Cloudflare, asking for a DNS-only record', async () => {
    const dns = fakeDns({ 'A postal.example.net': ['104.16.5.5'], 'AAAA postal.example.net': ['2606:4700::6810:505'], 'A mx1.example.net': ['203.0.113.7', '172.67.1.1'] });
    const smtp = await runCheck(smtpHostnameCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(smtp), [{ target: 'postal.example.net', status: 'fail', messageId: 'proxied' }]);
    assert.deepEqual(smtp[0].fix?.records, ['postal.example.net. 3600 IN A 203.0.113.7', 'postal.example.net. 3600 IN AAAA 2001:db8::7']);
    const mx = await runCheck(mxRecordsCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(mx), [{ target: 'mx1.example.net', status: 'fail', messageId: 'proxied' }]);
  });
});
