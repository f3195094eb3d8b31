import { configEdit } from '../../knowledge/postal/config-values.js';
import { isTemplateDefault } from '../../knowledge/hostnames.js';
import type { CheckContext, CheckDefinition, Evidence, Finding, Fix } from '../../core/types.js';
import type { DnsAnswer } from '../../probes/types.js';
import { outboundIps } from '../../knowledge/postal/outbound-ips.js';
import { isGlobalAddress, normaliseHostname } from '../../util/ip.js';
import { addressRecords, addressesOf, evidenceOf, failureText, lookup, publishedAddresses, recordsOf, zoneRecord } from '../../knowledge/dns/lookups.js';
import { checkDkimRecord, dkimPublicKey, dkimRecordFor } from '../../knowledge/dns/dkim-key.js';
import { evaluateAll, spfEvidence } from '../../knowledge/dns/spf-at-ips.js';
import { withAddresses } from '../../knowledge/dns/spf.js';

/** One thing the return-path domain needs, as found. */
interface Part {
  state: 'ok' | 'problem' | 'lookup-failed';
  /** For problems: what is wrong, one clause; for a failed SPF evaluation: why. */
  text: string;
  /** For failed lookups: the answers that failed, so the message can group them. */
  failed?: DnsAnswer[];
  records: string[];
  commands: string[];
  evidence: Evidence[];
}

/** The DKIM record for Postal's signing.key, when the file can be read here. */
async function signingKeyRecord(ctx: CheckContext): Promise<string | null> {
  const path = ctx.config.hostPath(ctx.config.get('postal.signing_key_path'));
  if (path === null) return null;
  const file = await ctx.probes.files.read(path, 64 * 1024);
  return file.ok ? dkimRecordFor(file.value) : null;
}

const ok = (evidence: Evidence[]): Part => ({ state: 'ok', text: '', records: [], commands: [], evidence });
const lookupFailed = (failed: DnsAnswer[], evidence: Evidence[]): Part => ({ state: 'lookup-failed', text: '', failed, records: [], commands: [], evidence });
const problem = (text: string, evidence: Evidence[], records: string[] = [], commands: string[] = []): Part => ({ state: 'problem', text, records, commands, evidence });

/** The return-path domain and the names around it. */
interface Subject {
  ctx: CheckContext;
  domain: string;
  dkimName: string;
  smtp: string;
  spfInclude: string;
  /** The public outbound IPs the SPF record must authorise. */
  ips: string[];
}

async function addressPart({ ctx, domain }: Subject): Promise<Part> {
  const found = await addressesOf(ctx, domain);
  const evidence = found.answers.map(evidenceOf);
  if (found.failed) return lookupFailed(found.answers, evidence);
  if (found.addresses.length > 0) return ok(evidence);
  return problem('it has no A or AAAA record', evidence, addressRecords(domain, await publishedAddresses(ctx)));
}

async function mxPart({ ctx, domain, smtp }: Subject): Promise<Part> {
  const answer = await lookup(ctx, domain, 'MX');
  const evidence = [evidenceOf(answer)];
  if (answer.status === 'error') return lookupFailed([answer], evidence);
  if (recordsOf(answer).some((record) => !record.endsWith(' .'))) return ok(evidence);
  return problem('it has no MX record, so bounces cannot come back', evidence, [zoneRecord(domain, 'MX', `10 ${smtp}.`)]);
}

/** With no public outbound IP known, only the presence of one SPF record can be judged. */
async function spfPresencePart({ ctx, domain }: Subject, suggested: string): Promise<Part> {
  const answer = await lookup(ctx, domain, 'TXT');
  const evidence = [evidenceOf(answer)];
  if (answer.status === 'error') return lookupFailed([answer], evidence);
  const count = recordsOf(answer).filter((record) => /^v=spf1(\s|$)/i.test(record)).length;
  if (count === 1) return ok(evidence);
  return problem(count === 0 ? 'it has no SPF record' : `it has ${count} SPF records (receivers treat that as an error)`, evidence, [zoneRecord(domain, 'TXT', suggested)]);
}

async function spfPart(subject: Subject): Promise<Part> {
  const { ctx, domain, spfInclude, ips } = subject;
  const suggested = `v=spf1 a mx include:${spfInclude} ~all`;
  if (ips.length === 0) return spfPresencePart(subject, suggested);
  const outcomes = await evaluateAll(ctx, domain, ips);
  const evidence = spfEvidence(domain, outcomes);
  const failed = outcomes.find(({ outcome }) => outcome.result === 'temperror');
  if (failed) return { ...lookupFailed([], evidence), text: failed.outcome.reason };
  const first = outcomes[0].outcome;
  if (first.result === 'none') return problem('it has no SPF record', evidence, [zoneRecord(domain, 'TXT', suggested)]);
  if (first.result === 'permerror') return problem(`its SPF record is broken (${first.reason})`, evidence, [zoneRecord(domain, 'TXT', suggested)]);
  const failing = outcomes.filter(({ outcome }) => outcome.result !== 'pass').map(({ ip }) => ip);
  if (failing.length === 0) return ok(evidence);
  const own = first.records.find((record) => record.domain === domain)?.record ?? null;
  // The installation's records include spf_include: the addresses belong there (dns.spf prints that record), not here.
  if (own !== null && own.toLowerCase().split(/\s+/).some((term) => term.replace(/^\+/, '') === `include:${spfInclude}`)) {
    return problem(`its SPF record does not authorise ${failing.join(', ')}: it relies on include:${spfInclude}, which does not (see dns.spf)`, evidence);
  }
  return problem(`its SPF record does not authorise ${failing.join(', ')}`, evidence, [zoneRecord(domain, 'TXT', withAddresses(own, failing))]);
}

