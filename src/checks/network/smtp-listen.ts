import { isIP } from 'node:net';
import { configEdit } from '../../knowledge/postal/config-values.js';
import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import { outboundIps, reachableHostAddresses } from '../../knowledge/postal/outbound-ips.js';
import { canonicalIp, isGlobalAddress, normaliseHostname, reverseName } from '../../util/ip.js';
import { addressesOf, evidenceOf, lookup, recordsOf, zoneRecord } from '../../knowledge/dns/lookups.js';
import { isFqdn } from '../../knowledge/hostnames.js';
import { hostPort, readGreeting, tcpAnswer } from '../../knowledge/postal/smtp-banner.js';
import { isLoopbackAddress, isWildcard, smtpListener } from '../../knowledge/firewall/nat-rules.js';
import { processConfig, whereSet } from '../../knowledge/postal/process-config.js';
import { listenerOrigin, postalListener, rebindText, settingText } from '../../knowledge/postal/listeners.js';
import { judgeEach } from '../../core/options.js';

/** The addresses remote servers deliver to: the bound address, or this host's reachable ones when Postal binds every address. */
async function listenAddresses(ctx: CheckContext, bind: string): Promise<string[]> {
  return isWildcard(bind) ? reachableHostAddresses(ctx) : [canonicalIp(bind)];
}

/**
 * The addresses remote servers connect to: those of the MX hosts and of smtp_hostname. Null when none resolves
 * (then every listening address is taken as one; dns.mx-records reports the names).
 */
async function peerFacingAddresses(ctx: CheckContext, hostname: string): Promise<Set<string> | null> {
  const names = [...new Set([hostname, ...ctx.config.get('dns.mx_records').map((name) => normaliseHostname(String(name)))])];
  const found = (await Promise.all(names.map((name) => addressesOf(ctx, name)))).flatMap((lookup) => lookup.addresses.map(canonicalIp));
  return found.length > 0 ? new Set(found) : null;
}

async function checkPtr(ctx: CheckContext, address: string, port: number, hostname: string, target: string, evidence: Evidence[]): Promise<Finding> {
  const data = { address, endpoint: hostPort(address, port), hostname };
  if (!isGlobalAddress(address)) return { target, status: 'pass', messageId: 'ok-private', data, evidence };
  // Only where peers connect does anyone compare the banner with the PTR; a pool address is judged by its HELO.
  const peerFacing = await peerFacingAddresses(ctx, hostname);
  if (peerFacing && !peerFacing.has(address)) return { target, status: 'pass', messageId: 'ok-not-mx', data, evidence };
  // One address, one PTR: where the address also sends with another HELO name, the HELO name wins (dns.ptr asks for it).
  const sending = (await outboundIps(ctx)).find((entry) => entry.ip === address);
  if (sending && isFqdn(sending.helo) && sending.helo !== hostname) {
    const pool = sending.source === 'db' ? `, or give the pool row of ${address} (IP Pools → ${sending.pool ?? ''}) the hostname ${hostname} and ask for its PTR to match` : '';
    return {
      target,
      status: 'warn',
      messageId: 'helo-differs',
      data: { ...data, helo: sending.helo },
      evidence,
      fix: { kind: 'manual', summary: `Use one name for ${address}: set postal.smtp_hostname to ${sending.helo}, the HELO name its PTR should give (see dns.ptr)${pool}; one address has one PTR`, commands: [] },
    };
  }
  const answer = await lookup(ctx, reverseName(address), 'PTR');
  evidence.push(evidenceOf(answer));
  if (answer.status === 'error') return { target, status: 'unknown', messageId: 'ptr-unknown', data: { ...data, reason: answer.code }, evidence };
  const names = recordsOf(answer);
  if (names.includes(hostname)) return { target, status: 'pass', messageId: 'ok', data, evidence };
  const fix = {
    kind: 'provider' as const,
    summary: `Ask the provider of ${address} to set its PTR to ${hostname} (the name Postal's banner gives)`,
    commands: [],
    records: [zoneRecord(reverseName(address), 'PTR', `${hostname}.`)],
  };
  if (names.length === 0) return { target, status: 'warn', messageId: 'ptr-missing', data, evidence, fix };
  return { target, status: 'warn', messageId: 'ptr-mismatch', data: { ...data, ptr: names.join(', ') }, evidence, fix };
}

