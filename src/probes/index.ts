import type { RunOptions } from '../core/types.js';
import type { Probes } from './types.js';
import { createFileProbe } from './files.js';
import { createCommandProbe } from './commands.js';
import { createHostProbe } from './host.js';

/**
 * The real probes. DNS, TCP, SMTP/TLS and the database client are loaded on first use,
 * so commands that never touch the network (and --help) do not pay for them.
 */
export function createProbes(options: RunOptions): Probes {
  const lazily = <T>(load: () => Promise<T>) => {
    let loaded: Promise<T> | undefined;
    return () => (loaded ??= load());
  };
  const dns = lazily(async () => (await import('./dns.js')).createDnsProbe(options));
  const tcp = lazily(async () => (await import('./tcp.js')).createTcpProbe());
  const smtp = lazily(async () => (await import('./smtp.js')).createSmtpProbe());
  const database = lazily(async () => (await import('./database.js')).createDatabaseProbe());
  const http = lazily(async () => (await import('./http.js')).createHttpProbe());
  const trust = lazily(async () => (await import('./trust.js')).createTrustProbe());
  return {
    dns: {
      query: async (...args) => (await dns()).query(...args),
      queryServer: async (...args) => (await dns()).queryServer(...args),
    },
    tcp: { connect: async (...args) => (await tcp()).connect(...args) },
    smtp: { session: async (...args) => (await smtp()).session(...args) },
    database: {
      ipPools: async (...args) => (await database()).ipPools(...args),
      domains: async (...args) => (await database()).domains(...args),
    },
    files: createFileProbe(options.hostRoot),
    commands: createCommandProbe(),
    host: createHostProbe(),
    trust: { roots: async () => (await trust()).roots() },
    http: { get: async (...args) => (await http()).get(...args) },
    clock: { now: () => new Date() },
  };
}
