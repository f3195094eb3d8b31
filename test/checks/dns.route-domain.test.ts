import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeDomainCheck } from '../../src/checks/dns/route-domain.js';
import { trackDomainCheck } from '../../src/checks/dns/track-domain.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7', '2001:db8::7', '10.0.0.7');

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
