import type { BaseChain, Condition, Family, Hook, NatChain, NatRule, PortRange, Target } from './nat-model.js';

/**
 * A parser for iptables-save / iptables-restore text (what `iptables-save -t nat` prints, and
 * what files such as ufw's before.rules contain), reduced to the nat model.
 */

export interface IptablesTable {
  name: string;
  /** Built-in chains with their policy, user chains with `-`. */
  policies: Map<string, string>;
  chains: Map<string, NatChain>;
}

export interface IptablesDump {
  tables: Map<string, IptablesTable>;
  /** iptables-nft found a table it cannot show (an nft-native table of the same name). */
  incompatibleTables: string[];
}

/** Splits a rule line into words: double quotes group, a backslash escapes the next character. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (char === '\\' && index + 1 < line.length) {
      current += line[++index];
      inWord = true;
    } else if (char === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

const SERVICE_PORTS: Record<string, number> = { smtp: 25, submission: 587, submissions: 465, smtps: 465, http: 80, https: 443 };

function parsePort(text: string): number | null {
  if (/^\d+$/.test(text)) {
    const port = Number(text);
    return port <= 65535 ? port : null;
  }
  return SERVICE_PORTS[text.toLowerCase()] ?? null;
}

/** `25`, `2500:2600`, `:1024`, `1024:` (iptables) or `2500-2600` (targets). */
export function parsePortRange(text: string): PortRange | null {
  const parts = text.split(/[:-]/);
  if (parts.length === 1) {
    const port = parsePort(text);
    return port === null ? null : { from: port, to: port };
  }
  if (parts.length !== 2) return null;
  const from = parts[0] === '' ? 0 : parsePort(parts[0]);
  const to = parts[1] === '' ? 65535 : parsePort(parts[1]);
  return from === null || to === null || from > to ? null : { from, to };
}

function parsePortList(text: string): PortRange[] | null {
  const ranges = text.split(',').map(parsePortRange);
  return ranges.every((range) => range !== null) ? (ranges as PortRange[]) : null;
}

/** `127.0.0.1:25`, `:25`, `[2001:db8::1]:25`, `192.0.2.1`, `192.0.2.1:25-26`. */
export function parseNatDestination(text: string): { address: string | null; ports: PortRange | null } | null {
  let address: string;
  let ports: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.+))?$/.exec(text);
  if (bracketed) {
    address = bracketed[1];
    ports = bracketed[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    address = text; // bare IPv6 address, no port
  } else {
    const colon = text.indexOf(':');
    address = colon === -1 ? text : text.slice(0, colon);
    ports = colon === -1 ? undefined : text.slice(colon + 1);
  }
  // An address range (`a-b`) is reduced to its first address.
  address = address.split('-')[0];
  const range = ports === undefined ? null : parsePortRange(ports);
  if (ports !== undefined && range === null) return null;
  return { address: address === '' ? null : address, ports: range };
}

/** Long option names as iptables accepts them (getopt allows unambiguous prefixes, as ufw files use). */
const OPTION_ALIASES: Record<string, string> = {
  '-p': '--protocol',
  '-s': '--source',
  '--src': '--source',
  '-d': '--destination',
  '--dst': '--destination',
  '-i': '--in-interface',
  '-o': '--out-interface',
  '-m': '--match',
  '-j': '--jump',
  '-g': '--goto',
  '--destination-port': '--dport',
  '--destination-ports': '--dports',
  '--source-port': '--sport',
  '--source-ports': '--sports',
  '--to-port': '--to-ports',
  '--to': '--to-destination',
};

/** Options that do not narrow which new connections match (a new TCP connection starts with SYN). */
const IGNORED_OPTIONS = new Set(['--comment', '--syn', '--random', '--random-fully', '--persistent', '--limit-iface-in', '--limit-iface-out']);
const FLAG_OPTIONS = new Set(['--random', '--random-fully', '--persistent', '--limit-iface-in', '--limit-iface-out', '--syn']);

