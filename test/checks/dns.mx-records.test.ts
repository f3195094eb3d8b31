import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mxRecordsCheck } from '../../src/checks/dns/mx-records.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7', '2001:db8::7', '10.0.0.7');

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
