import { Resolver } from 'node:dns/promises';
import { joinHostPort, splitHostPort } from '../util/host-port.js';
import { isIP } from 'node:net';
import type { RunOptions } from '../core/types.js';
import { canonicalIp, normaliseHostname as normaliseName } from '../util/ip.js';
import type { DnsAnswer, DnsErrorCode, DnsProbe, DnsType } from './types.js';
import { limiter, type Limiter } from '../util/limiter.js';

/** node:dns error codes that mean "ask again once": a lost packet or a resolver having a bad moment. */
const RETRIED: ReadonlySet<DnsErrorCode> = new Set(['timeout', 'servfail']);

const ERROR_CODES: Record<string, DnsErrorCode> = {
  ETIMEOUT: 'timeout',
  EREFUSED: 'refused',
  ESERVFAIL: 'servfail',
  ECONNREFUSED: 'unreachable',
};

/**
 * A resolver address as c-ares wants it: `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53`, `[2001:db8::53]:5353`.
 * Throws a one-line error for anything else (host names are not accepted: they would need a resolver themselves).
 */
function resolverServer(text: string, flag = '--resolver'): string {
  const parts = splitHostPort(text);
  if (!parts || !isIP(parts.host)) {
    throw new Error(`${flag} "${text}": expected an IP address with an optional port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:5353)`);
  }
  const address = canonicalIp(parts.host);
  return parts.port === null ? address : joinHostPort(address, parts.port);
}

interface Upstream {
  /** Runs one question on a channel: more channels, each with its own socket, as more questions are in flight. */
  withChannel<T>(use: (resolver: Resolver) => Promise<T>): Promise<T>;
  /** For messages: which servers were asked. */
  label: string;
  /** The servers as given (canonical), '' for the system's. */
  servers: string;
  /** Its own bound on questions in flight. */
  limited: Limiter;
}

/**
 * Questions in flight per c-ares channel. Each channel reads its answers from one UDP socket; answers that come
 * back together while the event loop is busy overflow a single socket's receive buffer (about 150 answers at
 * Linux's default 208 KiB) and would each cost a timeout. Channels are opened as they are needed, so a nameserver
 * asked a few questions costs one socket.
 */
const QUESTIONS_PER_CHANNEL = 32;

function upstream(addresses: string[], timeoutMs: number, maxInFlight: number, flag: string): Upstream {
  const servers = addresses.map((address) => resolverServer(address, flag));
  const open = () => {
    // One try per server: the retry is ours, so the total wait stays at two timeouts.
    const channel = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (servers.length > 0) channel.setServers(servers);
    return channel;
  };
  const channels = [{ channel: open(), inFlight: 0 }];
  return {
    async withChannel(use) {
      // The first channel with room: answers finish out of order, so a count of all questions would overfill one.
      let slot = channels.find((candidate) => candidate.inFlight < QUESTIONS_PER_CHANNEL);
      if (!slot) channels.push((slot = { channel: open(), inFlight: 0 }));
      slot.inFlight++;
      try {
        return await use(slot.channel);
      } finally {
        slot.inFlight--;
      }
    },
    label: channels[0]!.channel.getServers().join(', ') || 'the system resolver',
    servers: servers.join(' '),
    limited: limiter(maxInFlight),
  };
}

async function records(resolver: Resolver, fqdn: string, type: DnsType): Promise<string[]> {
  switch (type) {
    case 'A':
      return (await resolver.resolve4(fqdn)).sort();
    case 'AAAA':
      return (await resolver.resolve6(fqdn)).map(canonicalIp).sort();
    case 'MX':
      return (await resolver.resolveMx(fqdn))
        .map((mx) => ({ priority: mx.priority, exchange: normaliseName(mx.exchange) || '.' }))
        .sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange))
        .map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(fqdn)).map((chunks) => chunks.join('')).sort();
    case 'PTR':
      return (await resolver.resolvePtr(fqdn)).map(normaliseName).sort();
    case 'CNAME':
      return (await resolver.resolveCname(fqdn)).map(normaliseName).sort();
    case 'NS':
      return (await resolver.resolveNs(fqdn)).map(normaliseName).sort();
  }
}

