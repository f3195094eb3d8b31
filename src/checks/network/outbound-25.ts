import { isIP } from 'node:net';
import { splitHostPort } from '../../util/host-port.js';
import type { CheckContext, CheckDefinition, Evidence, Finding, Fix } from '../../core/types.js';
import type { TcpAttempt } from '../../probes/types.js';
import { hostAddresses, outboundIps, type SendingIp } from '../../knowledge/postal/outbound-ips.js';
import { canonicalIp, isGlobalAddress } from '../../util/ip.js';
import { sh } from '../../util/shell.js';
import { hostPort, tcpAnswer } from '../../knowledge/postal/smtp-banner.js';
import { addressesOf, evidenceOf, lookup, recordsOf } from '../../knowledge/dns/lookups.js';
import type { Family } from '../../knowledge/firewall/nat-model.js';
import { relayDelivery, type RelayDelivery } from '../../knowledge/postal/relays.js';
import { judgeEach } from '../../core/options.js';

/** Mail domains whose MX hosts are probed by default: big receivers that are always up and answer on 25. */
const DEFAULT_PROBE_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com'];

const FAMILY_NAME: Record<Family, string> = { 4: 'IPv4', 6: 'IPv6' };

/**
 * A placeholder relay for the configChange: the operator puts their relay's host and port. `Auto` works in every
 * Postal release (STARTTLS when offered); Postal 3 spells verified STARTTLS `STARTLS`, and `STARTTLS` means no TLS.
 */
const EXAMPLE_RELAY = { hostname: '<your-relay-host>', port: 587, ssl_mode: 'Auto' };

interface ProbeTarget {
  /** `gmail.com (gmail-smtp-in.l.google.com)` or the host as given. */
  label: string;
  port: number;
  addresses: Record<Family, string[]>;
}

interface TargetList {
  targets: ProbeTarget[];
  /** Why some targets could not be used. */
  problems: string[];
  evidence: Evidence[];
}

/** `host`, `host:port`, `192.0.2.1:25`, `2001:db8::1`, `[2001:db8::1]:2525`. */
export function parseProbeTarget(spec: string): { host: string; port: number } | null {
  const parts = splitHostPort(spec.trim());
  if (!parts) return null;
  const { host } = parts;
  const port = parts.port ?? 25;
  if (!isIP(host) && !/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i.test(host)) return null;
  return { host: isIP(host) ? canonicalIp(host) : host.toLowerCase().replace(/\.$/, ''), port };
}

async function addressesByFamily(ctx: CheckContext, host: string, evidence: Evidence[]): Promise<Record<Family, string[]>> {
  if (isIP(host) === 4) return { 4: [host], 6: [] };
  if (isIP(host) === 6) return { 4: [], 6: [host] };
  const found = await addressesOf(ctx, host);
  evidence.push(...found.answers.map(evidenceOf));
  return { 4: recordsOf(found.answers[0]), 6: recordsOf(found.answers[1]) };
}

/** What resolving one probe target gave: the target, or why not; with the lookups made. */
interface Resolved {
  target: ProbeTarget | null;
  problem: string | null;
  evidence: Evidence[];
}

async function resolveTarget(ctx: CheckContext, label: string, host: string, port: number, evidence: Evidence[]): Promise<Resolved> {
  const addresses = await addressesByFamily(ctx, host, evidence);
  if (addresses[4].length + addresses[6].length === 0) return { target: null, problem: `${label}: no address`, evidence };
  return { target: { label, port, addresses }, problem: null, evidence };
}

async function resolveGiven(ctx: CheckContext, spec: string): Promise<Resolved> {
  const target = parseProbeTarget(spec);
  if (!target) return { target: null, problem: `${spec}: not a host[:port]`, evidence: [] };
  return resolveTarget(ctx, target.port === 25 ? target.host : hostPort(target.host, target.port), target.host, target.port, []);
}

/** A default probe domain: its most preferred MX host. */
async function resolveDomain(ctx: CheckContext, domain: string): Promise<Resolved> {
  const mx = await lookup(ctx, domain, 'MX');
  const evidence: Evidence[] = [evidenceOf(mx)];
  const exchanges = recordsOf(mx)
    .map((record) => {
      const [priority, exchange] = record.split(/\s+/);
      return { priority: Number(priority), exchange };
    })
    .filter((entry) => entry.exchange && entry.exchange !== '.')
    .sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
  if (exchanges.length === 0) return { target: null, problem: `${domain}: no MX (${mx.status === 'error' ? mx.code : mx.status})`, evidence };
  return resolveTarget(ctx, `${domain} (${exchanges[0].exchange})`, exchanges[0].exchange, 25, evidence);
}

