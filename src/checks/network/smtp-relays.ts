import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import type { CheckContext, CheckDefinition, Evidence, Finding, Fix } from '../../core/types.js';
import type { SmtpSession } from '../../probes/types.js';
import { unlessOffline } from '../../core/probe-access.js';
import { defaultHelo, outboundIps } from '../../knowledge/postal/outbound-ips.js';
import { configuredRelays, relayDelivery, relayUrlAsMeant, RELAYS_BROKEN, type Relay } from '../../knowledge/postal/relays.js';
import { hostPort } from '../../knowledge/postal/smtp-banner.js';
import { addressesOf, evidenceOf, failureText } from '../../knowledge/dns/lookups.js';
import { redactRelayUrl } from '../../config/secrets.js';

/** Where Postal's mail to a relay leaves from: a pool address (bound, as Postal binds it) or the host's default route. */
interface Source {
  /** The local address to bind; null for the default route. */
  ip: string | null;
  label: string;
  helo: string;
}

/** The sources Postal connects to relays from: each pool address, and the default route (mail without a pool, forwarded mail). */
async function sources(ctx: CheckContext): Promise<Source[]> {
  const pooled = (await outboundIps(ctx)).filter((entry) => entry.source === 'db');
  return [...pooled.map((entry) => ({ ip: entry.ip, label: entry.ip, helo: entry.helo })), { ip: null, label: 'the default route', helo: defaultHelo(ctx) }];
}

const TLS_WORDS: Record<Relay['tls'], string> = {
  auto: 'STARTTLS when offered, certificate not verified',
  starttls: 'STARTTLS required, certificate verified',
  tls: 'TLS from the first byte, certificate verified',
  none: 'no TLS',
};

function sessionEvidence(relay: Relay, source: Source, session: SmtpSession): Evidence {
  return {
    query: `SMTP session with ${hostPort(relay.host ?? '', relay.port)} from ${source.label} (ssl_mode ${relay.sslMode || '(empty)'}: ${TLS_WORDS[relay.tls]})`,
    answer: {
      banner: session.banner,
      ehlo: session.ehlo,
      starttlsOffered: session.starttlsOffered,
      tls: session.tls && { protocol: session.tls.protocol, authorized: session.tls.authorized, authorizationError: session.tls.authorizationError },
      failure: session.failure,
    },
  };
}

/** Why Postal's verification of the relay's certificate fails (chain or name), or null when it passes. */
function verificationFailure(relay: Relay, session: SmtpSession): string | null {
  const tls = session.tls;
  if (!tls) return null;
  if (!tls.authorized) return `the chain does not verify (${tls.authorizationError ?? 'unknown reason'})`;
  const leaf = tls.chainPem[0] ? new X509Certificate(tls.chainPem[0]) : null;
  const host = relay.host ?? '';
  const matches = leaf && (isIP(host) ? leaf.checkIP(host) : leaf.checkHost(host));
  return matches ? null : `the certificate is not valid for ${host}`;
}

/** The relay list rewritten to do what it was meant to (Postal 3's STARTLS spelling, Auto for an empty mode). */
function spellingFix(ctx: CheckContext): Fix {
  const written = (ctx.config.get('postal.smtp_relays') ?? []).map(String);
  if (ctx.config.format === 1) {
    return {
      kind: 'config',
      summary: 'In each smtp_relays entry of postal.yml, write ssl_mode: STARTLS (Postal 3\'s spelling) for verified STARTTLS, or ssl_mode: Auto; then restart Postal',
      commands: ['postal restart'],
    };
  }
  return {
    kind: 'config',
    summary: 'Write the relays\' ssl_mode as Postal 3 spells it: STARTLS for verified STARTTLS (or Auto, TLS, None), then restart Postal',
    commands: ['postal restart'],
    configChanges: [{ path: 'postal.smtp_relays', from: written.map(redactRelayUrl), to: written.map(relayUrlAsMeant) }],
  };
}

/** Findings about how a relay is written, before any connection. */
function writtenFindings(ctx: CheckContext, relay: Relay): Finding[] {
  const data = { relay: relay.written, mode: relay.sslMode };
  const findings: Finding[] = [];
  if (relay.unparseable) return [{ target: relay.written, status: 'fail', messageId: 'unparseable', data }];
  if (relay.host === null) findings.push({ target: relay.written, status: 'warn', messageId: 'no-host', data });
  if (relay.credentials) findings.push({ target: relay.written, status: 'warn', messageId: 'credentials', data });
  if (relay.sslMode === 'STARTTLS') findings.push({ target: relay.written, status: 'fail', messageId: 'starttls-spelling', data, fix: spellingFix(ctx) });
  else if (relay.tls === 'none' && relay.sslMode !== 'None') {
    findings.push({ target: relay.written, status: 'fail', messageId: relay.sslMode === '' ? 'empty-mode' : 'unknown-mode', data, fix: spellingFix(ctx) });
  }
  return findings;
}

