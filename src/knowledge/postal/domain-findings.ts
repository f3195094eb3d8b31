import type { CheckContext, CheckDefinition, Evidence, Finding, Fix, MessageTemplate, Status } from '../../core/types.js';
import type { DnsType, DomainRow } from '../../probes/types.js';
import { postalView, publicView, whyViewsDiffer } from '../dns/postal-view.js';
import { writtenPathFor } from '../../config/keys.js';
import { nextPostalLook, postalDomains, utcMinute, type PostalVerdict } from './domains.js';
import { judgeEach } from '../../core/options.js';

/** A per-domain check's own time limit: thousands of domains take minutes; the run's --deadline still bounds it. */
export const DOMAIN_CHECK_TIMEOUT_MS = 30 * 60_000;

/** The check that reports a problem with the list of domains itself; the others point to it. */
const LIST_OWNER = 'domains.spf';

/** Messages every per-domain check shares: the list of domains could not be read, or is empty. */
export const DOMAIN_LIST_MESSAGES: Record<'no-db' | 'db-failed' | 'no-domains' | 'not-found' | 'list-elsewhere', MessageTemplate> = {
  'no-db': { title: "Postal's domains were not read", message: "--no-db was given, so the domains in Postal's database are not known." },
  'db-failed': { title: "Could not read Postal's domains", message: 'Reading the domains table failed: {error}' },
  'no-domains': { title: 'Postal has no sending domain', message: 'The domains table has no domain with outgoing set; there is nothing to check.' },
  'not-found': { title: 'No domain {domain} in Postal', message: "--domain {domain} was given, but Postal's domains table has no sending domain of that name." },
  'list-elsewhere': { title: 'No domain to check', message: `Postal's domains could not be listed (see ${LIST_OWNER}).` },
};

/**
 * The domains to judge, or the one finding for the list itself when there are none: a failed read or an unknown
 * --domain is reported by LIST_OWNER only (one cause, one place); `checkId` is the asking check.
 */
export async function domainsOrFinding(ctx: CheckContext, checkId: string): Promise<{ domains: DomainRow[]; finding: null } | { domains: null; finding: Finding }> {
  const state = await postalDomains(ctx);
  const none = (finding: Finding) => ({ domains: null, finding });
  if (state.state === 'not-read') return none({ target: null, status: 'skip', messageId: 'no-db', data: {} });
  if (state.state === 'read' && state.domains.length > 0) return { domains: state.domains, finding: null };
  if (state.state === 'read' && ctx.options.domain === null) return none({ target: null, status: 'skip', messageId: 'no-domains', data: {} });
  if (checkId !== LIST_OWNER) return none({ target: null, status: 'skip', messageId: 'list-elsewhere', data: {} });
  if (state.state === 'failed') return none({ target: null, status: 'unknown', messageId: 'db-failed', data: { error: state.message } });
  return none({ target: ctx.options.domain, status: 'fail', messageId: 'not-found', data: { domain: ctx.options.domain ?? '' } });
}

/** One of Postal's DNS checks of a domain, described for the shared judging below. */
export interface PostalRule {
  /** "SPF", "DKIM", "MX", "return path", "tracking CNAME". */
  what: string;
  /** The domain whose nameservers Postal asks. */
  domain: string;
  name: string;
  type: DnsType;
  judge(records: string[]): PostalVerdict;
  /** How much a Postal status matters to mail: SPF/DKIM not OK fail, a missing MX is fine. */
  severity(verdict: PostalVerdict): Status;
  stored: { status: string | null; error: string | null; checkedAt: Date | null };
  kind: 'domain' | 'track';
  /** The records that make Postal say OK, in zone-file syntax. */
  fix(publicRecords: string[] | null): Fix | null;
}

/** Messages of a per-domain Postal check: the title is the one line per domain, the message its details. */
export const POSTAL_RULE_MESSAGES: Record<'ok' | 'problem' | 'differ' | 'stale' | 'unknown', MessageTemplate> = {
  ok: { title: '{target}: {what} OK', message: '{detail}' },
  problem: { title: '{target}: {what} {status}', message: '{detail}' },
  differ: { title: '{target}: {what} {postal} for Postal, {public} publicly', message: '{detail}' },
  stale: { title: '{target}: {what} OK, Postal still says {stored}', message: '{detail}' },
  unknown: { title: '{target}: {what} could not be checked', message: '{detail}' },
};

const WORST: readonly Status[] = ['fail', 'warn', 'unknown', 'pass', 'skip'];
const worst = (...statuses: Status[]) => WORST.find((status) => statuses.includes(status)) ?? 'pass';

function storedSentence(rule: PostalRule, live: PostalVerdict, now: Date): string {
  const { status, error, checkedAt } = rule.stored;
  if (status === live.status) return '';
  const when = checkedAt ? ` at ${utcMinute(checkedAt)}` : '';
  const said = status === null ? 'Postal has not checked it yet' : `Postal stored "${status}"${error ? ` (${error})` : ''}${when}`;
  const next = nextPostalLook(checkedAt, now, rule.kind);
  const again = next
    ? `it looks again on its own at ${utcMinute(next)} (hourly task, quarter past the hour, once the last check is an hour old)`
    : 'its hourly task skips a domain that was never checked, so it looks only when someone presses "Check my records are correct" on the domain\'s DNS page';
  return ` ${said}; now it would store "${live.status}"; ${again}, or press "Check my records are correct" to make it look now.`;
}

