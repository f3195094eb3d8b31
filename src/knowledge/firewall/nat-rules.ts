import { isIP } from 'node:net';
import type { CheckContext, Evidence } from '../../core/types.js';
import { defineFact } from '../../core/facts.js';
import type { CommandRun } from '../../probes/types.js';
import { hostAddresses } from '../postal/outbound-ips.js';
import { postalListener } from '../postal/listeners.js';
import { canonicalIp } from '../../util/ip.js';
import { sh } from '../../util/shell.js';
import { iptablesBaseChains, iptablesRuleCount, parseIptablesSave, type IptablesDump } from './iptables-rules.js';
import { hasNativeTables, nftBaseChains, parseNftRuleset, type NftRuleset } from './nft-rules.js';
import { isContainerBridge, isLoopbackAddress, isWildcard, traceConnection, type BaseChain, type Family, type Hook, type HookOutcome, type Listener, type Scenario } from './nat-model.js';

/** The host's nat rules as read once per run from iptables-save, ip6tables-save and nft. */
export interface NatView {
  bases: BaseChain[];
  /** Families whose rules could not be read: the command and why. */
  unreadable: Partial<Record<Family, { command: string; reason: string }>>;
  /** Which tool the host's firewall is managed with, so fixes speak its language. */
  flavour: 'iptables' | 'nft';
  /** What each command returned, in short. */
  evidence: Evidence[];
}

type Source = { state: 'ok'; text: string } | { state: 'not-found' } | { state: 'failed'; reason: string };

const IPTABLES_SAVE: Record<Family, string> = { 4: 'iptables-save', 6: 'ip6tables-save' };

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

function toSource(run: CommandRun): Source {
  if (run.outcome === 'ok') return { state: 'ok', text: run.stdout };
  if (run.outcome === 'not-found') return { state: 'not-found' };
  if (run.outcome === 'timeout') return { state: 'failed', reason: 'timed out' };
  return { state: 'failed', reason: firstLine(run.stderr) || `exit code ${run.exitCode}` };
}

function sourceSummary(source: Source, detail: () => unknown): unknown {
  if (source.state === 'ok') return detail();
  if (source.state === 'not-found') return 'not installed';
  return { error: source.reason };
}

/** Reads and parses the nat rules once per run (shared by network.alt-ports and config.app-smtp). */
export const natRules = defineFact({
  name: 'nat rules',
  probes: ['commands'],
  async compute(ctx): Promise<NatView> {
    const run = (command: string, args: string[]) => ctx.probes.commands.run(command, args, { timeoutMs: ctx.options.timeoutMs }).then(toSource);
    const [v4, v6, nftSource] = await Promise.all([
      run('iptables-save', ['-t', 'nat']),
      run('ip6tables-save', ['-t', 'nat']),
      run('nft', ['-j', 'list', 'ruleset']),
    ]);

    let nft: NftRuleset | null = null;
    let nftState: Source = nftSource;
    if (nftSource.state === 'ok') {
      try {
        nft = parseNftRuleset(nftSource.text);
      } catch (error) {
        nftState = { state: 'failed', reason: (error as Error).message };
      }
    }

    const dumps: Partial<Record<Family, IptablesDump>> = {};
    const unreadable: NatView['unreadable'] = {};
    const bases: BaseChain[] = [];
    const evidence: Evidence[] = [];
    for (const [family, source] of [[4, v4], [6, v6]] as const) {
      const command = `${IPTABLES_SAVE[family]} -t nat`;
      if (source.state === 'ok') {
        const dump = parseIptablesSave(source.text);
        dumps[family] = dump;
        bases.push(...iptablesBaseChains(dump, family));
      } else if (source.state === 'failed') {
        unreadable[family] = { command, reason: source.reason };
      } else if (nftState.state !== 'ok') {
        // Without iptables the rules can only be nft's; without either there is nothing to read them with.
        unreadable[family] = nftState.state === 'not-found'
          ? { command, reason: `neither ${IPTABLES_SAVE[family]} nor nft is installed` }
          : { command: 'nft -j list ruleset', reason: nftState.reason };
      }
      evidence.push({
        query: command,
        answer: sourceSummary(source, () => {
          const dump = dumps[family]!;
          const nat = dump.tables.get('nat');
          return [...(nat?.chains.values() ?? [])].flatMap((chain) => chain.rules.map((rule) => rule.text));
        }),
      });
    }
    if (nft) bases.push(...nftBaseChains(nft));
    evidence.push({
      query: 'nft -j list ruleset',
      answer: sourceSummary(nftState, () => nft!.tables.map((table) => `${table.family} ${table.name}${table.compat ? ' (iptables-nft)' : ''}`)),
    });

    const iptablesRules = Object.values(dumps).reduce((sum, dump) => sum + iptablesRuleCount(dump), 0);
    const incompatible = Object.values(dumps).some((dump) => dump.incompatibleTables.length > 0);
    // nft speaks for the host when its ruleset is native and iptables holds no rules, or when iptables is not installed.
    const nftNative = nft !== null && ((hasNativeTables(nft) && (iptablesRules === 0 || incompatible)) || v4.state === 'not-found');
    return { bases, unreadable, flavour: nftNative ? 'nft' : 'iptables', evidence };
  },
});