/** The probe targets, resolved in the order given: --probe-target, else the best MX of each default domain. */
async function probeTargets(ctx: CheckContext): Promise<TargetList> {
  const given = ctx.options.probeTargets;
  const resolved = await Promise.all(
    given.length > 0 ? given.map((spec) => resolveGiven(ctx, spec)) : DEFAULT_PROBE_DOMAINS.map((domain) => resolveDomain(ctx, domain)),
  );
  return {
    targets: resolved.flatMap((entry) => (entry.target ? [entry.target] : [])),
    problems: resolved.flatMap((entry) => (entry.problem ? [entry.problem] : [])),
    evidence: resolved.flatMap((entry) => entry.evidence),
  };
}

/** Why relays that are set do not carry the mail, as a sentence for the messages; empty when none are set. */
function unusableRelays(delivery: RelayDelivery): string {
  if (delivery.state !== 'unusable') return '';
  const why = delivery.why === 'version' ? `Postal ${delivery.version ?? ''} cannot use relays` : 'no entry has a host';
  return ` postal.smtp_relays is set, but ${why} (see network.smtp-relays): mail goes straight to the MX hosts, so direct delivery matters.`;
}

interface Probed {
  target: ProbeTarget;
  address: string;
  attempt: TcpAttempt;
  /** The local address the connection was bound to; null when the kernel chose it. */
  source: string | null;
}

const OUTCOME_WORDS: Record<TcpAttempt['outcome'], string> = {
  banner: 'banner',
  connected: 'connected',
  refused: 'refused',
  timeout: 'timed out',
  unreachable: 'unreachable',
  error: 'error',
};

function attemptEvidence(probed: Probed): Evidence {
  return { query: `TCP ${probed.source ?? 'this host'} -> ${hostPort(probed.address, probed.target.port)} (${probed.target.label})`, answer: tcpAnswer(probed.attempt) };
}

function verifyCommand(ip: string): string {
  return sh`postal-doctor check --only network.outbound-25 --ip ${ip}`;
}

function blockedFix(ctx: CheckContext, ip: string, why: 'timeout' | 'refused' | 'no-route'): Fix {
  // Only reached when no relay carries the mail; no `from`, so no relay credentials either. A legacy file writes relays as mappings.
  const { hostname, port, ssl_mode } = EXAMPLE_RELAY;
  const relayChange = ctx.config.format === 1 ? { path: 'smtp_relays', to: [EXAMPLE_RELAY] } : { path: 'postal.smtp_relays', to: [`smtp://${hostname}:${port}?ssl_mode=${ssl_mode}`] };
  const summaries = {
    timeout: `Ask your provider to lift the outbound port 25 block for ${ip}, or send through a relay: set postal.smtp_relays to your relay's host and port (then postal restart)`,
    refused: `Find the firewall that rejects port 25 from ${ip} (this host: iptables -S OUTPUT, nft list ruleset; else the provider's), or send through a relay with postal.smtp_relays (then postal restart)`,
    'no-route': `Give ${ip} a route to the internet (ip route), or send through a relay with postal.smtp_relays (then postal restart)`,
  };
  return { kind: why === 'refused' ? 'firewall' : 'provider', summary: summaries[why], commands: [verifyCommand(ip)], configChanges: [relayChange] };
}

/** One connection per target, from `source` (null: the kernel chooses, as Postal does for mail without a pool IP). */
function connectAll(ctx: CheckContext, targets: ProbeTarget[], family: Family, source: string | null): Promise<Probed[]> {
  return Promise.all(
    targets.map(async (target) => {
      const address = target.addresses[family][0];
      const attempt = await ctx.probes.tcp.connect({ host: address, port: target.port, ...(source ? { localAddress: source } : {}), readBanner: true, timeoutMs: ctx.options.timeoutMs });
      return { target, address, attempt, source };
    }),
  );
}

/**
 * An IPv4 address given with --ip that this host does not have, while the host has no public IPv4 address either:
 * the host is behind NAT and the address is its public face, so the test goes from the address the kernel picks.
 * A pool address must be on the host itself (network.pool-ips-bound), and IPv6 is not NATed, so neither is stood in for.
 */
