/**
 * SPF evaluation (RFC 7208 check_host) of one IP against one domain, over the DNS probe.
 * What it does not know — the real envelope sender — it takes as postmaster@<domain>;
 * `exists` depends on the message, so it is noted and treated as not matching.
 */
import type { DnsAnswer, DnsType } from '../../probes/types.js';
import { canonicalIp, ipFamily, ipInPrefix, ipv6Nibbles, normaliseHostname, reverseName } from '../../util/ip.js';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export type SpfLookup = (name: string, type: DnsType) => Promise<DnsAnswer>;

export interface SpfOutcome {
  result: SpfResult;
  /** What decided it: the matching term and where it was, the default, or the error. */
  reason: string;
  /** DNS-querying terms evaluated (include, a, mx, ptr, exists, redirect); more than 10 is a permerror. */
  lookups: number;
  /** Lookups that found no name or no record; more than 2 is a permerror. */
  voidLookups: number;
  /** Every SPF record read, in evaluation order. */
  records: Array<{ domain: string; record: string }>;
  /** Things a human should know that did not change the result (deprecated `ptr`, unevaluated `exists` …). */
  notes: string[];
}

export const MAX_LOOKUPS = 10;
export const MAX_VOID_LOOKUPS = 2;
/** RFC 7208 §4.6.4: at most 10 MX names or PTR names are looked at per mechanism. */
const MAX_NAMES_PER_MECHANISM = 10;

const QUALIFIERS: Record<string, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

class SpfAbort extends Error {
  constructor(
    readonly result: 'permerror' | 'temperror',
    reason: string,
  ) {
    super(reason);
  }
}

type Mechanism =
  | { kind: 'all' }
  | { kind: 'include' | 'exists'; domain: string }
  | { kind: 'a' | 'mx'; domain: string | null; cidr4: number; cidr6: number }
  | { kind: 'ptr'; domain: string | null }
  | { kind: 'ip4' | 'ip6'; network: string; prefix: number };

interface Directive {
  qualifier: SpfResult;
  mechanism: Mechanism;
  text: string;
}

interface ParsedRecord {
  directives: Directive[];
  redirect: string | null;
}

/** Splits `domain-spec/cidr4//cidr6` where a `/` inside a macro (`%{ir/}`) belongs to the domain. */
function splitDomainAndCidr(rest: string): { domain: string; cidr: string } {
  let depth = 0;
  for (let index = 0; index < rest.length; index++) {
    const char = rest[index];
    if (char === '{' && rest[index - 1] === '%') depth++;
    else if (char === '}' && depth > 0) depth--;
    else if (char === '/' && depth === 0) return { domain: rest.slice(0, index), cidr: rest.slice(index) };
  }
  return { domain: rest, cidr: '' };
}

function parseDualCidr(cidr: string, term: string): { cidr4: number; cidr6: number } {
  const match = /^(?:\/(\d{1,2}))?(?:\/\/(\d{1,3}))?$/.exec(cidr);
  const cidr4 = match?.[1] === undefined ? 32 : Number(match[1]);
  const cidr6 = match?.[2] === undefined ? 128 : Number(match[2]);
  if (!match || cidr4 > 32 || cidr6 > 128) throw new SpfAbort('permerror', `bad CIDR length in "${term}"`);
  return { cidr4, cidr6 };
}

function parseMechanism(name: string, rest: string, term: string): Mechanism {
  const argument = (required: boolean) => {
    if (rest === '') {
      if (required) throw new SpfAbort('permerror', `"${term}" needs a domain`);
      return null;
    }
    if (!rest.startsWith(':') || rest.length === 1) throw new SpfAbort('permerror', `malformed term "${term}"`);
    return rest.slice(1);
  };
  switch (name) {
    case 'all':
      if (rest !== '') throw new SpfAbort('permerror', `malformed term "${term}"`);
      return { kind: 'all' };
    case 'include':
    case 'exists':
      return { kind: name, domain: argument(true) as string };
    case 'ptr':
      return { kind: 'ptr', domain: argument(false) };
    case 'a':
    case 'mx': {
      const { domain, cidr } = splitDomainAndCidr(rest);
      const spec = domain === '' ? null : domain.startsWith(':') && domain.length > 1 ? domain.slice(1) : undefined;
      if (spec === undefined) throw new SpfAbort('permerror', `malformed term "${term}"`);
      return { kind: name, domain: spec, ...parseDualCidr(cidr, term) };
    }
    case 'ip4':
    case 'ip6': {
      const value = argument(true) as string;
      const [network, prefixText, ...extra] = value.split('/');
      const family = name === 'ip4' ? 4 : 6;
      const bits = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
      if (ipFamily(network) !== family || extra.length > 0 || !(prefix >= 0 && prefix <= bits)) {
        throw new SpfAbort('permerror', `malformed term "${term}"`);
      }
      return { kind: name, network: canonicalIp(network), prefix };
    }
    default:
      throw new SpfAbort('permerror', `unknown mechanism "${term}"`);
  }
}

