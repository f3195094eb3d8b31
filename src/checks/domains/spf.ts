import type { CheckDefinition } from '../../core/types.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { spfVerdict, suggestedSpf } from '../../knowledge/postal/domains.js';
import { postalRuleCheck } from '../../knowledge/postal/domain-findings.js';

/** The domain's SPF record with `include:<spf_include>` before its `all` term (or at the end). */
function withInclude(record: string, include: string): string {
  const term = `include:${include}`;
  return /\s[~?+-]?all\s*$/i.test(record) ? record.replace(/\s([~?+-]?all)\s*$/i, ` ${term} $1`) : `${record} ${term}`;
}

export const domainsSpfCheck: CheckDefinition = postalRuleCheck({
  id: 'domains.spf',
  order: 10,
  title: "Each sending domain's SPF record includes dns.spf_include, as Postal checks it",
  rule: (ctx, domain) => {
    const include = ctx.config.get('dns.spf_include');
    return {
      what: 'SPF',
      domain: domain.name,
      name: domain.name,
      type: 'TXT',
      judge: (records) => spfVerdict(records, include),
      severity: (verdict) => (verdict.status === 'OK' ? 'pass' : 'fail'),
      stored: { status: domain.spfStatus, error: domain.spfError, checkedAt: domain.dnsCheckedAt },
      kind: 'domain',
      fix(records) {
        const existing = (records ?? []).filter((record) => record.startsWith('v=spf1'));
        const record = existing.length === 1 ? withInclude(existing[0], include) : suggestedSpf(ctx);
        const what = existing.length === 1 ? `Add include:${include} to the SPF record of ${domain.name}` : `Publish one SPF record at ${domain.name}`;
        return { kind: 'dns', summary: `${what}, then press "Check my records are correct" in Postal`, commands: [], records: [zoneRecord(domain.name, 'TXT', record)] };
      },
    };
  },
});
