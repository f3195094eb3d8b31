import { ptrCheck } from '../../src/checks/dns/ptr.js';
import { checkTable } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith } from '../support/sending.js';

const YAML = 'version: 2\npostal:\n  smtp_hostname: mx.example.com\n';
const host = hostWith('203.0.113.7');
const PTR = 'PTR 7.113.0.203.in-addr.arpa';

checkTable(ptrCheck, {
  valid: [
    { name: 'one PTR record', yaml: YAML, probes: { host, dns: fakeDns({ [PTR]: ['mx.example.com'] }) } },
    { name: 'a private address is not judged', yaml: YAML, probes: { host: hostWith('10.0.0.7'), dns: fakeDns({}) } },
  ],
  invalid: [
    { name: 'no PTR record', yaml: YAML, probes: { host, dns: fakeDns({}) }, expected: [{ target: '203.0.113.7', status: 'fail', messageId: 'missing' }] },
    {
      name: 'several PTR records',
      yaml: YAML,
      probes: { host, dns: fakeDns({ [PTR]: ['mx.example.com', 'other.example.com'] }) },
      expected: [{ target: '203.0.113.7', status: 'warn', messageId: 'several' }],
    },
    {
      name: 'the lookup fails: unknown, never a verdict',
      yaml: YAML,
      probes: { host, dns: fakeDns({ [PTR]: { error: 'timeout' } }) },
      expected: [{ target: '203.0.113.7', status: 'unknown', messageId: 'lookup-failed' }],
    },
  ],
});