/** Parses, or syntax errors, by record text: a thousand sending IPs are judged against the same few records. */
const parsedRecords = new Map<string, ParsedRecord | SpfAbort>();

function parsedSpfRecord(record: string): ParsedRecord {
  let parsed = parsedRecords.get(record);
  if (!parsed) {
    try {
      parsed = parseSpfRecord(record);
    } catch (error) {
      if (!(error instanceof SpfAbort)) throw error;
      parsed = error;
    }
    parsedRecords.set(record, parsed);
  }
  if (parsed instanceof SpfAbort) throw parsed;
  return parsed;
}

/** Parses the terms after `v=spf1`. Throws SpfAbort (permerror) on a syntax error, as receivers do. */
function parseSpfRecord(record: string): ParsedRecord {
  const terms = record.trim().split(/\s+/).slice(1);
  const directives: Directive[] = [];
  let redirect: string | null = null;
  let explanation = false;
  for (const term of terms) {
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
    if (modifier) {
      const name = modifier[1].toLowerCase();
      if (name === 'redirect') {
        if (redirect !== null) throw new SpfAbort('permerror', 'more than one redirect= modifier');
        if (modifier[2] === '') throw new SpfAbort('permerror', 'redirect= without a domain');
        redirect = modifier[2];
      } else if (name === 'exp') {
        if (explanation) throw new SpfAbort('permerror', 'more than one exp= modifier');
        explanation = true;
      }
      continue; // Unknown modifiers are ignored (RFC 7208 §6).
    }
    const mechanism = /^([+\-~?]?)([a-z][a-z0-9]*)(.*)$/i.exec(term);
    if (!mechanism) throw new SpfAbort('permerror', `malformed term "${term}"`);
    directives.push({ qualifier: QUALIFIERS[mechanism[1] || '+'], mechanism: parseMechanism(mechanism[2].toLowerCase(), mechanism[3], term), text: term });
  }
  return { directives, redirect };
}

function isSpfRecord(text: string): boolean {
  return /^v=spf1(\s|$)/i.test(text.trim());
}

/** A name that can be looked up: 1-63 character labels, at most 253 characters. */
function isValidDomain(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => label.length > 0 && label.length <= 63 && !/\s/.test(label));
}

interface MacroContext {
  ip: string;
  domain: string;
  sender: string;
}

/** Expands RFC 7208 §7 macros in a domain-spec. */
export function expandMacros(spec: string, macro: MacroContext): string {
  const [local, senderDomain] = [macro.sender.slice(0, macro.sender.lastIndexOf('@')), macro.sender.slice(macro.sender.lastIndexOf('@') + 1)];
  const values: Record<string, string> = {
    s: macro.sender,
    l: local,
    o: senderDomain,
    d: macro.domain,
    i: ipFamily(macro.ip) === 6 ? ipv6Nibbles(macro.ip).join('.') : macro.ip,
    p: 'unknown',
    v: ipFamily(macro.ip) === 6 ? 'ip6' : 'in-addr',
    h: macro.domain,
  };
  let expanded = '';
  for (let index = 0; index < spec.length; index++) {
    const char = spec[index];
    if (char !== '%') {
      expanded += char;
      continue;
    }
    const next = spec[index + 1];
    if (next === '%') expanded += '%';
    else if (next === '_') expanded += ' ';
    else if (next === '-') expanded += '%20';
    else if (next === '{') {
      const end = spec.indexOf('}', index);
      const body = /^([slodiphvcrt])(\d*)(r?)([.\-+,/_=]*)$/i.exec(end < 0 ? '' : spec.slice(index + 2, end));
      if (!body) throw new SpfAbort('permerror', `bad macro in "${spec}"`);
      const [, letter, digits, reverse, delimiters] = body;
      const value = values[letter.toLowerCase()];
      if (value === undefined) throw new SpfAbort('permerror', `macro %{${letter}} is only allowed in exp= (in "${spec}")`);
      let parts = value.split(new RegExp(`[${(delimiters || '.').replace(/[-\\\]]/g, '\\$&')}]`));
      if (reverse) parts = parts.reverse();
      if (digits !== '') {
        if (Number(digits) === 0) throw new SpfAbort('permerror', `bad macro in "${spec}"`);
        parts = parts.slice(-Number(digits));
      }
      const joined = parts.join('.');
      expanded += letter === letter.toUpperCase() ? encodeURIComponent(joined) : joined;
      index = end;
      continue;
    } else throw new SpfAbort('permerror', `bad macro in "${spec}"`);
    index++;
  }
  // Names longer than 253 characters lose labels on the left (RFC 7208 §7.3).
  while (expanded.length > 253 && expanded.includes('.')) expanded = expanded.slice(expanded.indexOf('.') + 1);
  return normaliseHostname(expanded);
}

