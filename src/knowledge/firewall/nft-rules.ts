import type { BaseChain, Condition, Family, Hook, NatChain, NatRule, PortRange, Target } from './nat-model.js';

/**
 * A parser for `nft -j list ruleset` (libnftables JSON schema 1), reduced to the nat model.
 * Tables that iptables-nft manages are told apart from nft-native ones, because their rules are
 * read through iptables-save (nft shows iptables extensions only as opaque `xt` expressions).
 */

export interface NftTable {
  family: string;
  name: string;
  /** Created by iptables-nft (the compat layer), not written in nft's own language. */
  compat: boolean;
  chains: Map<string, NatChain>;
  baseChains: Array<{ name: string; type: string; hook: string; priority: number }>;
}

export interface NftRuleset {
  tables: NftTable[];
}

export class NftParseError extends Error {}

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

const IPTABLES_TABLES = new Set(['nat', 'filter', 'mangle', 'raw', 'security']);
const IPTABLES_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

const NAMED_PRIORITIES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

function priorityOf(value: Json): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return NAMED_PRIORITIES[value] ?? 0;
  return 0;
}

function portRange(value: Json): PortRange | null {
  if (typeof value === 'number') return { from: value, to: value };
  if (typeof value === 'string' && /^\d+$/.test(value)) return { from: Number(value), to: Number(value) };
  if (isObject(value) && Array.isArray(value.range) && value.range.length === 2) {
    const [from, to] = value.range.map(Number);
    return Number.isFinite(from) && Number.isFinite(to) ? { from, to } : null;
  }
  return null;
}

/** The values of a match's right-hand side: a value, an anonymous set, a range or a named set (`@name`). */
function values(right: Json, sets: Map<string, Json[]>): Json[] | null {
  if (isObject(right) && Array.isArray(right.set)) return right.set;
  if (Array.isArray(right)) return right;
  if (typeof right === 'string' && right.startsWith('@')) return sets.get(right.slice(1)) ?? null;
  return [right];
}

function addressText(value: Json): string | null {
  if (typeof value === 'string') return value;
  if (isObject(value) && isObject(value.prefix)) return `${value.prefix.addr}/${value.prefix.len}`;
  if (isObject(value) && Array.isArray(value.range)) return String(value.range[0]);
  return null;
}

function stringValues(items: Json[]): string[] {
  return items.map((item) => (typeof item === 'string' || typeof item === 'number' ? String(item) : JSON.stringify(item)));
}