async function dkimPart({ ctx, dkimName }: Subject): Promise<Part> {
  const [answer, expected] = await Promise.all([lookup(ctx, dkimName, 'TXT'), signingKeyRecord(ctx)]);
  const evidence = [evidenceOf(answer)];
  if (answer.status === 'error') return lookupFailed([answer], evidence);
  // With signing.key readable the exact record is known; otherwise `postal default-dkim-record` prints it.
  const [records, commands] = expected ? [[zoneRecord(dkimName, 'TXT', expected)], []] : [[], ['postal default-dkim-record']];
  const found = recordsOf(answer);
  if (found.length === 0) return problem(`${dkimName} has no DKIM key record`, evidence, records, commands);
  if (found.length > 1) return problem(`${dkimName} has ${found.length} TXT records instead of one DKIM key`, evidence, records, commands);
  const key = checkDkimRecord(found[0]);
  if (!key.ok) return problem(`the DKIM record at ${dkimName} is invalid: ${key.problem}`, evidence, records, commands);
  if (expected && dkimPublicKey(found[0]) !== dkimPublicKey(expected)) {
    return problem(`the DKIM key at ${dkimName} is not the public half of signing.key, so signatures made with it fail`, evidence, records, commands);
  }
  return ok(evidence);
}

/** One DNS fix for every part that is wrong. */
function publishFix({ domain, dkimName, spfInclude }: Subject, problems: Part[]): Fix {
  const summary = [
    problems.some((part) => part.records.length + part.commands.length > 0) ? `Publish the records ${domain} is missing` : '',
    problems.some((part) => part.commands.length > 0) ? `the DKIM record for ${dkimName} is the value postal default-dkim-record prints` : '',
    problems.some((part) => part.records.length + part.commands.length === 0) ? `authorise the outbound IPs in the SPF record of ${spfInclude}, which ${domain} includes (dns.spf prints it)` : '',
  ]
    .filter((text) => text !== '')
    .join('; ')
    .replace(/^a/, 'A');
  return { kind: 'dns', summary, commands: problems.flatMap((part) => part.commands), records: problems.flatMap((part) => part.records) };
}

export const returnPathCheck: CheckDefinition = {
  id: 'dns.return-path',
  group: 'dns',
  order: 80,
  title: 'return_path_domain has A/AAAA, MX, SPF and the default DKIM key',
  targets: 'domain',
  probes: ['dns', 'host', 'database', 'files'],
  network: true,
  messages: {
    complete: {
      title: 'Return-path domain {domain} is complete',
      message: '{domain} has A/AAAA, MX and an SPF record that authorises the outbound IPs, and {dkim} holds a valid DKIM key.',
    },
    incomplete: {
      title: 'Return-path domain {domain} is incomplete',
      message: 'Postal sends bounces and MAIL FROM through {domain}, and signs with the key at {dkim} for domains without their own DKIM; but {problems}.',
    },
    'lookup-failed': { title: 'Could not check the return-path domain {domain}', message: 'A lookup failed ({failure}); nothing can be said about it.' },
    placeholder: {
      title: 'dns.return_path_domain is still the placeholder {domain}',
      message: '{domain} does not exist: every message Postal sends has a MAIL FROM at {domain}, so SPF fails and bounces are lost.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const domain = normaliseHostname(ctx.config.get('dns.return_path_domain'));
    const dkimName = `${normaliseHostname(ctx.config.get('dns.dkim_identifier'))}._domainkey.${domain}`;
    const smtp = normaliseHostname(ctx.config.get('postal.smtp_hostname'));
    const spfInclude = normaliseHostname(ctx.config.get('dns.spf_include'));
    const data = { domain, dkim: dkimName, problems: '', failure: '' };
    if (isTemplateDefault(domain)) {
      const fix = isTemplateDefault(smtp)
        ? undefined
        : {
            kind: 'config' as const,
            summary: `Set dns.return_path_domain to rp.${smtp}, publish its records, then restart Postal`,
            commands: ['postal restart'],
            configChanges: [configEdit(ctx.config, 'dns.return_path_domain', `rp.${smtp}`)],
          };
      return [{ target: domain, status: 'fail', messageId: 'placeholder', data, ...(fix ? { fix } : {}) }];
    }
    const ips = (await outboundIps(ctx)).map((entry) => entry.ip).filter(isGlobalAddress);
    const subject: Subject = { ctx, domain, dkimName, smtp, spfInclude, ips };
    const parts = await Promise.all([addressPart(subject), mxPart(subject), spfPart(subject), dkimPart(subject)]);
    const evidence = parts.flatMap((part) => part.evidence);
    const problems = parts.filter((part) => part.state === 'problem');
    if (problems.length > 0) {
      return [
        {
          target: domain,
          status: 'fail',
          messageId: 'incomplete',
          data: { ...data, problems: problems.map((part) => part.text).join('; ') },
          evidence,
          fix: publishFix(subject, problems),
        },
      ];
    }
    const failed = parts.filter((part) => part.state === 'lookup-failed');
    if (failed.length > 0) {
      const failure = [failureText(failed.flatMap((part) => part.failed ?? [])), ...failed.map((part) => part.text)].filter((text) => text !== '').join('; ');
      return [{ target: domain, status: 'unknown', messageId: 'lookup-failed', data: { ...data, failure }, evidence }];
    }
    return [{ target: domain, status: 'pass', messageId: 'complete', data, evidence }];
  },
};