async function isNatFace(ctx: CheckContext, entry: SendingIp): Promise<boolean> {
  if (entry.source !== 'option' || isIP(entry.ip) !== 4) return false;
  return !(await hostAddresses(ctx)).some((address) => !address.internal && address.family === 4 && isGlobalAddress(address.address));
}

function throughNatNote(ip: string): string {
  return ` This host does not have ${ip} and has no public address of its own, so it is taken to be behind NAT: the connections left from the address the kernel chose, as Postal sends without IP pools.`;
}

async function probeFrom(ctx: CheckContext, entry: SendingIp, targets: ProbeTarget[]): Promise<Finding> {
  const ip = entry.ip;
  const family = isIP(ip) as Family;
  const usable = targets.filter((target) => target.addresses[family].length > 0);
  if (usable.length === 0) {
    return { target: ip, status: 'unknown', messageId: 'no-targets', data: { ip, family: FAMILY_NAME[family] } };
  }
  let probed = await connectAll(ctx, usable, family, ip);
  const notHere = probed.every((attempt) => attempt.attempt.code === 'EADDRNOTAVAIL');
  const throughNat = notHere && (await isNatFace(ctx, entry));
  if (notHere && !throughNat) return { target: ip, status: 'skip', messageId: 'not-local', data: { ip }, evidence: probed.map(attemptEvidence) };
  if (throughNat) probed = await connectAll(ctx, usable, family, null);
  const evidence = probed.map(attemptEvidence);

  const count = (...outcomes: TcpAttempt['outcome'][]) => probed.filter((attempt) => outcomes.includes(attempt.attempt.outcome)).length;
  const total = probed.length;
  const reached = count('banner', 'connected');
  const delivery = await relayDelivery(ctx);
  const via = (throughNat ? throughNatNote(ip) : '') + unusableRelays(delivery);
  const data = { ip, total, reached, via };

  if (reached === total) return { target: ip, status: 'pass', messageId: 'open', data, evidence };
  if (reached > 0) {
    const failed = probed
      .filter((attempt) => !['banner', 'connected'].includes(attempt.attempt.outcome))
      .map((attempt) => `${attempt.target.label}: ${OUTCOME_WORDS[attempt.attempt.outcome]}`)
      .join(', ');
    return { target: ip, status: 'warn', messageId: 'partial', data: { ...data, failed }, evidence };
  }
  const refused = count('refused');
  const unreachable = count('unreachable');
  const errors = count('error');
  if (errors > 0 && count('timeout') + refused + unreachable === 0) {
    const codes = [...new Set(probed.map((attempt) => attempt.attempt.code ?? 'unknown error'))].join(', ');
    return { target: ip, status: 'unknown', messageId: 'error', data: { ip, codes, via }, evidence };
  }
  if (delivery.state === 'relayed') {
    const relays = delivery.relays.map((relay) => hostPort(relay.host ?? '', relay.port)).join(', ');
    return { target: ip, status: 'pass', messageId: 'relayed', data: { ip, relays, via }, evidence };
  }
  // One server that does not answer is not evidence of a block: "blocked" needs several (the big providers) to time out.
  if (total === 1 && count('timeout', 'refused') === 1) {
    const [only] = probed;
    return {
      target: ip,
      status: 'warn',
      messageId: 'single-target',
      data: { ...data, target: only!.target.label, outcome: OUTCOME_WORDS[only!.attempt.outcome] },
      evidence,
      fix: { kind: 'manual', summary: `Test ${ip} against the default probe targets (the MX hosts of gmail.com, outlook.com and yahoo.com) or several of your own before asking the provider about a block`, commands: [verifyCommand(ip)] },
    };
  }
  if (count('timeout') === total) return { target: ip, status: 'fail', messageId: 'timeout', data, evidence, fix: blockedFix(ctx, ip, 'timeout') };
  if (refused > 0) return { target: ip, status: 'fail', messageId: 'refused', data: { ...data, refused }, evidence, fix: blockedFix(ctx, ip, 'refused') };
  const codes = [...new Set(probed.map((attempt) => attempt.attempt.code ?? OUTCOME_WORDS[attempt.attempt.outcome]))].join(', ');
  return { target: ip, status: 'fail', messageId: 'no-route', data: { ip, codes, via }, evidence, fix: blockedFix(ctx, ip, 'no-route') };
}

