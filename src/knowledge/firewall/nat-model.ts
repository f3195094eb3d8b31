import { isIP } from 'node:net';
import { canonicalIp, ipInCidr } from '../../util/ip.js';

/**
 * One model for nat rules, whatever tool wrote them (iptables-save text or `nft -j` JSON),
 * and an evaluator that answers: where does a new TCP connection to port N end up?
 */

export type Family = 4 | 6;
export type Hook = 'prerouting' | 'output';

export interface PortRange {
  from: number;
  to: number;
}

/** A match of a rule. `negate` flips it (`! --dport 25`, `!=`). */
export type Condition =
  | { kind: 'protocol'; protocols: string[]; negate: boolean }
  | { kind: 'dport'; ranges: PortRange[]; negate: boolean }
  /** `--ports` of multiport: source or destination port. */
  | { kind: 'anyport'; ranges: PortRange[]; negate: boolean }
  | { kind: 'daddr' | 'saddr'; prefixes: string[]; negate: boolean }
  | { kind: 'iif' | 'oif'; names: string[]; negate: boolean }
  | { kind: 'dst-type'; types: string[]; negate: boolean }
  | { kind: 'family'; family: Family }
  /** A connection-tracking state match; nat chains only see the first packet (state NEW). */
  | { kind: 'ctstate'; states: string[]; negate: boolean }
  /** Anything this model does not understand: it may or may not match. */
  | { kind: 'other'; text: string };

export type Target =
  | { kind: 'redirect'; ports: PortRange | null }
  | { kind: 'dnat'; address: string | null; ports: PortRange | null }
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'accept' | 'return' | 'drop' }
  /** A verdict this model cannot follow (e.g. an iptables-nft `xt` target seen through nft). */
  | { kind: 'unknown'; name: string }
  /** Not a verdict: counters, LOG, MARK, comments … evaluation goes on. */
  | { kind: 'none' };

export interface NatRule {
  /** The rule as the tool shows it (iptables-save line, or a rendering of the nft rule). */
  text: string;
  conditions: Condition[];
  target: Target;
}

export interface NatChain {
  name: string;
  rules: NatRule[];
}

/** A chain attached to a netfilter hook, with the chains it can jump to. */
export interface BaseChain {
  /** `iptables nat PREROUTING`, `nft inet postal output` … */
  label: string;
  /** 'both' for nft `inet` tables. */
  family: Family | 'both';
  hook: Hook;
  priority: number;
  chain: NatChain;
  chains: Map<string, NatChain>;
}

/** The connection being traced. */
export interface Scenario {
  family: Family;
  hook: Hook;
  port: number;
  /** Destination address; null = "one of this host's addresses" (remote clients). */
  daddr: string | null;
  /** This host's addresses of the family, to judge `-d` restrictions when `daddr` is null. */
  localAddresses: string[];
  /** Interfaces remote clients come in on; null when unknown. */
  inInterfaces: string[] | null;
}

/** Where Postal's SMTP server listens. */
export interface Listener {
  port: number;
  /** `smtp_server.default_bind_address`. */
  bindAddress: string;
}

export type Certainty = 'yes' | 'no' | 'maybe';

export type HookOutcome =
  | { kind: 'redirected'; rule: string; via: string }
  /** A DNAT to a loopback address from PREROUTING: works only with route_localnet=1 (IPv4), never for IPv6. */
  | { kind: 'loopback-dnat'; rule: string; via: string }
  | { kind: 'elsewhere'; rule: string; via: string; destination: string }
  | { kind: 'dropped'; rule: string; via: string }
  /** Only rules that apply to some of these connections redirect them. */
  | { kind: 'partial'; rule: string; via: string }
  | { kind: 'missing'; shadowedBy: string | null };

const CONTAINER_BRIDGE = /^(docker\d*|br-.*|veth.*|cni.*|virbr.*|flannel.*|cali.*|vxlan.*|podman.*|lxcbr.*|lxdbr.*|kube.*|weave.*)$/;

/** Interface names that carry container or VM traffic rather than remote clients. */
export function isContainerBridge(name: string): boolean {
  return CONTAINER_BRIDGE.test(name);
}

export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return isIP(address) === 6 && canonicalIp(address) === '::1';
}

/** A bind address that listens on every address of the host. */
export function isWildcard(address: string): boolean {
  return address === '::' || address === '0.0.0.0' || address === '';
}

