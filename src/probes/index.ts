import type { RunOptions } from '../core/types.js';
import type { Probes } from './types.js';
import { createFileProbe } from './files.js';
import { createCommandProbe } from './commands.js';
import { createHostProbe } from './host.js';
import { limiter, type Limiter } from '../util/limiter.js';

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

/** A probe each of whose calls waits for a free slot of `limit` before it starts. */
function throttled<T extends object>(probe: T, limit: Limiter): T {
  return new Proxy(probe, {
    get: (target, method) => (...args: unknown[]) => limit(async () => (Reflect.get(target, method) as (...rest: unknown[]) => unknown).apply(target, args)),
  });
}

/**
 * The real probes. TCP connections and SMTP sessions together are at most `--concurrency` at once
 * (the DNS probe bounds its questions itself).
 */
export function createProbes(options: RunOptions): Probes {
  const connections = limiter(options.maxInFlight);
  return {
    dns: lazily(async () => (await import('./dns.js')).createDnsProbe(options)),
    tcp: throttled(lazily(async () => (await import('./tcp.js')).createTcpProbe()), connections),
    smtp: throttled(lazily(async () => (await import('./smtp.js')).createSmtpProbe()), connections),
    database: lazily(async () => (await import('./database.js')).createDatabaseProbe()),
    trust: lazily(async () => (await import('./trust.js')).createTrustProbe()),
    http: lazily(async () => (await import('./http.js')).createHttpProbe()),
    files: createFileProbe(options.hostRoot),
    commands: createCommandProbe(),
    host: createHostProbe(),
    clock: { now: () => new Date() },
  };
}
