import type { Result, Summary } from './types.js';
import { STATUSES } from './types.js';
import { isNewProblem } from './baseline.js';

/** `--fail-on`: the lowest status that makes the run exit 1, or `new`: only problems new since `--baseline`. */
export type FailOn = 'fail' | 'warn' | 'new';

export function summarise(results: readonly Result[]): Summary {
  const summary = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Summary;
  for (const result of results) summary[result.status]++;
  return summary;
}

/**
 * Whether a result makes `check` exit 1 (PRODUCT §3): it is at or above `--fail-on`, or new under `--fail-on new`.
 * `unknown` and `skip` never do — an unknown is reported in every format, and gating
 * a deploy on a flaky resolver would make the gate itself flaky.
 */
export function failsTheRun(result: Result, failOn: FailOn): boolean {
  if (failOn === 'new') return isNewProblem(result);
  return result.status === 'fail' || (failOn === 'warn' && result.status === 'warn');
}

export function exitCodeFor(results: readonly Result[], failOn: FailOn): 0 | 1 {
  return results.some((result) => failsTheRun(result, failOn)) ? 1 : 0;
}

/** Nagios plugin exit code: the worst result decides, and a failure outranks an unknown. */
export function nagiosCodeFor(summary: Summary): 0 | 1 | 2 | 3 {
  if (summary.fail > 0) return 2;
  if (summary.unknown > 0) return 3;
  if (summary.warn > 0) return 1;
  return 0;
}
