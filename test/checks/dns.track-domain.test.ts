import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trackDomainCheck } from '../../src/checks/dns/track-domain.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7', '2001:db8::7', '10.0.0.7');

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