class Evaluation {
  lookups = 0;
  voidLookups = 0;
  readonly records: Array<{ domain: string; record: string }> = [];
  readonly notes: string[] = [];

  constructor(
    private readonly ip: string,
    private readonly lookup: SpfLookup,
    private readonly sender: string,
  ) {}

  private countLookup(term: string): void {
    if (++this.lookups > MAX_LOOKUPS) throw new SpfAbort('permerror', `more than ${MAX_LOOKUPS} DNS lookups (reached at "${term}"; RFC 7208 §4.6.4)`);
  }

  private countVoid(term: string): void {
    if (++this.voidLookups > MAX_VOID_LOOKUPS) throw new SpfAbort('permerror', `more than ${MAX_VOID_LOOKUPS} lookups found nothing (at "${term}"; RFC 7208 §4.6.4)`);
  }

  /** Records of an answer; NXDOMAIN/NODATA count as void, errors abort with temperror. */
  private async resolve(name: string, type: DnsType, term: string, countsAsVoid = true): Promise<string[]> {
    const answer = await this.lookup(name, type);
    if (answer.status === 'error') throw new SpfAbort('temperror', `${answer.query}: ${answer.code} (while evaluating "${term}")`);
    if (answer.status === 'answer') return answer.records;
    if (countsAsVoid) this.countVoid(term);
    return [];
  }

  private addressType(): DnsType {
    return ipFamily(this.ip) === 6 ? 'AAAA' : 'A';
  }

  private inAny(addresses: string[], cidr4: number, cidr6: number): boolean {
    const prefix = ipFamily(this.ip) === 6 ? cidr6 : cidr4;
    return addresses.some((address) => ipInPrefix(this.ip, address, prefix));
  }

  private expand(spec: string, domain: string): string {
    return expandMacros(spec, { ip: this.ip, domain, sender: this.sender });
  }

  async checkHost(domain: string): Promise<{ result: SpfResult; reason: string }> {
    if (!isValidDomain(domain)) return { result: 'none', reason: `"${domain}" is not a valid domain name` };
    const answer = await this.lookup(domain, 'TXT');
    if (answer.status === 'error') throw new SpfAbort('temperror', `${answer.query}: ${answer.code}`);
    const spf = answer.status === 'answer' ? answer.records.filter(isSpfRecord) : [];
    if (spf.length === 0) return { result: 'none', reason: `${domain} publishes no SPF record` };
    if (spf.length > 1) throw new SpfAbort('permerror', `${domain} publishes ${spf.length} SPF records; receivers must treat that as an error`);
    const record = spf[0];
    this.records.push({ domain, record });
    const parsed = parsedSpfRecord(record);

    for (const directive of parsed.directives) {
      if (await this.matches(directive, domain)) {
        return { result: directive.qualifier, reason: `"${directive.text}" in the SPF record of ${domain}` };
      }
    }
    if (parsed.redirect !== null) {
      this.countLookup(`redirect=${parsed.redirect}`);
      const target = this.expand(parsed.redirect, domain);
      const redirected = await this.checkHost(target);
      if (redirected.result === 'none') throw new SpfAbort('permerror', `redirect=${target} (from ${domain}) has no SPF record`);
      return redirected;
    }
    return { result: 'neutral', reason: `no term of the SPF record of ${domain} matches (the default is neutral)` };
  }

