import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webHostnameCheck } from '../../src/checks/dns/web-hostname.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7', '2001:db8::7', '10.0.0.7');

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
