import type { Result, Summary } from './types.js';
import { STATUSES } from './types.js';

/** The lowest status that makes the run exit 1 (`--fail-on`). */
export const FAIL_ON_LEVELS = ['fail', 'warn', 'unknown'] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

export function summarise(results: readonly Result[]): Summary {
  const summary = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Summary;
  for (const result of results) summary[result.status]++;
  return summary;
}

/** Whether any check reached a verdict (pass, warn or fail); a run of unknowns and skips checked nothing. */
export function reachedVerdict(summary: Summary): boolean {
  return summary.pass + summary.warn + summary.fail > 0;
}

/**
 * Exit code of `check` (PRODUCT §3): 1 when a result is at or above `--fail-on` (`fail`; `warn` adds warnings;
 * `unknown` adds warnings and unknowns), and 1 when no check reached a verdict at all, whatever `--fail-on`
 * says: a run that could look at nothing (every result unknown, say as a user without permissions) must not
 * let a deploy through.
 */
export function exitCodeFor(summary: Summary, failOn: FailOn): 0 | 1 {
  if (!reachedVerdict(summary)) return 1;
  if (summary.fail > 0) return 1;
  if (failOn !== 'fail' && summary.warn > 0) return 1;
  if (failOn === 'unknown' && summary.unknown > 0) return 1;
  return 0;
}
