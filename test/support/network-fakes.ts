import type { CommandProbe, CommandRun, HostAddress, HostProbe, TcpAttempt, TcpProbe } from '../../src/probes/types.js';

export interface TcpCall {
  host: string;
  port: number;
  localAddress?: string;
  readBanner: boolean;
  timeoutMs: number;
}

type AttemptSpec = TcpAttempt['outcome'] | Partial<TcpAttempt>;

/**
 * A TCP probe from a table keyed `source->host:port` (outbound probes) or `host:port`.
 * `[v6]:port` is written with brackets. An unlisted connection is refused. Calls are recorded.
 */
export function fakeTcp(table: Record<string, AttemptSpec>, calls: TcpCall[] = []): TcpProbe {
  return {
    async connect(target) {
      calls.push({ ...target });
      const where = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
      const spec = table[`${target.localAddress}->${where}`] ?? table[where] ?? 'refused';
      const attempt: Partial<TcpAttempt> = typeof spec === 'string' ? { outcome: spec } : spec;
      const outcome = attempt.outcome ?? 'banner';
      return {
        outcome,
        ms: attempt.ms ?? (outcome === 'timeout' ? target.timeoutMs : 12),
        ...(outcome === 'refused' && !attempt.code ? { code: 'ECONNREFUSED' } : {}),
        ...attempt,
      };
    },
  };
}

export const ok = (stdout: string): CommandRun => ({ outcome: 'ok', exitCode: 0, stdout, stderr: '' });
export const notFound: CommandRun = { outcome: 'not-found', exitCode: null, stdout: '', stderr: '' };
export const denied = (command: string): CommandRun => ({
  outcome: 'failed',
  exitCode: 4,
  stdout: '',
  stderr: `${command} v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n`,
});

/** A commands probe keyed by the full command line (`iptables-save -t nat`); unlisted commands are not installed. */
export function fakeCommands(table: Record<string, CommandRun | string>, calls: string[] = []): CommandProbe {
  return {
    async run(command, args) {
      const line = [command, ...args].join(' ');
      calls.push(line);
      const entry = table[line];
      if (entry === undefined) return notFound;
      return typeof entry === 'string' ? ok(entry) : entry;
    },
  };
}

/** An empty nat table as iptables-save prints it on a host without rules. */
export const EMPTY_NAT = '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n';
export const EMPTY_NFT = '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]}';

/** A host probe with the given addresses: `[address, interface]`; loopback addresses are marked internal. */
export function fakeHost(addresses: Array<[string, string]>): HostProbe {
  return {
    async addresses(): Promise<HostAddress[]> {
      return addresses.map(([address, name]) => ({
        address,
        family: address.includes(':') ? 6 : 4,
        interface: name,
        internal: name === 'lo',
      }));
    },
  };
}
