import type { CheckDefinition, Finding } from '../../core/types.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { mxVerdict } from '../../knowledge/postal/domains.js';
import { DOMAIN_CHECK_TIMEOUT_MS, DOMAIN_LIST_MESSAGES, POSTAL_RULE_MESSAGES, domainsOrFinding, judgeRule, mapBounded } from '../../knowledge/postal/domain-findings.js';

export const domainsMxCheck: CheckDefinition = {
  id: 'domains.mx',
  group: 'domains',
  order: 30,
  title: "Each sending domain's MX records, as Postal checks them against dns.mx_records",
  targets: 'domain',
  probes: ['database', 'dns', 'clock'],
  network: true,
  timeoutMs: DOMAIN_CHECK_TIMEOUT_MS,
  messages: { ...DOMAIN_LIST_MESSAGES, ...POSTAL_RULE_MESSAGES },
  async run(ctx): Promise<Finding[]> {
    const { domains, finding } = await domainsOrFinding(ctx);
    if (!domains) return [finding];
    const mxRecords = ctx.config.get('dns.mx_records');
    return mapBounded(domains, (domain) =>
      judgeRule(ctx, domain.name, {
        what: 'MX',
        domain: domain.name,
        name: domain.name,
        type: 'MX',
        judge: (records) => mxVerdict(records.map((record) => record.slice(record.indexOf(' ') + 1)), mxRecords, domain.name),
        // Postal counts a domain whose mail goes elsewhere as fine (has_dns_checks.rb:8); only a partial set is wrong.
        severity: (verdict) => (verdict.status === 'Invalid' ? 'warn' : 'pass'),
        stored: { status: domain.mxStatus, error: domain.mxError, checkedAt: domain.dnsCheckedAt },
        kind: 'domain',
        fix: () => ({
          kind: 'dns',
          summary: `If ${domain.name} receives its mail through Postal, point its MX at every host of dns.mx_records`,
          commands: [],
          records: mxRecords.map((host) => zoneRecord(domain.name, 'MX', `10 ${host}.`)),
        }),
      }),
    );
  },
};
