import type { CheckDefinition, Finding } from '../../core/types.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { spfVerdict, suggestedSpf } from '../../knowledge/postal/domains.js';
import { DOMAIN_CHECK_TIMEOUT_MS, DOMAIN_LIST_MESSAGES, POSTAL_RULE_MESSAGES, domainsOrFinding, judgeRule, mapBounded } from '../../knowledge/postal/domain-findings.js';

/** The domain's SPF record with `include:<spf_include>` before its `all` term (or at the end). */
function withInclude(record: string, include: string): string {
  const term = `include:${include}`;
  return /\s[~?+-]?all\s*$/i.test(record) ? record.replace(/\s([~?+-]?all)\s*$/i, ` ${term} $1`) : `${record} ${term}`;
}

export const domainsSpfCheck: CheckDefinition = {
  id: 'domains.spf',
  group: 'domains',
  order: 10,
  title: "Each sending domain's SPF record includes dns.spf_include, as Postal checks it",
  targets: 'domain',
  probes: ['database', 'dns', 'clock'],
  network: true,
  timeoutMs: DOMAIN_CHECK_TIMEOUT_MS,
  messages: { ...DOMAIN_LIST_MESSAGES, ...POSTAL_RULE_MESSAGES },
  async run(ctx): Promise<Finding[]> {
    const { domains, finding } = await domainsOrFinding(ctx);
    if (!domains) return [finding];
    const include = ctx.config.get('dns.spf_include');
    return mapBounded(domains, (domain) =>
      judgeRule(ctx, domain.name, {
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
      }),
    );
  },
};
