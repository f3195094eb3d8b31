import type { Probes } from '../probes/types.js';

export type ProbeName = keyof Probes;

/** Probes that reach another machine: the runner withholds them under --offline. */
export const NETWORK_PROBES: ReadonlySet<ProbeName> = new Set<ProbeName>(['dns', 'tcp', 'smtp', 'database', 'http']);

/** A check or fact used a probe it did not declare: a bug in that check, never a verdict about the host. */
export class UndeclaredProbeError extends Error {
  constructor(user: string, probe: string) {
    super(`${user} uses the ${probe} probe without declaring it`);
    this.name = 'UndeclaredProbeError';
  }
}

/** A network probe was called under --offline; checks with an optional live part catch this and say so. */
export class OfflineError extends Error {
  constructor(probe: string) {
    super(`the ${probe} probe is not used under --offline`);
    this.name = 'OfflineError';
  }
}

/** What a network call gives, or null under --offline: for the live part of a check that also works without it. */
export async function unlessOffline<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof OfflineError) return null;
    throw error;
  }
}

/** Every method of `probe` rejects (or throws, for synchronous ones) with the error `make` gives. */
function refusing<T extends object>(probe: T, make: () => Error): T {
  return new Proxy(probe, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function') return value;
      return () => {
        throw make();
      };
    },
  });
}

/** Every call of the probe's methods gets `signal` in its options object unless the caller gave one. */
function signalling<T extends object>(probe: T, name: ProbeName, signal: AbortSignal): T {
  const position = SIGNAL_ARGUMENT[name];
  if (position === undefined) return probe;
  return new Proxy(probe, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const options = (args[position] ?? {}) as { signal?: AbortSignal };
        args[position] = { ...options, signal: options.signal ?? signal };
        return (value as (...rest: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Which argument of a probe's methods is the options object that takes a `signal`. */
const SIGNAL_ARGUMENT: Partial<Record<ProbeName, number>> = { tcp: 0, smtp: 0, commands: 2, database: 1, http: 0 };

/**
 * The probes one check (or fact) may use: the declared ones, each call carrying `signal`; an undeclared one
 * throws UndeclaredProbeError; a network probe under --offline rejects with OfflineError.
 */
export function probesFor(all: Probes, user: string, declared: readonly ProbeName[], offline: boolean, signal: AbortSignal): Probes {
  const allowed = new Set(declared);
  const view = {} as Record<ProbeName, object>;
  for (const name of Object.keys(all) as ProbeName[]) {
    const probe = all[name] as object;
    if (!allowed.has(name)) view[name] = refusing(probe, () => new UndeclaredProbeError(user, name));
    else if (offline && NETWORK_PROBES.has(name)) view[name] = refusing(probe, () => new OfflineError(name));
    else view[name] = signalling(probe, name, signal);
  }
  return view as unknown as Probes;
}