/** Postal's SMTP listener: BIND_ADDRESS and PORT in the smtp container over postal.yml (listeners.ts). */
export function smtpListener(ctx: CheckContext): Listener {
  const listener = postalListener(ctx, 'smtp');
  return { port: listener.port, bindAddress: listener.bind || '::' };
}

export { isLoopbackAddress, isWildcard };

/** What remote clients and this host's own clients look like, from the host's addresses. */
export interface HostView {
  localAddresses: Record<Family, string[]>;
  inInterfaces: string[];
  /** The host has an IPv6 address other clients can reach (not loopback or link-local). */
  hasIpv6: boolean;
}

export async function hostView(ctx: CheckContext): Promise<HostView> {
  const addresses = (await hostAddresses(ctx)).filter((address) => !address.internal && !address.address.startsWith('fe80:'));
  const inInterfaces = [...new Set(addresses.map((address) => address.interface).filter((name) => !isContainerBridge(name) && name !== 'lo'))];
  return {
    localAddresses: {
      4: addresses.filter((address) => address.family === 4).map((address) => address.address),
      6: addresses.filter((address) => address.family === 6).map((address) => address.address),
    },
    inInterfaces,
    hasIpv6: addresses.some((address) => address.family === 6),
  };
}

/** The address families remote clients reach Postal on: from the bind address and the host's addresses. */
export function listenerFamilies(listener: Listener, host: HostView): Family[] {
  const bind = listener.bindAddress;
  if (bind === '0.0.0.0') return [4];
  if (bind === '::') return host.hasIpv6 ? [4, 6] : [4];
  const family = isIP(bind);
  return family === 6 ? [6] : [4];
}

export const LOOPBACK: Record<Family, string> = { 4: '127.0.0.1', 6: '::1' };

/** Traces a new connection to `port` (remote clients for prerouting; `daddr` for local clients on output). */
export function trace(view: NatView, host: HostView, listener: Listener, family: Family, hook: Hook, port: number, daddr?: string): HookOutcome {
  const scenario: Scenario = {
    family,
    hook,
    port,
    daddr: hook === 'output' ? (daddr ?? LOOPBACK[family]) : null,
    localAddresses: host.localAddresses[family],
    inInterfaces: host.inInterfaces.length > 0 ? host.inInterfaces : null,
  };
  return traceConnection(view.bases, scenario, listener);
}

/** A traced outcome in words, for evidence. */
export function describeOutcome(outcome: HookOutcome): string {
  switch (outcome.kind) {
    case 'redirected':
      return `redirected to Postal by "${outcome.rule}" (${outcome.via})`;
    case 'loopback-dnat':
      return `DNAT to a loopback address by "${outcome.rule}" (${outcome.via}): needs route_localnet, IPv4 only`;
    case 'elsewhere':
      return `sent to ${outcome.destination} by "${outcome.rule}" (${outcome.via})`;
    case 'dropped':
      return `dropped by "${outcome.rule}" (${outcome.via})`;
    case 'partial':
      return `redirected only for some connections by "${outcome.rule}" (${outcome.via})`;
    case 'missing':
      return outcome.shadowedBy ? `not redirected; "${outcome.shadowedBy}" decides first` : 'not redirected by any rule';
  }
}

/** Whether IPv4 DNAT to a loopback address from PREROUTING can work here (net.ipv4.conf.all.route_localnet). */
export const routeLocalnet = defineFact({
  name: 'route_localnet',
  probes: ['commands'],
  async compute(ctx): Promise<boolean | null> {
    const run = await ctx.probes.commands.run('sysctl', ['-n', 'net.ipv4.conf.all.route_localnet'], { timeoutMs: ctx.options.timeoutMs });
    if (run.outcome !== 'ok') return null;
    return run.stdout.trim() === '1';
  },
});

/** A rule the host lacks: this port, this family, this chain. */
export interface MissingRule {
  family: Family;
  hook: Hook;
  /** An earlier rule decides first, so the new rule goes to the top of the chain. */
  insert: boolean;
}