/** REJECT refuses the connection as DROP does (filter chains only; nft's `reject` is read the same way). */
const BUILT_IN_VERDICTS: Record<string, Target['kind']> = { ACCEPT: 'accept', RETURN: 'return', DROP: 'drop', REJECT: 'drop' };

/** Targets that change nothing about where a connection goes. */
const PASSIVE_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'TRACE', 'AUDIT', 'CT', 'NOTRACK', 'TTL', 'TOS', 'DSCP', 'CLASSIFY']);

/**
 * Parses the words after `-A CHAIN` into conditions and a target. `userChains` tells a jump to a
 * user chain from an extension target.
 */
export function parseRuleWords(words: string[], userChains: ReadonlySet<string>, text: string): NatRule {
  const conditions: Condition[] = [];
  let target: Target = { kind: 'none' };
  let negate = false;
  let targetName: string | null = null;
  const targetOptions = new Map<string, string>();
  let index = 0;
  const take = () => words[++index];

  for (; index < words.length; index++) {
    const word = words[index];
    if (word === '!') {
      negate = true;
      continue;
    }
    if (/^\[\d+:\d+\]$/.test(word)) continue; // counters from iptables-save -c
    const option = OPTION_ALIASES[word] ?? word;
    const wasNegated = negate;
    negate = false;

    if (targetName !== null && option.startsWith('--')) {
      targetOptions.set(option, FLAG_OPTIONS.has(option) ? '' : take() ?? '');
      continue;
    }
    switch (option) {
      case '--protocol':
        conditions.push({ kind: 'protocol', protocols: [take() ?? ''], negate: wasNegated });
        break;
      case '--source':
      case '--destination':
        conditions.push({ kind: option === '--source' ? 'saddr' : 'daddr', prefixes: (take() ?? '').split(','), negate: wasNegated });
        break;
      case '--in-interface':
      case '--out-interface':
        conditions.push({ kind: option === '--in-interface' ? 'iif' : 'oif', names: [take() ?? ''], negate: wasNegated });
        break;
      case '--match': {
        const module = take() ?? '';
        // Matches whose options carry the meaning (tcp, multiport …) are read with those options.
        if (!['tcp', 'udp', 'multiport', 'addrtype', 'comment', 'conntrack', 'state'].includes(module)) {
          conditions.push({ kind: 'other', text: `-m ${module}` });
        }
        break;
      }
      case '--dport': {
        const range = parsePortRange(take() ?? '');
        conditions.push(range ? { kind: 'dport', ranges: [range], negate: wasNegated } : { kind: 'other', text: '--dport' });
        break;
      }
      case '--dports':
      case '--ports': {
        const ranges = parsePortList(take() ?? '');
        const kind = option === '--dports' ? 'dport' : 'anyport';
        conditions.push(ranges ? { kind, ranges, negate: wasNegated } : { kind: 'other', text: option });
        break;
      }
      case '--dst-type':
        conditions.push({ kind: 'dst-type', types: (take() ?? '').split(','), negate: wasNegated });
        break;
      case '--ctstate':
      case '--state':
        conditions.push({ kind: 'ctstate', states: (take() ?? '').split(','), negate: wasNegated });
        break;
      case '--jump':
      case '--goto': {
        const name = take() ?? '';
        if (option === '--goto') target = { kind: 'goto', chain: name };
        else if (userChains.has(name)) target = { kind: 'jump', chain: name };
        else targetName = name;
        break;
      }
      default:
        if (IGNORED_OPTIONS.has(option)) {
          if (!FLAG_OPTIONS.has(option)) take();
          break;
        }
        if (option.startsWith('-')) {
          // An option this model does not know: it narrows the rule in some way.
          let shown = option;
          while (index + 1 < words.length && !words[index + 1].startsWith('-') && words[index + 1] !== '!') shown += ` ${take()}`;
          conditions.push({ kind: 'other', text: shown });
        }
    }
  }

  if (targetName !== null) target = namedTarget(targetName, targetOptions);
  return { text, conditions, target };
}

