import type { CheckDefinition, Finding } from '../../core/types.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { dkimRecordName, dkimVerdict, expectedDkimRecord } from '../../knowledge/postal/domains.js';
import { DOMAIN_CHECK_TIMEOUT_MS, DOMAIN_LIST_MESSAGES, POSTAL_RULE_MESSAGES, domainsOrFinding, judgeRule, mapBounded } from '../../knowledge/postal/domain-findings.js';

export const domainsDkimCheck: CheckDefinition = {
  id: 'domains.dkim',
  group: 'domains',
  order: 20,
  title: 'Each sending domain publishes exactly its DKIM key, as Postal checks it',
  targets: 'domain',
  probes: ['database', 'dns', 'clock'],
  network: true,
  timeoutMs: DOMAIN_CHECK_TIMEOUT_MS,
  messages: {
    ...DOMAIN_LIST_MESSAGES,
    ...POSTAL_RULE_MESSAGES,
    'no-key': {
      title: '{target}: DKIM has no usable key in Postal',
      message: "Postal's domains row for {target} has {problem}, so Postal cannot ask for or check a DKIM record and signs its mail as the return-path domain. Delete and re-add the domain in Postal to get a new key.",
    },
  },
  async run(ctx): Promise<Finding[]> {
    const { domains, finding } = await domainsOrFinding(ctx);
    if (!domains) return [finding];
    return mapBounded(domains, async (domain): Promise<Finding> => {
      const name = dkimRecordName(ctx, domain);
      const expected = expectedDkimRecord(domain);
      if (name === null || expected === null) {
        const problem = name === null ? 'no dkim_identifier_string' : domain.dkimPrivateKey === null ? 'no dkim_private_key' : 'a dkim_private_key that is not a readable private key';
        return { target: domain.name, status: 'fail', messageId: 'no-key', data: { target: domain.name, problem } };
      }
      return judgeRule(ctx, domain.name, {
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
      });
    });
  },
};
