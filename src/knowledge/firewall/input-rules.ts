import type { CheckContext, Evidence } from '../../core/types.js';
import { defineFact } from '../../core/facts.js';
import type { CommandRun } from '../../probes/types.js';
import { ipFamily } from '../../util/ip.js';
import { parseIptablesSave } from './iptables-rules.js';
import { parseNftRuleset } from './nft-rules.js';
import { traceConnection, type BaseChain, type Family, type Scenario } from './nat-model.js';
import { hostView } from './nat-rules.js';

/**
 * The host's filter rules for connections to itself: iptables' and ip6tables' filter INPUT chains, and the filter
 * chains nft-native tables attach to the input hook. They are walked with the nat model's evaluator: a new TCP
 * connection from another machine comes in on one of the host's interfaces and goes out on none, the questions the
 * model answers for prerouting, so these chains are given to it under that hook. A chain's policy is not read.
 */
export interface InputView {
  bases: BaseChain[];
  /** What each command returned, in short. */
  evidence: Evidence[];
}

const NFT_FAMILIES: Record<string, Family | 'both' | undefined> = { ip: 4, ip6: 6, inet: 'both' };

function outcomeOf(run: CommandRun): { text: string } | { reason: string } {
  if (run.outcome === 'ok') return { text: run.stdout };
  if (run.outcome === 'not-found') return { reason: 'not installed' };
  return { reason: run.outcome === 'timeout' ? 'timed out' : (run.stderr.trim().split('\n')[0] ?? '') || `exit code ${run.exitCode}` };
}

/** Reads and parses the INPUT filtering once per run. Never throws: what cannot be read drops nothing. */
export const inputRules = defineFact({
  name: 'input filter rules',
  probes: ['commands'],
  async compute(ctx): Promise<InputView> {
    const run = (command: string, args: string[]) => ctx.probes.commands.run(command, args, { timeoutMs: ctx.options.timeoutMs }).then(outcomeOf);
    const [v4, v6, nft] = await Promise.all([run('iptables-save', ['-t', 'filter']), run('ip6tables-save', ['-t', 'filter']), run('nft', ['-j', 'list', 'ruleset'])]);
    const bases: BaseChain[] = [];
    const evidence: Evidence[] = [];
    for (const [family, tool, source] of [[4, 'iptables', v4], [6, 'ip6tables', v6]] as const) {
      const query = `${tool}-save -t filter`;
      if (!('text' in source)) {
        evidence.push({ query, answer: { error: source.reason } });
        continue;
      }
      const filter = parseIptablesSave(source.text).tables.get('filter');
      const input = filter?.chains.get('INPUT');
      if (filter && input) bases.push({ label: `${tool} filter INPUT`, family, hook: 'prerouting', priority: 0, chain: input, chains: filter.chains });
      evidence.push({ query, answer: input?.rules.map((rule) => rule.text) ?? [] });
    }
    if ('text' in nft) {
      try {
        const ruleset = parseNftRuleset(nft.text);
        const labels: string[] = [];
        for (const table of ruleset.tables) {
          const family = NFT_FAMILIES[table.family];
          // Tables iptables-nft manages are read through iptables-save above.
          if (table.compat || family === undefined) continue;
          for (const chain of table.baseChains.filter((base) => base.type === 'filter' && base.hook === 'input')) {
            const label = `nft ${table.family} ${table.name} ${chain.name}`;
            labels.push(label);
            bases.push({ label, family, hook: 'prerouting', priority: chain.priority, chain: table.chains.get(chain.name)!, chains: table.chains });
          }
        }
        evidence.push({ query: 'nft -j list ruleset', answer: labels });
      } catch (error) {
        evidence.push({ query: 'nft -j list ruleset', answer: { error: (error as Error).message } });
      }
    } else {
      evidence.push({ query: 'nft -j list ruleset', answer: { error: nft.reason } });
    }
    return { bases, evidence };
  },
});

/** What the host's filter rules do to a new TCP connection from another machine to `address`:`port`. */
export type InputVerdict = { kind: 'dropped'; rule: string; via: string } | { kind: 'not-dropped'; acceptedBy: string | null };

export async function remoteConnectionVerdict(ctx: CheckContext, address: string, port: number): Promise<InputVerdict> {
  const [view, host] = await Promise.all([inputRules(ctx), hostView(ctx)]);
  const family = ipFamily(address) === 6 ? 6 : 4;
  const scenario: Scenario = {
    family,
    hook: 'prerouting',
    port,
    daddr: address,
    localAddresses: host.localAddresses[family],
    inInterfaces: host.inInterfaces.length > 0 ? host.inInterfaces : null,
  };
  // The listener only matters to nat targets, which filter chains do not have.
  const outcome = traceConnection(view.bases, scenario, { port, bindAddress: address });
  if (outcome.kind === 'dropped') return { kind: 'dropped', rule: outcome.rule, via: outcome.via };
  return { kind: 'not-dropped', acceptedBy: outcome.kind === 'missing' ? outcome.shadowedBy : null };
}
