import { defineFact } from '../../core/facts.js';
import { unlessOffline } from '../../core/probe-access.js';
import type { CheckContext } from '../../core/types.js';
import type { DomainRow, TrackDomainRow } from '../../probes/types.js';
import { dkimRecordFor } from '../dns/dkim-key.js';
import { mainDbSettings } from './outbound-ips.js';

export type DomainsState =
  | { state: 'read'; domains: DomainRow[]; trackDomains: TrackDomainRow[] }
  | { state: 'not-read'; reason: 'no-db' | 'offline' }
  | { state: 'failed'; message: string };

/**
 * Postal's sending domains (`outgoing` true; app/models/domain.rb schema, lines 26-27) and their tracking
 * domains, read once per run with one SELECT each; only `--domain` when it is given.
 */
export const postalDomains = defineFact({
  name: "Postal's domains",
  probes: ['database'],
  async compute(ctx): Promise<DomainsState> {
    if (!ctx.options.useDatabase) return { state: 'not-read', reason: 'no-db' };
    const name = ctx.options.domain ?? undefined;
    const result = await unlessOffline(() => ctx.probes.database.domains(mainDbSettings(ctx), { timeoutMs: ctx.options.timeoutMs, name }));
    if (result === null) return { state: 'not-read', reason: 'offline' };
    if (!result.ok) return { state: 'failed', message: result.message };
    const domains = result.domains.filter((domain) => domain.outgoing && domain.name !== '');
    const ids = new Set(domains.map((domain) => domain.id));
    return { state: 'read', domains, trackDomains: result.trackDomains.filter((track) => ids.has(track.domainId) && track.name !== '') };
  },
});

/** Postal's verdict on one record, with its own error text (app/models/concerns/has_dns_checks.rb). */
export interface PostalVerdict {
  status: 'OK' | 'Missing' | 'Invalid';
  error: string | null;
}

const rubyEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\\-\s#]/g, '\\$&');

/** has_dns_checks.rb:45-63: some TXT record starting `v=spf1` must contain `include:<spf_include>` (a plain substring match). */
export function spfVerdict(txt: string[], spfInclude: string): PostalVerdict {
  const spf = txt.filter((record) => record.startsWith('v=spf1'));
  if (spf.length === 0) return { status: 'Missing', error: 'No SPF record exists for this domain' };
  const pattern = new RegExp(`include:\\s*${rubyEscape(spfInclude)}`);
  if (!spf.some((record) => pattern.test(record))) return { status: 'Invalid', error: `An SPF record exists but it doesn't include ${spfInclude}` };
  return { status: 'OK', error: null };
}

/** has_dns_checks.rb:74-94: exactly one TXT record, equal (a `;` added when missing) to the domain's dkim_record. */
export function dkimVerdict(txt: string[], recordName: string, expected: string | null): PostalVerdict {
  if (txt.length === 0) return { status: 'Missing', error: `No TXT records were returned for ${recordName}` };
  const first = txt[0].trim();
  const sanitised = first.endsWith(';') ? first : `${first};`;
  if (txt.length > 1) return { status: 'Invalid', error: `There are ${txt.length} records for at ${recordName}. There should only be one.` };
  if (sanitised !== expected) {
    return { status: 'Invalid', error: `The DKIM record at ${recordName} does not match the record we have provided. Please check it has been copied correctly.` };
  }
  return { status: 'OK', error: null };
}

/** Ruby's Array#to_sentence: "a", "a and b", "a, b, and c". */
function toSentence(items: string[]): string {
  if (items.length <= 2) return items.join(' and ');
  return `${items.slice(0, -1).join(', ')}, and ${items.at(-1)}`;
}

/** has_dns_checks.rb:105-123: every dns.mx_records host among the MX exchanges (compared lower case, as Postal does). */
export function mxVerdict(exchanges: string[], mxRecords: string[], domain: string): PostalVerdict {
  if (exchanges.length === 0) return { status: 'Missing', error: `There are no MX records for ${domain}` };
  const missing = mxRecords.filter((record) => !exchanges.map((exchange) => exchange.toLowerCase()).includes(record));
  if (missing.length === 0) return { status: 'OK', error: null };
  if (missing.length === mxRecords.length) return { status: 'Missing', error: 'You have MX records but none of them point to us.' };
  return { status: 'Invalid', error: `MX ${missing.length === 1 ? 'record' : 'records'} for ${toSentence(missing)} are missing and are required.` };
}

/** has_dns_checks.rb:134-146 and track_domain.rb:56-71: exactly one CNAME, equal to `target`. */
export function cnameVerdict(cnames: string[], name: string, target: string, missingError: string): PostalVerdict {
  if (cnames.length === 0) return { status: 'Missing', error: missingError };
  if (cnames.length === 1 && cnames[0] === target) return { status: 'OK', error: null };
  return { status: 'Invalid', error: `There is a CNAME record at ${name} but it points to ${cnames[0]} which is incorrect. It should point to ${target}.` };
}

/** `<dns.dkim_identifier>-<dkim_identifier_string>._domainkey.<name>` (domain.rb:117-128); null without an identifier string. */
export function dkimRecordName(ctx: CheckContext, domain: DomainRow): string | null {
  if (domain.dkimIdentifierString === null) return null;
  return `${ctx.config.get('dns.dkim_identifier')}-${domain.dkimIdentifierString}._domainkey.${domain.name}`;
}

/** Derived once per row (rows are read once per run): parsing an RSA key costs about a millisecond. */
const derivedRecords = new WeakMap<DomainRow, string | null>();

/** The record Postal asks for (domain.rb:110-115): the public half of dkim_private_key; the private key never leaves here. */
export function expectedDkimRecord(domain: DomainRow): string | null {
  if (!derivedRecords.has(domain)) derivedRecords.set(domain, domain.dkimPrivateKey === null ? null : dkimRecordFor(domain.dkimPrivateKey));
  return derivedRecords.get(domain) ?? null;
}

/** `<dns.custom_return_path_prefix>.<name>` (domain.rb:130-132). */
export function returnPathName(ctx: CheckContext, domain: DomainRow): string {
  return `${ctx.config.get('dns.custom_return_path_prefix')}.${domain.name}`;
}

/** The SPF record Postal suggests (domain.rb:106-108). */
export function suggestedSpf(ctx: CheckContext): string {
  return `v=spf1 a mx include:${ctx.config.get('dns.spf_include')} ~all`;
}

/**
 * When Postal's worker looks at a record again on its own. CheckAllDNSScheduledTask runs at a quarter past each
 * hour (application_scheduled_task.rb:17-28) and takes domains whose dns_checked_at is set and an hour old, and
 * tracking domains whose dns_checked_at is empty or an hour old (check_all_dns_scheduled_task.rb:6 and 11).
 * Null: never on its own (a domain never checked).
 */
export function nextPostalLook(checkedAt: Date | null, now: Date, kind: 'domain' | 'track'): Date | null {
  if (checkedAt === null && kind === 'domain') return null;
  const due = checkedAt === null ? now : new Date(Math.max(now.getTime(), checkedAt.getTime() + 3600_000));
  const next = new Date(due);
  next.setUTCMinutes(15, 0, 0);
  if (next.getTime() < due.getTime()) next.setUTCHours(next.getUTCHours() + 1);
  return next;
}

/** "2026-11-27 10:15 UTC". */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