/** One `match` expression as conditions. */
function matchConditions(match: JsonObject, sets: Map<string, Json[]>): Condition[] {
  const left = match.left;
  const op = String(match.op ?? '==');
  const negate = op === '!=';
  const other = (): Condition[] => [{ kind: 'other', text: JSON.stringify(match) }];
  if (op !== '==' && op !== '!=' && op !== 'in') return other();
  const items = values(match.right, sets);
  if (!items) return other();

  if (isObject(left) && isObject(left.payload)) {
    const { protocol, field } = left.payload as { protocol?: string; field?: string };
    if ((field === 'dport' || field === 'sport') && (protocol === 'tcp' || protocol === 'udp' || protocol === 'th')) {
      const conditions: Condition[] = protocol === 'th' ? [] : [{ kind: 'protocol', protocols: [protocol], negate: false }];
      if (field === 'sport') return [...conditions, ...other()];
      const ranges = items.map(portRange);
      if (ranges.some((range) => range === null)) return [...conditions, ...other()];
      return [...conditions, { kind: 'dport', ranges: ranges as PortRange[], negate }];
    }
    if ((protocol === 'ip' || protocol === 'ip6') && (field === 'daddr' || field === 'saddr')) {
      const prefixes = items.map(addressText);
      const family: Condition = { kind: 'family', family: protocol === 'ip' ? 4 : 6 };
      if (prefixes.some((prefix) => prefix === null)) return [family, ...other()];
      return [family, { kind: field, prefixes: prefixes as string[], negate }];
    }
    if ((protocol === 'ip' && field === 'protocol') || (protocol === 'ip6' && field === 'nexthdr')) {
      return [{ kind: 'family', family: protocol === 'ip' ? 4 : 6 }, { kind: 'protocol', protocols: stringValues(items), negate }];
    }
    return other();
  }
  if (isObject(left) && isObject(left.meta)) {
    const key = String(left.meta.key);
    if (key === 'l4proto') return [{ kind: 'protocol', protocols: stringValues(items), negate }];
    if (key === 'nfproto') {
      const families = stringValues(items);
      if (families.length !== 1 || negate) return other();
      return [{ kind: 'family', family: families[0] === 'ipv6' ? 6 : 4 }];
    }
    if (key === 'iifname' || key === 'iif') return [{ kind: 'iif', names: stringValues(items), negate }];
    if (key === 'oifname' || key === 'oif') return [{ kind: 'oif', names: stringValues(items), negate }];
    return other();
  }
  if (isObject(left) && isObject(left.fib)) {
    const flags = left.fib.flags;
    const onDaddr = Array.isArray(flags) ? flags.includes('daddr') : flags === 'daddr';
    if (left.fib.result === 'type' && onDaddr) return [{ kind: 'dst-type', types: stringValues(items), negate }];
    return other();
  }
  if (isObject(left) && isObject(left.ct) && left.ct.key === 'state') {
    return [{ kind: 'ctstate', states: stringValues(items), negate }];
  }
  return other();
}

function natPorts(value: Json): PortRange | null {
  return value === undefined ? null : portRange(value);
}

/** A rule's expressions as conditions and a target. */
export function parseNftRule(expressions: Json[], sets: Map<string, Json[]>, text: string): NatRule {
  const conditions: Condition[] = [];
  let target: Target = { kind: 'none' };
  for (const expression of expressions) {
    if (!isObject(expression)) continue;
    const [kind] = Object.keys(expression);
    const body = expression[kind];
    switch (kind) {
      case 'match':
        if (isObject(body)) conditions.push(...matchConditions(body, sets));
        break;
      case 'redirect':
        target = { kind: 'redirect', ports: isObject(body) ? natPorts(body.port) : null };
        break;
      case 'dnat': {
        const address = isObject(body) ? addressText(body.addr ?? null) : null;
        // `dnat ip to …` in an inet table applies to IPv4 connections only (and `ip6` to IPv6).
        if (isObject(body) && (body.family === 'ip' || body.family === 'ip6')) conditions.push({ kind: 'family', family: body.family === 'ip' ? 4 : 6 });
        target = { kind: 'dnat', address, ports: isObject(body) ? natPorts(body.port) : null };
        break;
      }
      case 'accept':
      case 'drop':
      case 'return':
        target = { kind };
        break;
      case 'reject':
        target = { kind: 'drop' };
        break;
      case 'jump':
      case 'goto':
        if (isObject(body) && typeof body.target === 'string') target = { kind, chain: body.target };
        break;
      case 'xt':
        if (isObject(body) && body.type === 'target') target = { kind: 'unknown', name: String(body.name) };
        else conditions.push({ kind: 'other', text: `xt ${isObject(body) ? String(body.name) : ''}` });
        break;
      case 'queue':
        target = { kind: 'unknown', name: 'queue' };
        break;
      default:
        // counter, log, limit, mangle, masquerade, snat … do not decide where a new connection goes here.
        break;
    }
  }
  return { text, conditions, target };
}

function describe(family: string, table: string, chain: string, handle: Json): string {
  return `nft ${family} ${table} ${chain} (handle ${typeof handle === 'number' ? handle : '?'})`;
}

