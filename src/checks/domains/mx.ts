import type { CheckDefinition } from '../../core/types.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { mxVerdict } from '../../knowledge/postal/domains.js';
import { postalRuleCheck } from '../../knowledge/postal/domain-findings.js';

export const domainsMxCheck: CheckDefinition = postalRuleCheck({
  id: 'domains.mx',
  order: 30,
  title: "Each sending domain's MX records, as Postal checks them against dns.mx_records",
  rule: (ctx, domain) => {
    const mxRecords = ctx.config.get('dns.mx_records');
    return {
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
    };
  },
});
