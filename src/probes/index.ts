import type { RunOptions } from '../core/types.js';
import type { Probes } from './types.js';
import { createFileProbe } from './files.js';
import { createCommandProbe } from './commands.js';
import { createHostProbe } from './host.js';

/**
 * A probe whose implementation module is loaded on the first call of any of its methods, so commands that
 * never touch the network (and --help) do not pay for DNS, TLS or the database client.
 */
function lazily<T extends object>(load: () => Promise<T>): T {
  let loaded: Promise<T> | undefined;
  return new Proxy({} as T, {
    get: (_target, method) => async (...args: unknown[]) => {
      const probe = await (loaded ??= load());
      return (Reflect.get(probe, method) as (...rest: unknown[]) => unknown).apply(probe, args);
    },
  });
}

/** The real probes. */
export function createProbes(options: RunOptions): Probes {
  return {
    dns: lazily(async () => (await import('./dns.js')).createDnsProbe(options)),
    tcp: lazily(async () => (await import('./tcp.js')).createTcpProbe()),
    smtp: lazily(async () => (await import('./smtp.js')).createSmtpProbe()),
    database: lazily(async () => (await import('./database.js')).createDatabaseProbe()),
    trust: lazily(async () => (await import('./trust.js')).createTrustProbe()),
    http: lazily(async () => (await import('./http.js')).createHttpProbe()),
    files: createFileProbe(options.hostRoot),
    commands: createCommandProbe(),
    host: createHostProbe(),
    clock: { now: () => new Date() },
  };
}
