import type { CheckDefinition } from '../../core/types.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { dkimRecordName, dkimVerdict, expectedDkimRecord } from '../../knowledge/postal/domains.js';
import { postalRuleCheck } from '../../knowledge/postal/domain-findings.js';

export const domainsDkimCheck: CheckDefinition = postalRuleCheck({
  id: 'domains.dkim',
  order: 20,
  title: 'Each sending domain publishes exactly its DKIM key, as Postal checks it',
  messages: {
    'no-key': {
      title: '{target}: DKIM has no usable key in Postal',
      message: "Postal's domains row for {target} has {problem}, so Postal cannot ask for or check a DKIM record and signs its mail as the return-path domain. Delete and re-add the domain in Postal to get a new key.",
    },
  },
  rule: (ctx, domain) => {
    const name = dkimRecordName(ctx, domain);
    const expected = expectedDkimRecord(domain);
    if (name === null || expected === null) {
      const problem = name === null ? 'no dkim_identifier_string' : domain.dkimPrivateKey === null ? 'no dkim_private_key' : 'a dkim_private_key that is not a readable private key';
      return { target: domain.name, status: 'fail', messageId: 'no-key', data: { target: domain.name, problem } };
    }
    return {
      what: 'DKIM',
      domain: domain.name,
      name,
      type: 'TXT',
      judge: (records) => dkimVerdict(records, name, expected),
      // Not OK: Postal signs with the return-path domain's key instead (dkim_header.rb:5-14).
      severity: (verdict) => (verdict.status === 'OK' ? 'pass' : 'fail'),
      stored: { status: domain.dkimStatus, error: domain.dkimError, checkedAt: domain.dnsCheckedAt },
      kind: 'domain',
      fix: () => ({
        kind: 'dns',
        summary: `Publish exactly this one TXT record at ${name} (remove any other), then press "Check my records are correct" in Postal`,
        commands: [],
        records: [zoneRecord(name, 'TXT', expected)],
      }),
    };
  },
});