const IPTABLES: Record<Family, string> = { 4: 'iptables', 6: 'ip6tables' };
const NFT_FAMILY: Record<Family, string> = { 4: 'ip', 6: 'ip6' };
const CHAIN: Record<Hook, string> = { prerouting: 'PREROUTING', output: 'OUTPUT' };

/** Where the rule sends the connection: a plain redirect when Postal listens on every address, else its address. */
function natDestination(listener: Listener, family: Family): { kind: 'redirect' } | { kind: 'dnat'; to: string } {
  if (isWildcard(listener.bindAddress) || isLoopbackAddress(listener.bindAddress)) return { kind: 'redirect' };
  const address = canonicalIp(listener.bindAddress);
  return { kind: 'dnat', to: family === 6 ? `[${address}]:${listener.port}` : `${address}:${listener.port}` };
}

/** The rule, added only when `-C` does not find it already: run twice, the fix leaves one copy. */
function iptablesRule(missing: MissingRule, port: number, listener: Listener): string {
  const tool = IPTABLES[missing.family];
  const chain = CHAIN[missing.hook];
  const position = missing.insert ? `-I ${chain} 1` : `-A ${chain}`;
  const scope = missing.hook === 'output' ? ' -o lo' : '';
  const destination = natDestination(listener, missing.family);
  const action = destination.kind === 'redirect' ? sh`-j REDIRECT --to-ports ${listener.port}` : sh`-j DNAT --to-destination ${destination.to}`;
  const rule = `${scope} ` + sh`-p tcp --dport ${port} ` + action;
  return `${tool} -t nat -C ${chain}${rule} 2>/dev/null || ${tool} -t nat ${position}${rule}`;
}

function nftRules(missing: MissingRule, port: number, listener: Listener): string[] {
  const family = NFT_FAMILY[missing.family];
  const destination = natDestination(listener, missing.family);
  const action = destination.kind === 'redirect' ? sh`redirect to :${listener.port}` : sh`dnat to ${destination.to}`;
  const scope = missing.hook === 'output' ? 'oifname lo ' : '';
  // `add table` and `add chain` change nothing when they exist; a rule is added only when the chain has none for the
  // port. grep reads the whole listing (no -q), so under `set -o pipefail` nft never dies of a closed pipe.
  return [
    `nft add table ${family} postal`,
    `nft add chain ${family} postal ${missing.hook} '{ type nat hook ${missing.hook} priority -100; }'`,
    `nft list chain ${family} postal ${missing.hook} | grep -F ` +
      sh`${`tcp dport ${port} `}` +
      ` >/dev/null || nft add rule ${family} postal ${missing.hook} ${scope}` +
      sh`tcp dport ${port} ` +
      action,
  ];
}

/**
 * Saves the iptables rules for the next boot (Debian/Ubuntu: iptables-persistent restores /etc/iptables/rules.v4
 * and rules.v6). ufw declares iptables-persistent a conflict, so on a ufw host installing it would remove ufw and
 * the firewall it manages; there the rules belong in ufw's before.rules, which the explain page shows.
 */
export const IPTABLES_PERSISTENCE =
  "if command -v ufw >/dev/null; then echo 'ufw is installed and iptables-persistent would remove it: keep the nat rules above in /etc/ufw/before.rules and before6.rules instead (postal-doctor explain network.alt-ports)'; " +
  'else DEBIAN_FRONTEND=noninteractive apt-get install -y iptables-persistent && netfilter-persistent save; fi';

/** The commands that add the missing rules for one port, then make them survive a reboot. */
export function redirectCommands(flavour: NatView['flavour'], port: number, missing: MissingRule[], listener: Listener): string[] {
  if (missing.length === 0) return [];
  if (flavour === 'iptables') return [...missing.map((rule) => iptablesRule(rule, port, listener)), IPTABLES_PERSISTENCE];
  const commands = [...new Set(missing.flatMap((rule) => nftRules(rule, port, listener)))];
  const families = [...new Set(missing.map((rule) => NFT_FAMILY[rule.family]))];
  return [
    ...commands,
    'mkdir -p /etc/nftables.d',
    ...families.map((family) => `nft list table ${family} postal > /etc/nftables.d/postal-${family}.nft`),
    `grep -qs 'include "/etc/nftables.d/\\*.nft"' /etc/nftables.conf || echo 'include "/etc/nftables.d/*.nft"' >> /etc/nftables.conf`,
    'systemctl enable nftables',
  ];
}

/** Commands that only add rules (what the fix changes right away), as opposed to persisting them. */
export function isRuleCommand(command: string): boolean {
  return /^(iptables|ip6tables) -t nat /.test(command) || /^nft (add|list chain) /.test(command);
}
