import type { Result, Summary } from './types.js';
import { STATUSES } from './types.js';

/** The lowest status that makes the run exit 1 (`--fail-on`). */
export type FailOn = 'fail' | 'warn';

export function summarise(results: readonly Result[]): Summary {
  const summary = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Summary;
  for (const result of results) summary[result.status]++;
  return summary;
}

/**
 * Exit code of `check` (PRODUCT §3): 1 when a result is at or above `--fail-on`.
 * `unknown` and `skip` never make it 1 — an unknown is reported in every format, and gating
 * a deploy on a flaky resolver would make the gate itself flaky.
 */
export function exitCodeFor(summary: Summary, failOn: FailOn): 0 | 1 {
  if (summary.fail > 0) return 1;
  if (failOn === 'warn' && summary.warn > 0) return 1;
  return 0;
}

/** Nagios plugin exit code: the worst result decides, and a failure outranks an unknown. */
export function nagiosCodeFor(summary: Summary): 0 | 1 | 2 | 3 {
  if (summary.fail > 0) return 2;
  if (summary.unknown > 0) return 3;
  if (summary.warn > 0) return 1;
  return 0;
}