export const outbound25: CheckDefinition = {
  id: 'network.outbound-25',
  group: 'network',
  order: 10,
  title: 'Outbound port 25 is open from each sending IP',
  targets: 'IP',
  probes: ['tcp', 'dns', 'host', 'database', 'files', 'commands'],
  network: true,
  messages: {
    open: {
      title: 'Outbound port 25 is open from {ip}',
      message: 'All {total} probe targets answered on port 25 when connected to from {ip}.{via}',
    },
    partial: {
      title: 'Outbound port 25 from {ip}: some probe targets did not answer',
      message:
        '{reached} of {total} probe targets answered from {ip}; no answer from {failed}. Port 25 is not blocked outright: one remote server being down is normal, but if the same targets keep failing, ask your provider whether it filters them.{via}',
    },
    'single-target': {
      title: 'Outbound port 25 from {ip}: the only probe target, {target}, did not answer',
      message:
        'Port 25 of {target} {outcome} from {ip}. One server that does not answer is not evidence of a provider block: it may be down, or refuse this address. Try several targets (the default ones are the big providers) before concluding that outbound port 25 is blocked.{via}',
    },
    timeout: {
      title: 'Outbound port 25 is blocked from {ip}',
      message:
        'Every probe target ({total}) timed out from {ip}: connections to port 25 are silently dropped, which is how providers block outbound mail. Postal cannot deliver mail from this address until the block is lifted or mail goes through a relay.{via}',
    },
    refused: {
      title: 'Outbound port 25 is refused from {ip}',
      message:
        'No probe target answered from {ip}; {refused} of {total} connections were actively refused. A firewall (on this host or upstream) rejects connections to port 25.{via}',
    },
    'no-route': {
      title: 'No route from {ip} to the probe targets',
      message: 'Connections to port 25 from {ip} could not leave this host ({codes}).{via}',
    },
    relayed: {
      title: 'Outbound port 25 is blocked from {ip}, but Postal sends through a relay',
      message: 'No probe target answered on port 25 from {ip}. Postal delivers through postal.smtp_relays ({relays}), so direct delivery is not needed (whether the relays work: see network.smtp-relays).{via}',
    },
    'not-local': {
      title: '{ip} is not configured on this host',
      message: '{ip} is not an address of this host, so outbound port 25 cannot be tested from it here: run the check on the host that has it. A pool address must be on the host of the worker that sends from it (see network.pool-ips-bound).',
    },
    'no-targets': {
      title: 'Outbound port 25 from {ip} could not be tested',
      message: 'No probe target has an {family} address (see evidence); give one with --probe-target.',
    },
    error: {
      title: 'Outbound port 25 from {ip} could not be tested',
      message: 'The connections failed for another reason: {codes}.{via}',
    },
    'no-family-ip': {
      title: 'Outbound port 25 over {family}: not tested',
      message: 'No outbound {family} address was found, so there is nothing to test over {family}.',
    },
    'no-ips': {
      title: 'Outbound port 25: no sending IP to test from',
      message: 'No outbound IP address was found (give one with --ip).',
    },
    'no-probe-targets': {
      title: 'Outbound port 25: no probe target could be resolved',
      message: 'None of the probe targets resolved ({problems}); give reachable ones with --probe-target.',
    },
  },
  async run(ctx) {
    const entries = await outboundIps(ctx);
    if (entries.length === 0) return [{ target: null, status: 'unknown', messageId: 'no-ips' }];
    const { targets, problems, evidence } = await probeTargets(ctx);
    if (targets.length === 0) {
      return [{ target: null, status: 'unknown', messageId: 'no-probe-targets', data: { problems: problems.join('; ') || 'none given' }, evidence }];
    }
    const findings = await judgeEach(ctx.options, entries, (entry) => probeFrom(ctx, entry, targets));
    for (const finding of findings) finding.evidence = [...evidence, ...(finding.evidence ?? [])];
    const families = new Set(entries.map((entry) => isIP(entry.ip) as Family));
    for (const family of [4, 6] as const) {
      if (!families.has(family)) findings.push({ target: null, status: 'skip', messageId: 'no-family-ip', data: { family: FAMILY_NAME[family] } });
    }
    return findings;
  },
};