/** A verdict as the end of a sentence: Postal's error texts sometimes end with a full stop, sometimes not. */
const verdictText = (verdict: PostalVerdict) => (verdict.error ? `${verdict.status}: ${verdict.error}` : verdict.status).replace(/\.$/, '');

/** Judges one rule through Postal's view and the public one, against what Postal stored. */
export async function judgeRule(ctx: CheckContext, target: string, rule: PostalRule): Promise<Finding> {
  const [postal, seen] = await Promise.all([postalView(ctx, rule.domain, rule.name, rule.type), publicView(ctx, rule.name, rule.type)]);
  const evidence: Evidence[] = [...postal.evidence, ...seen.evidence];
  const base = { target, what: rule.what };
  if (postal.records === null || seen.records === null) {
    const detail = [postal.records === null ? `Postal's view: ${postal.failure}.` : '', seen.records === null ? `Public view: ${seen.failure}.` : ''].join(' ').trim();
    return { target, status: 'unknown', messageId: 'unknown', data: { ...base, detail }, evidence };
  }
  const mine = rule.judge(postal.records);
  const theirs = rule.judge(seen.records);
  const now = ctx.probes.clock.now();
  const stored = storedSentence(rule, mine, now);
  const fix = rule.fix(seen.records);
  if (mine.status !== theirs.status) {
    const why = await whyViewsDiffer(ctx, rule.domain, rule.name, rule.type);
    evidence.push(...why.evidence);
    const detail = `Postal asks ${postal.asked} and gets ${verdictText(mine)}. The public resolver gives ${verdictText(theirs)}. ${why.text}${stored}`;
    const status = worst(rule.severity(mine), rule.severity(theirs), 'warn');
    const differFix = why.delegatedZone ? delegationFix(ctx, rule, why.delegatedZone) : fix;
    return { target, status, messageId: 'differ', data: { ...base, postal: mine.status, public: theirs.status, detail }, evidence, ...(differFix ? { fix: differFix } : {}) };
  }
  if (mine.status !== 'OK') {
    const detail = `Postal asks ${postal.asked}: ${verdictText(mine)}. The public resolver agrees.${stored}`;
    return { target, status: rule.severity(mine), messageId: 'problem', data: { ...base, status: mine.status, detail }, evidence, ...(fix ? { fix } : {}) };
  }
  if (rule.stored.status !== 'OK') {
    const detail = `Postal's nameservers and the public resolver both give OK, but Postal acts on what it stored until it looks again.${stored}`;
    return {
      target,
      status: 'warn',
      messageId: 'stale',
      data: { ...base, stored: rule.stored.status ?? 'nothing', detail },
      evidence,
      fix: { kind: 'manual', summary: `In Postal's web interface open ${rule.domain} → DNS records and press "Check my records are correct"`, commands: [] },
    };
  }
  return { target, status: 'pass', messageId: 'ok', data: { ...base, detail: `Postal asks ${postal.asked}; it and the public resolver both give OK, as Postal stored.` }, evidence };
}

/** A record in a delegated zone: publish it where Postal looks, or let Postal use the local resolver. */
function delegationFix(ctx: CheckContext, rule: PostalRule, zone: string): Fix {
  const key = 'postal.use_local_ns_for_domain_verification';
  return {
    kind: 'config',
    summary: `Postal cannot see records in the delegated zone ${zone}: remove the delegation and publish the record in the zone of ${rule.domain}, or let Postal ask its local resolver (which follows delegations) and restart it`,
    commands: ['postal restart'],
    configChanges: [{ path: writtenPathFor(ctx.config, key) ?? key, from: false, to: true }],
  };
}

/**
 * A check that repeats one of Postal's DNS checks for every sending domain. `rule` describes it for a domain, or
 * gives the finding at once when the domain cannot be checked (its `messages` then name that message).
 */
export function postalRuleCheck(spec: {
  id: string;
  order: number;
  title: string;
  messages?: Record<string, MessageTemplate>;
  rule(ctx: CheckContext, domain: DomainRow): PostalRule | Finding;
}): CheckDefinition {
  return {
    id: spec.id,
    group: 'domains',
    order: spec.order,
    title: spec.title,
    targets: 'domain',
    probes: ['database', 'dns', 'clock'],
    network: true,
    timeoutMs: DOMAIN_CHECK_TIMEOUT_MS,
    messages: { ...DOMAIN_LIST_MESSAGES, ...POSTAL_RULE_MESSAGES, ...spec.messages },
    async run(ctx): Promise<Finding[]> {
      const { domains, finding } = await domainsOrFinding(ctx, spec.id);
      if (!domains) return [finding];
      return judgeEach(ctx.options, domains, async (domain) => {
        const rule = spec.rule(ctx, domain);
        return 'status' in rule ? rule : judgeRule(ctx, domain.name, rule);
      });
    },
  };
}