async function checkAddress(ctx: CheckContext, address: string, port: number, hostname: string, origin: string): Promise<Finding> {
  const target = hostPort(address, port);
  const data = { address, endpoint: target, hostname };
  const attempt = await ctx.probes.tcp.connect({ host: address, port, readBanner: true, timeoutMs: ctx.options.timeoutMs });
  const evidence: Evidence[] = [{ query: `TCP ${target}`, answer: tcpAnswer(attempt) }];
  switch (attempt.outcome) {
    case 'refused':
      return {
        target,
        status: 'fail',
        messageId: 'refused',
        data: { ...data, origin },
        evidence,
        fix: {
          kind: 'manual',
          summary: "Find out why Postal's SMTP server does not accept here: whether its container runs, and what its log says (a port already taken, a bind address that is not this host's)",
          commands: ['postal status', 'postal logs --tail 50 smtp'],
        },
      };
    case 'timeout':
      return { target, status: 'unknown', messageId: 'timeout', data, evidence };
    case 'unreachable':
    case 'error':
      return { target, status: 'unknown', messageId: 'error', data: { ...data, code: attempt.code ?? attempt.outcome }, evidence };
    case 'connected':
      // With proxy_protocol Postal waits for the PROXY line before it greets.
      if (ctx.config.get('smtp_server.proxy_protocol')) return { target, status: 'pass', messageId: 'proxy-protocol', data, evidence };
      return { target, status: 'fail', messageId: 'no-banner', data, evidence };
    case 'banner': {
      const greeting = readGreeting(attempt.banner);
      if (!greeting.postal) return { target, status: 'fail', messageId: 'not-postal', data, evidence };
      if (greeting.hostname !== hostname) {
        return {
          target,
          status: 'fail',
          messageId: 'banner-mismatch',
          data: { ...data, banner: greeting.hostname ?? '' },
          evidence,
          fix: {
            kind: 'restart',
            summary: `Restart Postal so the SMTP server greets as ${hostname} (it reads postal.smtp_hostname${smtpVariable(ctx)} at start)`,
            commands: ['postal restart'],
          },
        };
      }
      return checkPtr(ctx, address, port, hostname, target, evidence);
    }
  }
}

/** Where the smtp container's name comes from, for fixes: its variable when it has one. */
function smtpVariable(ctx: CheckContext): string {
  const set = whereSet(ctx, 'smtp', 'postal.smtp_hostname');
  return set ? `, here from ${set.variable} in the environment of ${set.container ?? 'the smtp container'}` : ' from postal.yml';
}