/** Parses `nft -j list ruleset`. Throws NftParseError when the text is not that JSON. */
export function parseNftRuleset(text: string): NftRuleset {
  let document: Json;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new NftParseError(`nft -j list ruleset: not JSON (${(error as Error).message})`);
  }
  if (!isObject(document) || !Array.isArray(document.nftables)) throw new NftParseError('nft -j list ruleset: no "nftables" array');

  const tables = new Map<string, NftTable>();
  const key = (family: Json, name: Json) => `${String(family)} ${String(name)}`;
  const sets = new Map<string, Map<string, Json[]>>();
  const rules: JsonObject[] = [];
  for (const item of document.nftables) {
    if (!isObject(item)) continue;
    if (isObject(item.table)) {
      const { family, name } = item.table;
      tables.set(key(family, name), { family: String(family), name: String(name), compat: false, chains: new Map(), baseChains: [] });
    } else if (isObject(item.chain)) {
      const chain = item.chain;
      const table = tables.get(key(chain.family, chain.table));
      if (!table) continue;
      table.chains.set(String(chain.name), { name: String(chain.name), rules: [] });
      if (typeof chain.hook === 'string') {
        table.baseChains.push({ name: String(chain.name), type: String(chain.type ?? ''), hook: chain.hook, priority: priorityOf(chain.prio) });
      }
    } else if (isObject(item.set) || isObject(item.map)) {
      const set = (item.set ?? item.map) as JsonObject;
      const tableSets = sets.get(key(set.family, set.table)) ?? new Map<string, Json[]>();
      tableSets.set(String(set.name), Array.isArray(set.elem) ? set.elem : []);
      sets.set(key(set.family, set.table), tableSets);
    } else if (isObject(item.rule)) {
      rules.push(item.rule);
    }
  }
  for (const rule of rules) {
    const table = tables.get(key(rule.family, rule.table));
    const chain = table?.chains.get(String(rule.chain));
    if (!table || !chain || !Array.isArray(rule.expr)) continue;
    const text = describe(table.family, table.name, chain.name, rule.handle);
    chain.rules.push(parseNftRule(rule.expr, sets.get(key(rule.family, rule.table)) ?? new Map(), text));
  }
  for (const table of tables.values()) table.compat = looksLikeIptablesNft(table);
  return { tables: [...tables.values()] };
}

/**
 * iptables-nft creates tables named like iptables' own (nat, filter …) in the ip/ip6 families,
 * with the upper-case built-in chain names, and stores extensions as `xt` expressions.
 */
function looksLikeIptablesNft(table: NftTable): boolean {
  if ((table.family !== 'ip' && table.family !== 'ip6') || !IPTABLES_TABLES.has(table.name)) return false;
  const hasXt = [...table.chains.values()].some((chain) => chain.rules.some((rule) => rule.target.kind === 'unknown' || rule.conditions.some((c) => c.kind === 'other' && c.text.startsWith('xt '))));
  const builtInNames = table.baseChains.length > 0 && table.baseChains.every((chain) => IPTABLES_CHAINS.has(chain.name));
  return hasXt || builtInNames;
}

const FAMILIES: Record<string, Family | 'both' | undefined> = { ip: 4, ip6: 6, inet: 'both' };

/** The nat base chains at the prerouting and output hooks of the nft-native tables. */
export function nftBaseChains(ruleset: NftRuleset): BaseChain[] {
  return ruleset.tables.flatMap((table) => {
    const family = FAMILIES[table.family];
    if (table.compat || family === undefined) return [];
    return table.baseChains
      .filter((chain) => chain.type === 'nat' && (chain.hook === 'prerouting' || chain.hook === 'output'))
      .map((chain) => ({
        label: `nft ${table.family} ${table.name} ${chain.name}`,
        family,
        hook: chain.hook as Hook,
        priority: chain.priority,
        chain: table.chains.get(chain.name)!,
        chains: table.chains,
      }));
  });
}

/** Whether the ruleset holds tables written with nft itself (not through iptables-nft). */
export function hasNativeTables(ruleset: NftRuleset): boolean {
  return ruleset.tables.some((table) => !table.compat);
}