/**
 * The address to reach the relay at from this source, through the doctor's resolver (never the system's behind
 * its back): the relay's own IP, or its first address of the source's family (IPv4 first for the default route).
 */
async function relayAddress(ctx: CheckContext, host: string, source: Source): Promise<{ address: string | null; failure: string | null; evidence: Evidence[] }> {
  if (isIP(host)) return { address: host, failure: null, evidence: [] };
  const found = await addressesOf(ctx, host);
  const evidence = found.answers.map(evidenceOf);
  if (found.failed) return { address: null, failure: failureText(found.answers), evidence };
  const family = source.ip ? isIP(source.ip) : 4;
  const ordered = [...found.addresses.filter((ip) => isIP(ip) === family), ...(source.ip ? [] : found.addresses.filter((ip) => isIP(ip) !== family))];
  return { address: ordered[0] ?? null, failure: null, evidence };
}

/** One SMTP session with a relay from one source, judged as Postal would use it. */
async function sessionFinding(ctx: CheckContext, relay: Relay, source: Source, roots: string[]): Promise<Finding | null> {
  const host = relay.host ?? '';
  const target = `${hostPort(host, relay.port)} from ${source.label}`;
  const mode = relay.tls === 'tls' ? 'implicit' : relay.tls === 'none' ? 'none' : 'starttls';
  const resolved = await unlessOffline(() => relayAddress(ctx, host, source));
  if (!resolved) return null;
  const base = { relay: hostPort(host, relay.port), source: source.label, mode: relay.sslMode || '(empty)', banner: '' };
  if (resolved.failure !== null) return { target, status: 'unknown', messageId: 'lookup-failed', data: { ...base, reason: resolved.failure }, evidence: resolved.evidence };
  if (resolved.address === null) return { target, status: 'fail', messageId: 'no-address', data: { ...base, reason: '' }, evidence: resolved.evidence };
  const address = resolved.address;
  const session = await unlessOffline(() =>
    ctx.probes.smtp.session({ host: address, servername: isIP(host) ? undefined : host, port: relay.port, helo: source.helo, timeoutMs: ctx.options.timeoutMs, ca: roots, tls: mode, ...(source.ip ? { localAddress: source.ip } : {}) }),
  );
  if (!session) return null;
  const evidence = [...resolved.evidence, sessionEvidence(relay, source, session)];
  const data = { ...base, reason: session.failure?.message ?? '', banner: session.banner ?? '' };
  const failure = session.failure;
  if (failure?.code === 'EADDRNOTAVAIL') return { target, status: 'skip', messageId: 'not-local', data, evidence };
  if (failure?.code === 'INVALID_HELO') return { target, status: 'unknown', messageId: 'invalid-helo', data: { ...data, helo: source.helo }, evidence };
  // With implicit TLS the connection and the handshake are one step: a network error there is no TLS problem.
  const networkError = ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'].includes(failure?.code ?? '');
  if (failure && (failure.phase === 'connect' || (failure.phase === 'tls' && !session.tls && networkError))) {
    return { target, status: 'fail', messageId: 'unreachable', data, evidence };
  }
  if (failure && (failure.phase === 'banner' || failure.phase === 'ehlo')) return { target, status: 'fail', messageId: 'rejected', data, evidence };
  if (failure) return { target, status: 'fail', messageId: 'tls-failed', data: { ...data, reason: `${failure.phase}: ${failure.message}` }, evidence };
  if (relay.tls === 'none') return { target, status: 'pass', messageId: 'works-plain', data, evidence };
  if (relay.tls === 'starttls' && !session.starttlsOffered) return { target, status: 'fail', messageId: 'no-starttls', data, evidence };
  if (relay.tls === 'auto' && !session.tls) return { target, status: 'warn', messageId: 'auto-plaintext', data, evidence };
  const unverified = relay.verifies ? verificationFailure(relay, session) : null;
  if (unverified) return { target, status: 'fail', messageId: 'unverified', data: { ...data, reason: unverified }, evidence };
  return { target, status: 'pass', messageId: 'works-tls', data: { ...data, protocol: session.tls?.protocol ?? 'TLS' }, evidence };
}