  private async matches({ mechanism, text }: Directive, domain: string): Promise<boolean> {
    switch (mechanism.kind) {
      case 'all':
        return true;
      case 'ip4':
      case 'ip6':
        return ipInPrefix(this.ip, mechanism.network, mechanism.prefix);
      case 'include': {
        this.countLookup(text);
        const target = this.expand(mechanism.domain, domain);
        const included = await this.checkHost(target);
        if (included.result === 'pass') return true;
        if (included.result === 'temperror' || included.result === 'permerror') throw new SpfAbort(included.result, included.reason);
        if (included.result === 'none') throw new SpfAbort('permerror', `${text} (in ${domain}): ${target} has no SPF record`);
        return false;
      }
      case 'a': {
        this.countLookup(text);
        const target = mechanism.domain === null ? domain : this.expand(mechanism.domain, domain);
        return this.inAny(await this.resolve(target, this.addressType(), text), mechanism.cidr4, mechanism.cidr6);
      }
      case 'mx': {
        this.countLookup(text);
        const target = mechanism.domain === null ? domain : this.expand(mechanism.domain, domain);
        const exchanges = (await this.resolve(target, 'MX', text)).map((mx) => mx.slice(mx.indexOf(' ') + 1)).filter((name) => name !== '.');
        if (exchanges.length > MAX_NAMES_PER_MECHANISM) throw new SpfAbort('permerror', `${text} (in ${domain}): more than ${MAX_NAMES_PER_MECHANISM} MX names`);
        const addresses = await Promise.all(exchanges.map((exchange) => this.resolve(exchange, this.addressType(), text, false)));
        return this.inAny(addresses.flat(), mechanism.cidr4, mechanism.cidr6);
      }
      case 'ptr': {
        this.countLookup(text);
        this.notes.push(`"${text}" in ${domain} is deprecated (RFC 7208 §5.5) and many receivers ignore it`);
        const target = mechanism.domain === null ? domain : this.expand(mechanism.domain, domain);
        const answer = await this.lookup(reverseName(this.ip), 'PTR');
        if (answer.status !== 'answer') return false;
        const names = answer.records.slice(0, MAX_NAMES_PER_MECHANISM);
        const forward = await Promise.all(names.map(async (name) => ({ name, answer: await this.lookup(name, this.addressType()) })));
        return forward.some(
          ({ name, answer: addresses }) =>
            addresses.status === 'answer' && addresses.records.includes(this.ip) && (name === target || name.endsWith(`.${target}`)),
        );
      }
      case 'exists':
        this.countLookup(text);
        this.notes.push(`"${text}" in ${domain} depends on the message being sent; it was not evaluated and counted as not matching`);
        return false;
    }
  }
}

/** check_host(ip, domain, sender): the SPF result a receiver computes for mail from `ip` with MAIL FROM at `domain`. */
export async function checkHost(ip: string, domain: string, lookup: SpfLookup, sender = `postmaster@${normaliseHostname(domain)}`): Promise<SpfOutcome> {
  const evaluation = new Evaluation(canonicalIp(ip), lookup, sender);
  const summary = () => ({ lookups: evaluation.lookups, voidLookups: evaluation.voidLookups, records: evaluation.records, notes: evaluation.notes });
  try {
    const { result, reason } = await evaluation.checkHost(normaliseHostname(domain));
    return { result, reason, ...summary() };
  } catch (error) {
    if (error instanceof SpfAbort) return { result: error.result, reason: error.message, ...summary() };
    throw error;
  }
}

/**
 * The record with mechanisms for `ips` added before its final `all` / `redirect=` (or a new
 * record when there is none), so the fix keeps what the operator already authorised.
 */
export function withAddresses(record: string | null, ips: string[]): string {
  const additions = ips.map((ip) => `${ipFamily(ip) === 6 ? 'ip6' : 'ip4'}:${canonicalIp(ip)}`);
  if (record === null) return ['v=spf1', ...additions, '~all'].join(' ');
  const terms = record.trim().split(/\s+/);
  const at = terms.findIndex((term, index) => index > 0 && (/^[+\-~?]?all$/i.test(term) || /^redirect=/i.test(term)));
  const position = at < 0 ? terms.length : at;
  return [...terms.slice(0, position), ...additions, ...terms.slice(position)].join(' ');
}