export const smtpListen: CheckDefinition = {
  id: 'network.smtp-listen',
  group: 'network',
  order: 20,
  title: "Postal's SMTP server accepts on its port and greets as smtp_hostname",
  targets: 'host:port',
  probes: ['tcp', 'dns', 'host', 'database'],
  network: true,
  messages: {
    ok: {
      title: "Postal's SMTP server answers on {endpoint} as {hostname}",
      message: 'The banner names {hostname}, which is also the PTR name of {address}.',
    },
    'ok-private': {
      title: "Postal's SMTP server answers on {endpoint} as {hostname}",
      message: '{address} is a private address, so its PTR is not compared (dns.ptr looks at the public sending IPs).',
    },
    'proxy-protocol': {
      title: "Postal's SMTP server accepts on {endpoint}",
      message: 'It accepts connections; with smtp_server.proxy_protocol on it waits for a PROXY header before greeting, so the banner was not read.',
    },
    'ok-not-mx': {
      title: "Postal's SMTP server answers on {endpoint} as {hostname}",
      message: 'No MX host and not smtp_hostname points at {address}, so no mail server connects there to compare the banner with its PTR (its PTR and HELO are judged by dns.ptr, dns.fcrdns and dns.helo).',
    },
    'helo-differs': {
      title: '{address} greets as {hostname} but sends as {helo}',
      message:
        'Peers connect to {address} and Postal greets as {hostname}, but Postal also sends from {address} with HELO {helo}. An address has one PTR, and outbound delivery depends on it matching the HELO name ({helo}, see dns.ptr), so the names should be the same rather than the PTR follow the banner.',
    },
    'ptr-mismatch': {
      title: 'PTR of {address} does not match the SMTP banner',
      message: "Postal greets as {hostname} on {endpoint}, but the PTR of {address} is {ptr}. Some clients compare the two.",
    },
    'ptr-missing': {
      title: '{address} has no PTR record',
      message: 'Postal greets as {hostname} on {endpoint}, but {address} has no PTR. Some clients compare the banner with the PTR name.',
    },
    'ptr-unknown': {
      title: "Postal's SMTP server answers on {endpoint}; its PTR could not be looked up",
      message: 'The banner names {hostname}; the PTR lookup for {address} failed ({reason}).',
    },
    refused: {
      title: 'Nothing accepts SMTP on {endpoint}',
      message: "Connections to {endpoint} are refused: Postal's SMTP server is not running or does not listen on this address (it listens where {origin} says).",
    },
    timeout: {
      title: 'No answer on {endpoint}',
      message: 'Connecting to {endpoint} timed out; a firewall may drop it, or the server hangs.',
    },
    error: {
      title: '{endpoint} could not be tested',
      message: 'Connecting to {endpoint} failed: {code}.',
    },
    'no-banner': {
      title: 'The SMTP server on {endpoint} sends no greeting',
      message: 'The connection is accepted but no 220 greeting came within the timeout. If a proxy in front sends a PROXY header, set smtp_server.proxy_protocol.',
    },
    'not-postal': {
      title: "Another server answers on {endpoint}",
      message: "The greeting on {endpoint} is not Postal's (see evidence): another mail server holds the port.",
    },
    'banner-mismatch': {
      title: 'The SMTP banner on {endpoint} names {banner}, not {hostname}',
      message: 'Postal greets as {banner} while postal.smtp_hostname is {hostname}: the running server started with another config, or an environment variable overrides it.',
    },
    'ipv4-only': {
      title: 'Postal does not listen on {address}',
      message: '{setting} is 0.0.0.0, so Postal accepts on IPv4 only and {address} was not tested. Publish no AAAA record pointing here for the MX names, or set it to "::" to listen on both.',
    },
    'loopback-only': {
      title: "Postal's SMTP server listens on loopback only",
      message: '{setting} is {bind}: no other server can deliver mail to this host.',
    },
    'no-addresses': {
      title: "Postal's SMTP server could not be tested",
      message: 'This host has no address other servers could deliver to.',
    },
  },
  async run(ctx) {
    const listener = smtpListener(ctx);
    const where = postalListener(ctx, 'smtp');
    const setting = settingText(where.bindSetting);
    // The banner is the smtp container's own postal.smtp_hostname, its environment included.
    const hostname = normaliseHostname(processConfig(ctx, 'smtp').config.get('postal.smtp_hostname'));
    const bind = listener.bindAddress;
    if (isLoopbackAddress(bind)) {
      // BIND_ADDRESS in the smtp container beats postal.yml (app/lib/smtp_server/server.rb:73): the fix goes where the value is set.
      const inFile = where.bindSetting.variable === null;
      return [
        {
          target: hostPort(canonicalIp(bind), listener.port),
          status: 'fail',
          messageId: 'loopback-only',
          data: { bind, setting },
          fix: inFile
            ? {
                kind: 'config',
                summary: 'Listen on every address: set smtp_server.default_bind_address to "::", then postal restart',
                commands: ['postal restart'],
                configChanges: [configEdit(ctx.config, 'smtp_server.default_bind_address', '::')],
              }
            : { kind: 'manual', summary: `Listen on every address: ${rebindText(where, '::')}`, commands: ['postal start'] },
        },
      ];
    }
    const addresses = await listenAddresses(ctx, bind);
    if (addresses.length === 0) return [{ target: null, status: 'unknown', messageId: 'no-addresses' }];
    return judgeEach(ctx.options, addresses, async (address): Promise<Finding> => {
      if (bind === '0.0.0.0' && isIP(address) === 6) {
        return {
          target: hostPort(address, listener.port),
          status: 'skip',
          messageId: 'ipv4-only',
          data: { address, setting },
        };
      }
      return checkAddress(ctx, address, listener.port, hostname, listenerOrigin(where));
    });
  },
};
