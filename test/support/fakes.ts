import type { DnsAnswer, DnsType, Probes } from '../../src/probes/types.js';

/** A probe whose every method fails loudly: a check that uses a probe the test did not fake is a test bug. */
function unfaked<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, method) => () => {
      throw new Error(`probe ${name}.${String(method)} was used but not faked`);
    },
  });
}

/** A single probe method a test did not fake, for probes faked method by method. */
export function unfakedMethod(name: string): () => never {
  return () => {
    throw new Error(`probe ${name} was used but not faked`);
  };
}

export function fakeProbes(overrides: Partial<Probes> = {}): Probes {
  return {
    dns: unfaked('dns'),
    tcp: unfaked('tcp'),
    smtp: unfaked('smtp'),
    http: unfaked('http'),
    files: unfaked('files'),
    commands: unfaked('commands'),
    database: unfaked('database'),
    host: unfaked('host'),
    trust: unfaked('trust'),
    clock: { now: () => new Date('2026-11-27T10:00:00Z') },
    ...overrides,
  };
}

/**
 * A DNS probe from a table: `{ 'A mx.example.com': ['192.0.2.10'], 'PTR 10.2.0.192.in-addr.arpa': [...] }`.
 * A name with no entry at all is NXDOMAIN; a name with entries of other types is NODATA.
 * A value of `{ error: 'timeout' }` (or another DnsErrorCode) makes that question fail.
 * The root's NS records (`'NS '`), which the resolver sanity test asks for, are there unless the table says otherwise.
 */
export function fakeDns(entries: Record<string, string[] | { error: 'timeout' | 'refused' | 'servfail' | 'unreachable' | 'other' }>): Probes['dns'] {
  const table: typeof entries = { 'NS ': ['a.root-servers.net'], ...entries };
  const names = new Set(Object.keys(table).map((key) => key.slice(key.indexOf(' ') + 1).toLowerCase()));
  const answer = async (name: string, type: DnsType): Promise<DnsAnswer> => {
      const normalised = name.toLowerCase().replace(/\.$/, '');
      const query = `${type} ${normalised}`;
      const entry = table[query];
      if (entry && !Array.isArray(entry)) return { query, status: 'error', code: entry.error, detail: entry.error };
      if (entry) return entry.length > 0 ? { query, status: 'answer', records: [...entry].sort() } : { query, status: 'nodata' };
      return names.has(normalised) ? { query, status: 'nodata' } : { query, status: 'nxdomain' };
  };
  // Every server answers like the resolver: tests of differing views start real servers.
  return { query: answer, queryServer: (_server, name, type) => answer(name, type) };
}