export const smtpRelaysCheck: CheckDefinition = {
  id: 'network.smtp-relays',
  group: 'network',
  order: 15,
  title: 'Each postal.smtp_relays entry is reachable from each sending IP and speaks TLS as its ssl_mode says',
  targets: 'relay (host:port from IP)',
  probes: ['smtp', 'dns', 'trust', 'files', 'commands', 'database', 'host'],
  network: false,
  messages: {
    none: { title: 'No SMTP relay is configured', message: 'postal.smtp_relays is empty: Postal delivers straight to the MX hosts of each recipient.' },
    'broken-version': {
      title: 'SMTP relays do not work in Postal {version}',
      message:
        'postal.smtp_relays is set, but Postal {from} to {last} fails on every relay (the SMTP sender passes the port the wrong way; fixed in {fixed}): mail is not delivered through them. Upgrade to {fixed} or later.',
    },
    unparseable: { title: 'Relay {relay} cannot be read', message: '{relay} is not a URL of the form smtp://host:port?ssl_mode=Auto.' },
    'no-host': {
      title: 'Relay entry {relay} has no host',
      message: '{relay} names no host, so Postal drops it (from 3.3.1). The Postal 2 default "smtp_relays: - hostname:" becomes such an entry; remove it.',
    },
    credentials: {
      title: 'Relay {relay} carries credentials Postal does not use',
      message: '{relay} has a user name or password, but Postal sends no SMTP AUTH: the relay must accept this server by its IP address.',
    },
    'starttls-spelling': {
      title: 'Relay {relay}: ssl_mode=STARTTLS means no TLS in Postal 3',
      message:
        'Postal 3 knows the modes Auto, STARTLS (spelt so), TLS and None. STARTTLS, Postal 2\'s spelling, matches none of them, so mail to {relay} crosses the network with no TLS at all.',
    },
    'unknown-mode': {
      title: 'Relay {relay}: ssl_mode={mode} means no TLS',
      message: 'Postal 3 knows the modes Auto, STARTLS, TLS and None, compared letter for letter; {mode} matches none, so mail to {relay} crosses the network with no TLS at all.',
    },
    'empty-mode': {
      title: 'Relay {relay} has an empty ssl_mode: no TLS',
      message: '{relay} has ssl_mode set to nothing (a legacy smtp_relays entry without ssl_mode converts to this): Postal uses no TLS at all with it.',
    },
    'works-tls': { title: 'Relay {relay} works from {source}', message: 'From {source}, {relay} greets ({banner}), accepts EHLO and TLS ({protocol}) as ssl_mode {mode} requires.' },
    'works-plain': { title: 'Relay {relay} answers from {source}, without TLS', message: 'From {source}, {relay} greets ({banner}) and accepts EHLO; ssl_mode {mode} uses no TLS.' },
    'auto-plaintext': {
      title: 'Relay {relay} offers no STARTTLS: mail goes in plain text',
      message: 'From {source}, {relay} accepts EHLO but offers no STARTTLS, so with ssl_mode Auto Postal sends to it without TLS.',
    },
    'no-starttls': {
      title: 'Relay {relay} offers no STARTTLS, which ssl_mode STARTLS requires',
      message: 'From {source}, {relay} accepts EHLO but does not offer STARTTLS; with ssl_mode STARTLS Postal cannot deliver through it.',
    },
    unverified: {
      title: 'Postal cannot verify the certificate of relay {relay}',
      message: 'From {source}, {relay} speaks TLS, but {reason}; with ssl_mode {mode} Postal verifies it, so delivery through this relay fails.',
    },
    'tls-failed': { title: 'TLS with relay {relay} fails', message: 'From {source}, the session with {relay} stopped at {reason}.' },
    'lookup-failed': { title: 'Relay {relay}: its address could not be looked up', message: 'The address of {relay} could not be looked up ({reason}); nothing can be said about it from {source}.' },
    'no-address': { title: 'Relay {relay} has no address for {source}', message: 'The relay host has no address of the family {source} sends over, so Postal cannot reach it from there.' },
    unreachable: { title: 'Relay {relay} cannot be reached from {source}', message: 'From {source}, {relay} could not be reached: {reason}.' },
    rejected: { title: 'Relay {relay} does not accept this server from {source}', message: 'From {source}, {relay} refused the session: {reason}.' },
    'not-local': { title: 'Relay {relay}: {source} is not an address of this host', message: 'The session could not start from {source}, which this host does not have (see network.pool-ips-bound).' },
    'invalid-helo': { title: 'Relay {relay} was not tested from {source}', message: 'Postal would say EHLO "{helo}" from {source}, which is no hostname to announce (see dns.helo).' },
  },
  async run(ctx): Promise<Finding[]> {
    const relays = configuredRelays(ctx.config);
    if (relays.length === 0) return [{ target: null, status: 'skip', messageId: 'none', data: {} }];
    const findings: Finding[] = [];
    const delivery = await relayDelivery(ctx);
    if (delivery.state === 'unusable' && delivery.why === 'version') {
      findings.push({ target: null, status: 'fail', messageId: 'broken-version', data: { version: delivery.version ?? '', from: RELAYS_BROKEN.from, last: RELAYS_BROKEN.last, fixed: RELAYS_BROKEN.fixedIn } });
    }
    findings.push(...relays.flatMap((relay) => writtenFindings(ctx, relay)));
    const live = relays.filter((relay) => relay.host !== null && !relay.unparseable);
    if (live.length === 0) return findings;
    const [from, roots] = await Promise.all([sources(ctx), ctx.probes.trust.roots()]);
    const sessions = await Promise.all(live.flatMap((relay) => from.map((source) => sessionFinding(ctx, relay, source, roots))));
    return [...findings, ...sessions.filter((finding): finding is Finding => finding !== null)];
  },
};