function namedTarget(name: string, options: Map<string, string>): Target {
  const verdict = BUILT_IN_VERDICTS[name];
  if (verdict) return { kind: verdict } as Target;
  if (name === 'REDIRECT') {
    const ports = options.get('--to-ports');
    return { kind: 'redirect', ports: ports === undefined ? null : parsePortRange(ports) };
  }
  if (name === 'DNAT') {
    const destination = parseNatDestination(options.get('--to-destination') ?? '');
    return destination ? { kind: 'dnat', ...destination } : { kind: 'unknown', name };
  }
  if (PASSIVE_TARGETS.has(name)) return { kind: 'none' };
  // MASQUERADE/SNAT cannot appear in PREROUTING/OUTPUT; anything else is an extension we cannot follow.
  if (name === 'MASQUERADE' || name === 'SNAT') return { kind: 'none' };
  return { kind: 'unknown', name };
}

/** Parses iptables-save output (any tables; `-A` lines of unknown chains create them). */
export function parseIptablesSave(text: string): IptablesDump {
  const tables = new Map<string, IptablesTable>();
  const incompatibleTables: string[] = [];
  let table: IptablesTable | null = null;
  const pending: Array<{ table: IptablesTable; chain: string; words: string[]; line: string }> = [];

  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const incompatible = /^# Table `(\w+)' is incompatible/.exec(line);
    if (incompatible) incompatibleTables.push(incompatible[1]);
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      const name = line.slice(1);
      table = tables.get(name) ?? { name, policies: new Map(), chains: new Map() };
      tables.set(name, table);
      continue;
    }
    if (line === 'COMMIT') {
      table = null;
      continue;
    }
    if (!table) continue;
    if (line.startsWith(':')) {
      const [name, policy = '-'] = line.slice(1).split(/\s+/);
      table.policies.set(name, policy);
      if (!table.chains.has(name)) table.chains.set(name, { name, rules: [] });
      continue;
    }
    const words = tokenize(line);
    if ((words[0] === '-N' || words[0] === '--new-chain') && words[1]) {
      table.policies.set(words[1], '-');
      if (!table.chains.has(words[1])) table.chains.set(words[1], { name: words[1], rules: [] });
      continue;
    }
    if ((words[0] === '-A' || words[0] === '--append') && words[1]) {
      if (!table.chains.has(words[1])) table.chains.set(words[1], { name: words[1], rules: [] });
      pending.push({ table, chain: words[1], words: words.slice(2), line });
    }
  }

  // Rules are read once every chain is known, so that `-j NAME` can tell user chains from targets.
  for (const { table: owner, chain, words, line } of pending) {
    const userChains = new Set([...owner.chains.keys()].filter((name) => !['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING', 'FORWARD'].includes(name)));
    owner.chains.get(chain)!.rules.push(parseRuleWords(words, userChains, line));
  }
  return { tables, incompatibleTables };
}

const HOOK_CHAINS: Record<Hook, string> = { prerouting: 'PREROUTING', output: 'OUTPUT' };

/** The nat PREROUTING and OUTPUT chains of a dump as base chains for the evaluator (iptables nat runs at priority -100). */
export function iptablesBaseChains(dump: IptablesDump, family: Family): BaseChain[] {
  const nat = dump.tables.get('nat');
  if (!nat) return [];
  const tool = family === 4 ? 'iptables' : 'ip6tables';
  return (Object.keys(HOOK_CHAINS) as Hook[]).flatMap((hook) => {
    const chain = nat.chains.get(HOOK_CHAINS[hook]);
    if (!chain) return [];
    return [{ label: `${tool} nat ${chain.name}`, family, hook, priority: -100, chain, chains: nat.chains }];
  });
}

/** Number of rules in the nat table (any chain). */
export function iptablesRuleCount(dump: IptablesDump): number {
  const nat = dump.tables.get('nat');
  return nat ? [...nat.chains.values()].reduce((sum, chain) => sum + chain.rules.length, 0) : 0;
}
