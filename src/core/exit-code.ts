import type { Result, Summary } from './types.js';
import { STATUSES } from './types.js';
import { isNewProblem } from './baseline.js';

/** `--fail-on`: the lowest status that makes the run exit 1, or `new`: only problems new since `--baseline`. */
export const FAIL_ON_LEVELS = ['fail', 'warn', 'unknown', 'new'] as const;
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

const AT_OR_ABOVE: Record<Exclude<FailOn, 'new'>, readonly Result['status'][]> = {
  fail: ['fail'],
  warn: ['fail', 'warn'],
  unknown: ['fail', 'warn', 'unknown'],
};

/** Whether a result makes `check` exit 1: it is at or above `--fail-on`, or new under `--fail-on new`. */
export function failsTheRun(result: Result, failOn: FailOn): boolean {
  if (failOn === 'new') return isNewProblem(result);
  return AT_OR_ABOVE[failOn].includes(result.status);
}

/**
 * Exit code of `check` (PRODUCT §3): 1 when a result fails the run under `--fail-on`, and 1 when no check
 * reached a verdict at all, whatever `--fail-on` says: a run that could look at nothing (every result
 * unknown, say as a user without permissions) must not let a deploy through.
 */
export function exitCodeFor(results: readonly Result[], failOn: FailOn): 0 | 1 {
  if (!reachedVerdict(summarise(results))) return 1;
  return results.some((result) => failsTheRun(result, failOn)) ? 1 : 0;
}
