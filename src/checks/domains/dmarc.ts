import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import type { DomainRow } from '../../probes/types.js';
import { dmarcPolicy } from '../../knowledge/dns/dmarc.js';
import { zoneRecord } from '../../knowledge/dns/lookups.js';
import { publicView } from '../../knowledge/dns/postal-view.js';
import { cnameVerdict, dkimRecordName, dkimVerdict, expectedDkimRecord, returnPathName } from '../../knowledge/postal/domains.js';
import { DOMAIN_CHECK_TIMEOUT_MS, DOMAIN_LIST_MESSAGES, domainsOrFinding } from '../../knowledge/postal/domain-findings.js';
import { judgeEach } from '../../core/options.js';

/**
 * Whether DKIM and SPF can align with the From domain, given what Postal does: it signs with the domain's own key
 * only while the stored dkim_status is OK (dkim_header.rb:5-14), else as dns.return_path_domain; its MAIL FROM is
 * <token>@psrp.<domain> only while the stored return_path_status is OK (smtp_sender.rb:139-149). Receivers then
 * verify against the public DNS.
 */
async function alignment(ctx: CheckContext, domain: DomainRow, strictSpf: boolean) {
  const dkimName = dkimRecordName(ctx, domain);
  const expected = expectedDkimRecord(domain);
  const returnPath = returnPathName(ctx, domain);
  const rpDomain = ctx.config.get('dns.return_path_domain');
  const [dkimSeen, rpSeen] = await Promise.all([dkimName ? publicView(ctx, dkimName, 'TXT') : Promise.resolve(null), publicView(ctx, returnPath, 'CNAME')]);
  const evidence: Evidence[] = [...(dkimSeen?.evidence ?? []), ...rpSeen.evidence];
  const failed = [dkimSeen, rpSeen].find((view) => view !== null && view.records === null);
  const dkimPublished = dkimName !== null && dkimSeen?.records ? dkimVerdict(dkimSeen.records, dkimName, expected).status === 'OK' : false;
  const rpPublished = rpSeen.records ? cnameVerdict(rpSeen.records, returnPath, rpDomain, '').status === 'OK' : false;
  const dkim =
    domain.dkimStatus !== 'OK'
      ? `DKIM does not align: Postal stored dkim_status "${domain.dkimStatus ?? 'nothing'}", so it signs as ${rpDomain}, not ${domain.name}`
      : !dkimPublished
        ? `DKIM does not align: Postal signs as ${domain.name}, but the public DNS does not have its key at ${dkimName}, so receivers cannot verify the signature`
        : '';
  const spf =
    domain.returnPathStatus !== 'OK'
      ? `SPF does not align: Postal stored return_path_status "${domain.returnPathStatus ?? 'nothing'}", so MAIL FROM is at ${rpDomain}`
      : !rpPublished
        ? `SPF does not align: MAIL FROM is at ${returnPath}, but publicly it is not a CNAME to ${rpDomain}`
        : strictSpf
          ? `SPF does not align: MAIL FROM is at ${returnPath}, and aspf=s asks for ${domain.name} exactly`
          : '';
  const records = [
    ...(dkim && dkimName && expected ? [zoneRecord(dkimName, 'TXT', expected)] : []),
    ...(spf && !strictSpf ? [zoneRecord(returnPath, 'CNAME', `${rpDomain}.`)] : []),
  ];
  return { dkim, spf, records, evidence, failure: failed?.failure ?? null };
}

