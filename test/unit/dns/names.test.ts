import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smtpHostnameCheck } from '../../../src/checks/dns/smtp-hostname.js';
import { webHostnameCheck } from '../../../src/checks/dns/web-hostname.js';
import { mxRecordsCheck } from '../../../src/checks/dns/mx-records.js';
import { routeDomainCheck } from '../../../src/checks/dns/route-domain.js';
import { trackDomainCheck } from '../../../src/checks/dns/track-domain.js';
import { failureText } from '../../../src/knowledge/dns/lookups.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { fakeDns } from '../../support/fakes.js';
import { hostWith, postalYaml } from '../../support/sending.js';

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

describe('dns.web-hostname', () => {
  it('passes when the web name resolves, even to another machine', async () => {
    const dns = fakeDns({ 'A web.example.net': ['198.51.100.80'] });
    assert.deepEqual(brief(await runCheck(webHostnameCheck, { yaml: postalYaml(), probes: { dns, host } })), [{ target: 'web.example.net', status: 'pass', messageId: 'resolves' }]);
  });

  it('fails when the web name does not resolve', async () => {
    const results = await runCheck(webHostnameCheck, { yaml: postalYaml(), probes: { dns: fakeDns({}), host } });
    assert.deepEqual(brief(results), [{ target: 'web.example.net', status: 'fail', messageId: 'missing' }]);
  });

  it('fails when web and SMTP share a name that sits behind Cloudflare, and suggests a separate SMTP name', async () => {
    const yaml = postalYaml().replace('web_hostname: web.example.net', 'web_hostname: postal.example.net');
    const dns = fakeDns({ 'A postal.example.net': ['104.16.1.1'], 'AAAA postal.example.net': ['2606:4700::6810:101'] });
    const results = await runCheck(webHostnameCheck, { yaml, probes: { dns, host } });
    assert.deepEqual(brief(results), [{ target: 'postal.example.net', status: 'fail', messageId: 'shared-with-proxy' }]);
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'postal.smtp_hostname', from: 'postal.example.net', to: 'smtp.postal.example.net' }]);
    assert.deepEqual(results[0].fix?.records, ['smtp.postal.example.net. 3600 IN A 203.0.113.7', 'smtp.postal.example.net. 3600 IN AAAA 2001:db8::7']);
  });

  it('accepts a proxied web name that is not the SMTP name', async () => {
    const dns = fakeDns({ 'A web.example.net': ['104.16.1.1'] });
    assert.deepEqual(brief(await runCheck(webHostnameCheck, { yaml: postalYaml(), probes: { dns, host } })), [{ target: 'web.example.net', status: 'pass', messageId: 'proxied' }]);
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

describe('dns.mx-records', () => {
  const yaml = postalYaml().replace('    - mx1.example.net', '    - mx1.example.net\n    - MX2.Example.net\n    - mx3.example.net\n    - mx4.example.net.');

  it('judges each MX host: here, not written as Postal compares it (capitals, a trailing dot), elsewhere', async () => {
    const dns = fakeDns({
      'A mx1.example.net': ['203.0.113.7'],
      'A mx2.example.net': ['203.0.113.7'],
      'A mx3.example.net': ['198.51.100.25'],
      'A mx4.example.net': ['203.0.113.7'],
    });
    const results = await runCheck(mxRecordsCheck, { yaml, probes: { dns, host } });
    assert.deepEqual(brief(results), [
      { target: 'mx1.example.net', status: 'pass', messageId: 'here' },
      { target: 'mx2.example.net', status: 'warn', messageId: 'uppercase' },
      { target: 'mx3.example.net', status: 'fail', messageId: 'elsewhere' },
      { target: 'mx4.example.net', status: 'warn', messageId: 'uppercase' },
    ]);
    assert.deepEqual(results[3].fix?.configChanges?.[0]?.to, ['mx1.example.net', 'mx2.example.net', 'mx3.example.net', 'mx4.example.net']);
    assert.deepEqual(results[2].fix?.records, ['mx3.example.net. 3600 IN A 203.0.113.7', 'mx3.example.net. 3600 IN AAAA 2001:db8::7']);
  });

  it('warns about the placeholder MX hosts and suggests smtp_hostname', async () => {
    const results = await runCheck(mxRecordsCheck, { yaml: postalYaml().replace('    - mx1.example.net', '    - mx1.postal.example.com'), probes: { dns: fakeDns({}), host } });
    assert.deepEqual(brief(results), [{ target: 'mx1.postal.example.com', status: 'warn', messageId: 'placeholder' }]);
    assert.deepEqual(results[0].fix?.configChanges?.[0]?.to, ['postal.example.net']);
  });
});

describe('dns.route-domain', () => {
  it('passes when the MX leads to this server', async () => {
    const dns = fakeDns({ 'MX routes.example.net': ['10 postal.example.net'], 'A postal.example.net': ['203.0.113.7'] });
    assert.deepEqual(brief(await runCheck(routeDomainCheck, { yaml: postalYaml(), probes: { dns, host } })), [{ target: 'routes.example.net', status: 'pass', messageId: 'here' }]);
  });

  it('fails with the MX record to publish when there is none', async () => {
    const results = await runCheck(routeDomainCheck, { yaml: postalYaml(), probes: { dns: fakeDns({ 'A routes.example.net': ['203.0.113.7'] }), host } });
    assert.deepEqual(brief(results), [{ target: 'routes.example.net', status: 'fail', messageId: 'no-mx' }]);
    assert.deepEqual(results[0].fix?.records, ['routes.example.net. 3600 IN MX 10 postal.example.net.']);
  });

  it('fails when the MX host points elsewhere, is unknown when its lookup fails', async () => {
    const elsewhere = fakeDns({ 'MX routes.example.net': ['10 other.example.org'], 'A other.example.org': ['198.51.100.1'] });
    assert.deepEqual(brief(await runCheck(routeDomainCheck, { yaml: postalYaml(), probes: { dns: elsewhere, host } })), [
      { target: 'routes.example.net', status: 'fail', messageId: 'elsewhere' },
    ]);
    const failing = fakeDns({ 'MX routes.example.net': ['10 other.example.org'], 'A other.example.org': { error: 'servfail' } });
    assert.deepEqual(brief(await runCheck(routeDomainCheck, { yaml: postalYaml(), probes: { dns: failing, host } })), [
      { target: 'routes.example.net', status: 'unknown', messageId: 'lookup-failed' },
    ]);
  });
});

describe('dns.track-domain', () => {
  it('passes when it resolves, warns with records when it does not', async () => {
    assert.deepEqual(brief(await runCheck(trackDomainCheck, { yaml: postalYaml(), probes: { dns: fakeDns({ 'A track.example.net': ['203.0.113.7'] }), host } })), [
      { target: 'track.example.net', status: 'pass', messageId: 'resolves' },
    ]);
    const results = await runCheck(trackDomainCheck, { yaml: postalYaml(), probes: { dns: fakeDns({}), host } });
    assert.deepEqual(brief(results), [{ target: 'track.example.net', status: 'warn', messageId: 'missing' }]);
    assert.deepEqual(results[0].fix?.records, ['track.example.net. 3600 IN A 203.0.113.7', 'track.example.net. 3600 IN AAAA 2001:db8::7']);
  });

  it('is unknown when the lookup is refused', async () => {
    const dns = fakeDns({ 'A track.example.net': { error: 'refused' } });
    assert.deepEqual(brief(await runCheck(trackDomainCheck, { yaml: postalYaml(), probes: { dns, host } })), [{ target: 'track.example.net', status: 'unknown', messageId: 'lookup-failed' }]);
  });
});

describe('placeholder domains from the default config', () => {
  const yaml = 'version: 2\npostal:\n  smtp_hostname: postal.example.net\n';

  it('route and track domains warn and suggest names under smtp_hostname', async () => {
    const route = await runCheck(routeDomainCheck, { yaml, probes: { dns: fakeDns({}), host } });
    assert.deepEqual(brief(route), [{ target: 'routes.postal.example.com', status: 'warn', messageId: 'placeholder' }]);
    assert.deepEqual(route[0].fix?.configChanges, [{ path: 'dns.route_domain', to: 'routes.postal.example.net' }]);
    const track = await runCheck(trackDomainCheck, { yaml, probes: { dns: fakeDns({}), host } });
    assert.deepEqual(brief(track), [{ target: 'track.postal.example.com', status: 'warn', messageId: 'placeholder' }]);
    assert.deepEqual(track[0].fix?.records, ['track.postal.example.net. 3600 IN A 203.0.113.7', 'track.postal.example.net. 3600 IN AAAA 2001:db8::7']);
  });
});

describe('failed lookups in messages', () => {
  it('names the resolver once for the questions that failed alike', () => {
    const timeout = (query: string) => ({ query, status: 'error' as const, code: 'timeout' as const, detail: 'no answer from 127.0.0.53 within 5000 ms' });
    const text = failureText([
      timeout('A rp.example.net'),
      { query: 'MX rp.example.net', status: 'nxdomain' },
      timeout('AAAA rp.example.net'),
      { query: 'TXT rp.example.net', status: 'error', code: 'refused', detail: 'EREFUSED from 127.0.0.53' },
    ]);
    assert.equal(text, 'A rp.example.net, AAAA rp.example.net: timeout (no answer from 127.0.0.53 within 5000 ms); TXT rp.example.net: refused (EREFUSED from 127.0.0.53)');
  });
});
