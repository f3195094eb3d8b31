import type { CheckDefinition } from '../../core/types.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { cnameVerdict, returnPathName } from '../../knowledge/postal/domains.js';
import { postalRuleCheck } from '../../knowledge/postal/domain-findings.js';

export const domainsReturnPathCheck: CheckDefinition = postalRuleCheck({
  id: 'domains.return-path',
  order: 40,
  title: "Each sending domain's psrp CNAME to dns.return_path_domain, as Postal checks it",
  rule: (ctx, domain) => {
    const target = ctx.config.get('dns.return_path_domain');
    const name = returnPathName(ctx, domain);
    return {
      what: 'return path',
      domain: domain.name,
      name,
      type: 'CNAME',
      judge: (records) => cnameVerdict(records, name, target, `There is no return path record at ${name}`),
      // Missing: Postal sends with MAIL FROM at return_path_domain instead (smtp_sender.rb:139-149); SPF then cannot align (domains.dmarc).
      severity: (verdict) => (verdict.status === 'OK' ? 'pass' : verdict.status === 'Missing' ? 'warn' : 'fail'),
      stored: { status: domain.returnPathStatus, error: domain.returnPathError, checkedAt: domain.dnsCheckedAt },
      kind: 'domain',
      fix: () => ({
        kind: 'dns',
        summary: `Publish the return-path CNAME of ${domain.name} (and no other record at ${name}), then press "Check my records are correct" in Postal`,
        commands: [],
        records: [zoneRecord(name, 'CNAME', `${target}.`)],
      }),
    };
  },
});
