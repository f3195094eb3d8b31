import { readFile } from 'node:fs/promises';
import { DoctorError } from '../util/errors.js';
import { readAsset } from './assets.js';
import type { BaselineComparison, Change, Report, Result, Status } from './types.js';

/**
 * `check --baseline <report.json>`: each problem of this run is marked `new` or `still` (there), and the
 * problems of the earlier report that this run no longer finds are listed as `gone`. Any report written
 * with `--format json` is a baseline, including one written with `--baseline` itself.
 */

const PROBLEM_STATUSES: readonly Status[] = ['fail', 'warn', 'unknown'];

const isProblem = (result: Pick<Result, 'status'>) => PROBLEM_STATUSES.includes(result.status);

/**
 * The same problem in two runs: same check, same target, same status. A warning that became a
 * failure is a new problem (and the warning is gone): it is worse, and `--fail-on new` must see it.
 */
const identity = (result: Pick<Result, 'check' | 'target' | 'status'>) => JSON.stringify([result.check, result.target, result.status]);

export interface Baseline {
  path: string;
  startedAt: string;
  problems: Result[];
}

const REPORT_HINT = 'a baseline is a report written with --format json -o <file>';

/** What schema/report.v1.json requires of a report and of each result: enough to compare with one. */
function requiredKeys(): { report: string[]; result: string[]; statuses: string[] } {
  const schema = JSON.parse(readAsset('schema/report.v1.json')) as {
    required: string[];
    $defs: { result: { required: string[] }; status: { enum: string[] } };
  };
  return { report: schema.required, result: schema.$defs.result.required, statuses: schema.$defs.status.enum };
}

function shapeProblem(document: unknown): string | null {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return 'it is not a JSON object';
  const report = document as Record<string, unknown>;
  const required = requiredKeys();
  const missing = required.report.filter((key) => !(key in report));
  if (missing.length > 0) return `it has no ${missing.join(', ')}`;
  if (report.schemaVersion !== 1) return `its schemaVersion is ${JSON.stringify(report.schemaVersion)}, not 1`;
  if (!Array.isArray(report.results)) return 'its results are not a list';
  for (const [index, result] of report.results.entries()) {
    const fields = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
    const absent = required.result.filter((key) => !(key in fields));
    if (absent.length > 0) return `result ${index + 1} has no ${absent.join(', ')}`;
    if (!required.statuses.includes(fields.status as string)) return `result ${index + 1} has the status ${JSON.stringify(fields.status)}`;
  }
  return null;
}

/** Reads an earlier JSON report; a file that is not one is a one-line error naming it. */
export async function loadBaseline(path: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DoctorError(`${path}: cannot read the baseline (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new DoctorError(`${path}: not JSON; ${REPORT_HINT}`);
  }
  const problem = shapeProblem(document);
  if (problem) throw new DoctorError(`${path}: not a postal-doctor report (${problem}); ${REPORT_HINT}`);
  const report = document as Report;
  // A report written with --baseline carries marks of its own comparison; they say nothing about this one.
  const problems = report.results.filter(isProblem).map(({ change: _change, ...result }) => result);
  return { path, startedAt: report.startedAt, problems };
}

/**
 * Marks this run's problems against the baseline. A baseline problem is gone only when this run looked
 * again: a check or target that was skipped (`--offline`, `--skip`, `--only`, a failed prerequisite) or
 * not run at all tells nothing.
 */
export function compareWithBaseline(results: readonly Result[], baseline: Baseline): { results: Result[]; comparison: BaselineComparison } {
  const earlier = new Map<string, number>();
  for (const problem of baseline.problems) earlier.set(identity(problem), (earlier.get(identity(problem)) ?? 0) + 1);

  const marked = results.map((result): Result => {
    if (!isProblem(result)) return result;
    const key = identity(result);
    const count = earlier.get(key) ?? 0;
    if (count === 0) return { ...result, change: 'new' };
    earlier.set(key, count - 1);
    return { ...result, change: 'still' };
  });

  const lookedAgain = new Set(results.filter((result) => result.status !== 'skip').map((result) => result.check));
  const skippedTargets = new Set(results.filter((result) => result.status === 'skip').map((result) => JSON.stringify([result.check, result.target])));
  const gone = baseline.problems.filter((problem) => {
    const key = identity(problem);
    const unmatched = earlier.get(key) ?? 0;
    if (unmatched === 0 || !lookedAgain.has(problem.check) || skippedTargets.has(JSON.stringify([problem.check, problem.target]))) return false;
    earlier.set(key, unmatched - 1);
    return true;
  });

  const count = (change: Change) => marked.filter((result) => result.change === change).length;
  return { results: marked, comparison: { startedAt: baseline.startedAt, new: count('new'), still: count('still'), gone } };
}

/** A problem that `--fail-on new` counts: new since the baseline and a warning or a failure (an unknown never gates). */
export function isNewProblem(result: Result): boolean {
  return result.change === 'new' && (result.status === 'fail' || result.status === 'warn');
}

export const CHANGE_LABELS: Record<Change | 'gone', string> = { new: 'new', still: 'still there', gone: 'gone' };

/** `Since the baseline of 2026-12-01T06:00:00.000Z: 1 new, 4 still there, 2 gone.` */
export function comparisonPhrase(comparison: BaselineComparison): string {
  return `Since the baseline of ${comparison.startedAt}: ${comparison.new} new, ${comparison.still} still there, ${comparison.gone.length} gone.`;
}