function interfaceMatches(pattern: string, name: string): boolean {
  if (pattern.endsWith('+') || pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

function flip(value: Certainty, negate: boolean): Certainty {
  if (!negate || value === 'maybe') return value;
  return value === 'yes' ? 'no' : 'yes';
}

/** How many of `items` satisfy `test`: all → yes, none → no, some → maybe. */
function share<T>(items: T[], test: (item: T) => boolean): Certainty {
  const hits = items.filter(test).length;
  if (hits === items.length) return 'yes';
  return hits === 0 ? 'no' : 'maybe';
}

const inRanges = (ranges: PortRange[], port: number) => ranges.some((range) => port >= range.from && port <= range.to);

function matchAddress(prefixes: string[], scenario: Scenario, which: 'daddr' | 'saddr'): Certainty {
  if (which === 'daddr') {
    if (scenario.daddr) return prefixes.some((prefix) => ipInCidr(scenario.daddr!, prefix)) ? 'yes' : 'no';
    // Remote clients reach one of this host's own (non-loopback) addresses.
    const candidates = scenario.localAddresses.filter((address) => !isLoopbackAddress(address));
    if (candidates.length === 0) return prefixes.every((prefix) => isLoopbackAddress(prefix.split('/')[0])) ? 'no' : 'maybe';
    return share(candidates, (address) => prefixes.some((prefix) => ipInCidr(address, prefix)));
  }
  // A local client talking to a loopback address speaks from a loopback address too; remote sources are anyone.
  if (scenario.hook === 'output' && scenario.daddr && isLoopbackAddress(scenario.daddr)) {
    return prefixes.some((prefix) => ipInCidr(scenario.daddr!, prefix)) ? 'yes' : 'no';
  }
  return prefixes.some((prefix) => /\/0$/.test(prefix)) ? 'yes' : 'maybe';
}

function matchInterface(names: string[], scenario: Scenario, which: 'iif' | 'oif'): Certainty {
  if (which === 'iif') {
    if (scenario.hook === 'output') return 'no';
    if (scenario.inInterfaces && scenario.inInterfaces.length > 0) {
      return share(scenario.inInterfaces, (name) => names.some((pattern) => interfaceMatches(pattern, name)));
    }
    return names.every((name) => name === 'lo' || isContainerBridge(name.replace(/[+*]$/, ''))) ? 'no' : 'maybe';
  }
  if (scenario.hook === 'prerouting') return 'no';
  // Traffic to this host's own addresses, loopback or not, leaves through lo.
  return names.some((pattern) => interfaceMatches(pattern, 'lo')) ? 'yes' : 'no';
}

export function matchCondition(condition: Condition, scenario: Scenario): Certainty {
  switch (condition.kind) {
    case 'protocol':
      return flip(condition.protocols.some((name) => ['tcp', '6', 'all', '0'].includes(name.toLowerCase())) ? 'yes' : 'no', condition.negate);
    case 'dport':
      return flip(inRanges(condition.ranges, scenario.port) ? 'yes' : 'no', condition.negate);
    case 'anyport':
      // The client's source port is random: a match on it alone is a matter of luck.
      return flip(inRanges(condition.ranges, scenario.port) ? 'yes' : 'maybe', condition.negate);
    case 'daddr':
    case 'saddr':
      return flip(matchAddress(condition.prefixes, scenario, condition.kind), condition.negate);
    case 'iif':
    case 'oif':
      return flip(matchInterface(condition.names, scenario, condition.kind), condition.negate);
    case 'dst-type':
      return flip(condition.types.some((type) => type.toUpperCase() === 'LOCAL') ? 'yes' : 'no', condition.negate);
    case 'family':
      return condition.family === scenario.family ? 'yes' : 'no';
    case 'ctstate':
      return flip(condition.states.some((state) => state.toUpperCase() === 'NEW') ? 'yes' : 'no', condition.negate);
    case 'other':
      return 'maybe';
  }
}

export function matchRule(rule: NatRule, scenario: Scenario): Certainty {
  let result: Certainty = 'yes';
  for (const condition of rule.conditions) {
    const value = matchCondition(condition, scenario);
    if (value === 'no') return 'no';
    if (value === 'maybe') result = 'maybe';
  }
  return result;
}

/** What happened inside one chain walk. */
type Walk =
  | { end: 'nat'; target: Extract<Target, { kind: 'redirect' | 'dnat' }>; rule: string; via: string }
  | { end: 'drop'; rule: string; via: string }
  | { end: 'accept'; rule: string }
  | { end: 'fallthrough' }
  /** goto: the chain that was gone to ended, so the caller's chain ends as well. */
  | { end: 'return-to-caller' };

interface WalkState {
  /** The first redirect/DNAT that applies to some of these connections only. */
  partial: { target: Extract<Target, { kind: 'redirect' | 'dnat' }>; rule: string; via: string } | null;
  /** The first verdict that cannot be followed, met before anything certain. */
  uncertainVerdict: string | null;
}

const MAX_DEPTH = 16;

function walkChain(base: BaseChain, chain: NatChain, scenario: Scenario, state: WalkState, path: string[]): Walk {
  const via = path.join(' -> ');
  for (const rule of chain.rules) {
    const match = matchRule(rule, scenario);
    if (match === 'no') continue;
    const target = rule.target;
    switch (target.kind) {
      case 'none':
        continue;
      case 'redirect':
      case 'dnat':
        if (match === 'yes') return { end: 'nat', target, rule: rule.text, via };
        state.partial ??= { target, rule: rule.text, via };
        continue;
      case 'drop':
        if (match === 'yes') return { end: 'drop', rule: rule.text, via };
        continue;
      case 'accept':
        if (match === 'yes') return { end: 'accept', rule: rule.text };
        continue;
      case 'return':
        if (match === 'yes') return { end: 'fallthrough' };
        continue;
      case 'unknown':
        state.uncertainVerdict ??= rule.text;
        continue;
      case 'jump':
      case 'goto': {
        const next = base.chains.get(target.chain);
        if (!next || path.length >= MAX_DEPTH || path.includes(target.chain)) {
          state.uncertainVerdict ??= rule.text;
          continue;
        }
        if (match === 'maybe') {
          // Only some connections go there: look for redirects in it, but nothing in it is certain.
          const probe: WalkState = { partial: null, uncertainVerdict: null };
          const inner = walkChain(base, next, scenario, probe, [...path, target.chain]);
          if (inner.end === 'nat') state.partial ??= { target: inner.target, rule: inner.rule, via: inner.via };
          else if (probe.partial) state.partial ??= probe.partial;
          continue;
        }
        const inner = walkChain(base, next, scenario, state, [...path, target.chain]);
        if (inner.end === 'fallthrough') {
          if (target.kind === 'goto') return { end: 'return-to-caller' };
          continue;
        }
        if (inner.end === 'return-to-caller') return target.kind === 'goto' ? inner : { end: 'fallthrough' };
        return inner;
      }
    }
  }
  return { end: 'fallthrough' };
}

function portsInclude(ports: PortRange | null, port: number): boolean {
  return ports !== null && port >= ports.from && port <= ports.to;
}

function formatPorts(ports: PortRange | null): string {
  if (!ports) return '';
  return ports.from === ports.to ? `${ports.from}` : `${ports.from}-${ports.to}`;
}

/** Whether a NAT target delivers the connection to Postal's listener. */
function classifyNat(
  target: Extract<Target, { kind: 'redirect' | 'dnat' }>,
  scenario: Scenario,
  listener: Listener,
  rule: string,
  via: string,
): HookOutcome {
  const port = target.ports ? target.ports : { from: scenario.port, to: scenario.port };
  if (!portsInclude(port, listener.port) || port.from !== port.to) {
    const where = target.kind === 'dnat' && target.address ? `${target.address}:${formatPorts(port)}` : `port ${formatPorts(port)}`;
    return { kind: 'elsewhere', rule, via, destination: where };
  }
  if (target.kind === 'redirect' || !target.address) return { kind: 'redirected', rule, via };
  const address = target.address;
  if (isLoopbackAddress(address)) {
    if (scenario.hook === 'prerouting') return { kind: 'loopback-dnat', rule, via };
    return { kind: 'redirected', rule, via };
  }
  const local = scenario.localAddresses.some((local) => canonicalIp(local) === canonicalIp(address));
  const bound = canonicalIp(listener.bindAddress) === canonicalIp(address);
  if (bound || (isWildcard(listener.bindAddress) && local)) return { kind: 'redirected', rule, via };
  return { kind: 'elsewhere', rule, via, destination: `${address}:${listener.port}` };
}

/**
 * Traces a new TCP connection through the base chains of one hook (in priority order; each
 * base chain gets its turn until one of them NATs or drops the connection) and says whether
 * it ends up at Postal's listener.
 */
export function traceConnection(bases: BaseChain[], scenario: Scenario, listener: Listener): HookOutcome {
  const applicable = bases
    .filter((base) => base.hook === scenario.hook && (base.family === 'both' || base.family === scenario.family))
    .sort((a, b) => a.priority - b.priority);
  let shadowedBy: string | null = null;
  let partial: WalkState['partial'] = null;
  for (const base of applicable) {
    const state: WalkState = { partial: null, uncertainVerdict: null };
    const walk = walkChain(base, base.chain, scenario, state, [base.label]);
    partial ??= state.partial;
    if (walk.end === 'nat') {
      const outcome = classifyNat(walk.target, scenario, listener, walk.rule, walk.via);
      // A verdict met earlier that cannot be followed may have taken the connection away first.
      if (state.uncertainVerdict && outcome.kind === 'redirected') return { kind: 'partial', rule: outcome.rule, via: outcome.via };
      return outcome;
    }
    if (walk.end === 'drop') return { kind: 'dropped', rule: walk.rule, via: walk.via };
    if (walk.end === 'accept') shadowedBy ??= walk.rule;
    if (state.uncertainVerdict) shadowedBy ??= state.uncertainVerdict;
  }
  if (partial) {
    const classified = classifyNat(partial.target, scenario, listener, partial.rule, partial.via);
    if (classified.kind === 'redirected') return { kind: 'partial', rule: partial.rule, via: partial.via };
  }
  return { kind: 'missing', shadowedBy };
}
