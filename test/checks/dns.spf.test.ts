import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spfCheck } from '../../src/checks/dns/spf.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7');
const options = { ips: ['203.0.113.8'] };

describe('dns.spf', () => {
  it('passes when the spf_include record authorises every outbound IP, and explains what Postal checks', async () => {
    const dns = fakeDns({ 'TXT spf.example.net': ['v=spf1 ip4:203.0.113.0/24 ~all'] });
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns, host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'pass', messageId: 'authorised' }]);
    assert.match(results[0].message, /include:spf\.example\.net/);
    assert.match(results[0].message, /v=spf1 a mx include:spf\.example\.net ~all/);
  });

  it('fails for an IP the record leaves out, with the record completed', async () => {
    const dns = fakeDns({ 'TXT spf.example.net': ['v=spf1 ip4:203.0.113.7 include:_b.example.net ~all'], 'TXT _b.example.net': ['v=spf1 ip4:198.51.100.1 -all'] });
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns, host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'fail', messageId: 'not-authorised' }]);
    assert.match(results[0].message, /203\.0\.113\.8 \(softfail\)/);
    assert.deepEqual(results[0].fix?.records, ['spf.example.net. 3600 IN TXT "v=spf1 ip4:203.0.113.7 include:_b.example.net ip4:203.0.113.8 ~all"']);
  });

  it('fails without a record, with one that lists the outbound IPs', async () => {
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: fakeDns({}), host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'fail', messageId: 'missing' }]);
    assert.deepEqual(results[0].fix?.records, ['spf.example.net. 3600 IN TXT "v=spf1 ip4:203.0.113.8 ~all"']);
  });

  it('fails on two SPF records (permerror), is unknown on a timeout, warns on +all', async () => {
    const two = fakeDns({ 'TXT spf.example.net': ['v=spf1 ip4:203.0.113.0/24 ~all', 'v=spf1 -all'] });
    assert.deepEqual(brief(await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: two, host }, options })), [
      { target: 'spf.example.net', status: 'fail', messageId: 'permerror' },
    ]);
    const slow = fakeDns({ 'TXT spf.example.net': { error: 'timeout' } });
    assert.deepEqual(brief(await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: slow, host }, options })), [
      { target: 'spf.example.net', status: 'unknown', messageId: 'lookup-failed' },
    ]);
    const open = fakeDns({ 'TXT spf.example.net': ['v=spf1 +all'] });
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: open, host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'warn', messageId: 'too-permissive' }]);
    assert.deepEqual(results[0].fix?.records, ['spf.example.net. 3600 IN TXT "v=spf1 ~all"']);
  });

  it('fails the placeholder spf_include and suggests spf.<smtp_hostname>', async () => {
    const yaml = postalYaml().replace('spf_include: spf.example.net', 'spf_include: spf.postal.example.com');
    const results = await runCheck(spfCheck, { yaml, probes: { dns: fakeDns({}), host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.postal.example.com', status: 'fail', messageId: 'placeholder' }]);
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'dns.spf_include', from: 'spf.postal.example.com', to: 'spf.postal.example.net' }]);
  });
});