async function judgeDmarc(ctx: CheckContext, domain: DomainRow): Promise<Finding> {
  const found = await dmarcPolicy(ctx, domain.name);
  const target = domain.name;
  if (found.state === 'failed') return { target, status: 'unknown', messageId: 'unknown', data: { target, detail: found.failure }, evidence: found.evidence };
  const strictSpf = found.state === 'found' && found.dmarc.strictSpf;
  const aligned = await alignment(ctx, domain, strictSpf);
  const evidence = [...found.evidence, ...aligned.evidence];
  if (aligned.failure) return { target, status: 'unknown', messageId: 'unknown', data: { target, detail: aligned.failure }, evidence };
  const reasons = [aligned.dkim, aligned.spf].filter((text) => text !== '');
  const detail = reasons.length > 0 ? `${reasons.join('. ')}.` : 'DKIM aligns (Postal signs as the domain and its key is published) and so does SPF (MAIL FROM at the psrp CNAME).';
  const publish = (records: string[], summary: string) => ({ kind: 'dns' as const, summary, commands: [], records });
  const alignFix = publish(aligned.records, `Publish the records that let mail from ${domain.name} align, then press "Check my records are correct" in Postal`);
  if (found.state === 'none' || found.state === 'invalid') {
    const dmarc = zoneRecord(`_dmarc.${domain.name}`, 'TXT', 'v=DMARC1; p=none');
    const why = found.state === 'none' ? 'no DMARC record' : `an invalid DMARC record at ${found.at} (${found.problem})`;
    return {
      target,
      status: 'warn',
      messageId: 'no-record',
      data: { target, why, detail },
      evidence,
      fix: publish([dmarc, ...aligned.records], `Publish a DMARC record for ${domain.name} (start with p=none, tighten once reports show mail aligns)${aligned.records.length > 0 ? ' and the records that make mail align' : ''}`),
    };
  }
  const { dmarc } = found;
  const data = { target, policy: dmarc.policy, at: dmarc.at, detail };
  const enforced = dmarc.policy !== 'none' && dmarc.pct > 0;
  if (!aligned.dkim) return { target, status: 'pass', messageId: 'aligned', data, evidence };
  if (aligned.spf && enforced) return { target, status: 'fail', messageId: 'rejected', data, evidence, ...(aligned.records.length > 0 ? { fix: alignFix } : {}) };
  if (aligned.spf) return { target, status: 'warn', messageId: 'unaligned', data, evidence, ...(aligned.records.length > 0 ? { fix: alignFix } : {}) };
  return { target, status: 'warn', messageId: 'spf-only', data, evidence, ...(aligned.records.length > 0 ? { fix: alignFix } : {}) };
}

export const domainsDmarcCheck: CheckDefinition = {
  id: 'domains.dmarc',
  group: 'domains',
  order: 50,
  title: "Each sending domain's DMARC policy, and whether Postal's mail can align with it",
  targets: 'domain',
  probes: ['database', 'dns'],
  network: true,
  timeoutMs: DOMAIN_CHECK_TIMEOUT_MS,
  messages: {
    ...DOMAIN_LIST_MESSAGES,
    aligned: { title: '{target}: DMARC p={policy}, mail aligns', message: 'DMARC record at {at}. {detail}' },
    rejected: {
      title: '{target}: DMARC p={policy} and neither DKIM nor SPF aligns',
      message: 'DMARC record at {at} asks receivers to {policy} mail that fails DMARC, and mail Postal sends for {target} fails it. {detail}',
    },
    unaligned: { title: '{target}: DMARC p=none and nothing aligns', message: 'DMARC record at {at} enforces nothing yet, but every message fails DMARC. {detail}' },
    'spf-only': {
      title: '{target}: DMARC p={policy}, only SPF aligns',
      message: 'DMARC record at {at}. {detail} SPF alone breaks when mail is forwarded, so forwarded mail fails DMARC.',
    },
    'no-record': { title: '{target}: no DMARC record', message: '{target} has {why}; Gmail and Yahoo require DMARC from bulk senders. {detail}' },
    unknown: { title: '{target}: DMARC could not be checked', message: 'A lookup failed: {detail}.' },
  },
  async run(ctx): Promise<Finding[]> {
    const { domains, finding } = await domainsOrFinding(ctx, 'domains.dmarc');
    if (!domains) return [finding];
    return judgeEach(ctx.options, domains, (domain) => judgeDmarc(ctx, domain));
  },
};