/**
 * The real DNS probe (node:dns/promises over c-ares): ordinary questions go to `--resolver` (or the
 * system's), blocklist questions to `--dnsbl-resolver`. Every question waits at most `--timeout`,
 * is retried once after a timeout or SERVFAIL, and is asked once per run however many checks need it.
 * At most `--concurrency` questions are in flight at once at each server asked (the resolver, the blocklist
 * resolver, each nameserver asked directly), so a thousand IPs or domains are checked quickly without a burst of
 * thousands at any one of them.
 */
export function createDnsProbe(options: Pick<RunOptions, 'resolvers' | 'dnsblResolvers' | 'timeoutMs' | 'maxInFlight'>): DnsProbe {
  const timeoutMs = options.timeoutMs;
  const ordinary = upstream(options.resolvers, timeoutMs, options.maxInFlight, '--resolver');
  // The same servers given for both are one upstream: a question is asked of them once, whatever its purpose.
  const sameServers = options.dnsblResolvers.map((address) => resolverServer(address, '--dnsbl-resolver')).join(' ') === ordinary.servers;
  const blocklists = options.dnsblResolvers.length > 0 && !sameServers ? upstream(options.dnsblResolvers, timeoutMs, options.maxInFlight, '--dnsbl-resolver') : ordinary;
  const asked = new Map<string, Promise<DnsAnswer>>();

  async function attempt(via: Upstream, name: string, type: DnsType, query: string): Promise<DnsAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), timeoutMs);
    });
    try {
      const found = await Promise.race([via.withChannel((resolver) => records(resolver, name === '' ? '.' : `${name}.`, type)), expired]);
      if (found === 'expired') return { query, status: 'error', code: 'timeout', detail: `no answer from ${via.label} within ${timeoutMs} ms` };
      return found.length > 0 ? { query, status: 'answer', records: found } : { query, status: 'nodata' };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      if (code === 'ENOTFOUND') return { query, status: 'nxdomain' };
      if (code === 'ENODATA') return { query, status: 'nodata' };
      const mapped = ERROR_CODES[code] ?? 'other';
      const detail =
        mapped === 'timeout' ? `no answer from ${via.label} within ${timeoutMs} ms`
        : mapped === 'unreachable' ? `connection refused by ${via.label}`
        : `${code} from ${via.label}`;
      return { query, status: 'error', code: mapped, detail };
    } finally {
      clearTimeout(timer);
    }
  }

  async function ask(via: Upstream, name: string, type: DnsType): Promise<DnsAnswer> {
    const query = `${type} ${name}`;
    const first = await via.limited(() => attempt(via, name, type, query));
    if (first.status !== 'error' || !RETRIED.has(first.code)) return first;
    return via.limited(() => attempt(via, name, type, query));
  }

  // One resolver per nameserver asked directly; c-ares sends RD but an authoritative server ignores it.
  const direct = new Map<string, Upstream>();
  const serverUpstream = (server: string): Upstream => {
    let found = direct.get(server);
    if (!found) direct.set(server, (found = upstream([server], timeoutMs, options.maxInFlight, 'nameserver')));
    return found;
  };

  return {
    queryServer(server, name, type) {
      const normalised = normaliseName(name);
      const key = `@${server} ${type} ${normalised}`;
      let pending = asked.get(key);
      if (!pending) {
        pending = ask(serverUpstream(server), normalised, type);
        asked.set(key, pending);
      }
      return pending;
    },
    query(name, type, purpose = 'default') {
      const normalised = normaliseName(name);
      const via = purpose === 'dnsbl' ? blocklists : ordinary;
      const key = `${via === ordinary ? 'default' : 'dnsbl'} ${type} ${normalised}`;
      let pending = asked.get(key);
      if (!pending) {
        pending = ask(via, normalised, type);
        asked.set(key, pending);
      }
      return pending;
    },
  };
}
