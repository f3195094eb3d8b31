import type { Context, Evidence } from '../../core/types.js';
import { lookup } from './lookups.js';
import { checkHost, type SpfOutcome } from './spf.js';
import { judgeEach } from '../../core/options.js';

/** What the run learnt, for the report: each SPF record read and each IP's result. */
export function spfEvidence(domain: string, outcomes: Array<{ ip: string; outcome: SpfOutcome }>): Evidence[] {
  const records = new Map<string, string>();
  for (const { outcome } of outcomes) for (const { domain: at, record } of outcome.records) records.set(at, record);
  const notes = new Set(outcomes.flatMap(({ outcome }) => outcome.notes));
  return [
    ...[...records].map(([at, record]) => ({ query: `SPF ${at}`, answer: record })),
    ...outcomes.map(({ ip, outcome }) => ({
      query: `check_host(${ip}, ${domain})`,
      answer: `${outcome.result}: ${outcome.reason} (${outcome.lookups} lookups, ${outcome.voidLookups} void)`,
    })),
    ...[...notes].map((note) => ({ query: 'note', answer: note })),
  ];
}

/** Evaluates SPF at `domain` for each IP, sharing the run's DNS answers. */
export function evaluateAll(ctx: Context, domain: string, ips: string[]): Promise<Array<{ ip: string; outcome: SpfOutcome }>> {
  return judgeEach(ctx.options, ips, async (ip) => ({ ip, outcome: await checkHost(ip, domain, (name, type) => lookup(ctx, name, type)) }));
}
