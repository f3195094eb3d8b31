import type { Report, Result, Status, Summary } from '../core/types.js';
import { reachedVerdict } from '../core/exit-code.js';
import { type ReporterOptions, checkAndTarget, oneLine } from './common.js';
import { CHANGE_LABELS } from '../core/baseline.js';

/**
 * Nagios plugin exit code: the worst result decides, and a failure outranks an unknown; a run in which no
 * check reached a verdict is UNKNOWN, not OK.
 */
export function nagiosCodeFor(summary: Summary): 0 | 1 | 2 | 3 {
  if (summary.fail > 0) return 2;
  if (summary.unknown > 0 || !reachedVerdict(summary)) return 3;
  if (summary.warn > 0) return 1;
  return 0;
}

const STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
const PROBLEM_STATES: Partial<Record<Status, (typeof STATES)[number]>> = { fail: 'CRITICAL', warn: 'WARNING', unknown: 'UNKNOWN' };

/** Problems in the order of the states they raise: the ones that decided the plugin's state come first. */
function problemsByState(results: readonly Result[]): Result[] {
  return (['fail', 'unknown', 'warn'] as const).flatMap((status) => results.filter((result) => result.status === status));
}

/** Titles named on the status line; the rest are in the long output. */
const TITLES_ON_STATUS_LINE = 3;

/** Plugin output text: one line, and no `|`, which starts the performance data. */
function pluginText(text: string): string {
  return oneLine(text).replaceAll('|', '¦');
}

function statusLine(report: Report, problems: Result[]): string {
  const { summary } = report;
  const state = STATES[nagiosCodeFor(summary)];
  if (problems.length === 0) return `POSTAL-DOCTOR ${state} - ${summary.pass} passed, ${summary.skip} skipped`;
  const counts = [
    summary.fail > 0 && `${summary.fail} failed`,
    summary.unknown > 0 && `${summary.unknown} unknown`,
    summary.warn > 0 && `${summary.warn} ${summary.warn === 1 ? 'warning' : 'warnings'}`,
  ].filter(Boolean);
  const titles = problems.slice(0, TITLES_ON_STATUS_LINE).map((result) => pluginText(result.title));
  if (problems.length > TITLES_ON_STATUS_LINE) titles.push(`and ${problems.length - TITLES_ON_STATUS_LINE} more`);
  return `POSTAL-DOCTOR ${state} - ${counts.join(', ')}: ${titles.join('; ')}`;
}

/** `label=value[UOM];warn;crit;min;max` — a count above 0 of warnings or failures is what raises the state. */
function perfdata(report: Report): string {
  const { summary } = report;
  return [
    `pass=${summary.pass};;;0`,
    `warn=${summary.warn};0;;0`,
    `fail=${summary.fail};;0;0`,
    `unknown=${summary.unknown};;;0`,
    `skip=${summary.skip};;;0`,
    `duration=${(report.durationMs / 1000).toFixed(3)}s;;;0`,
    ...(report.baseline ? [`new=${report.baseline.new};;;0`, `gone=${report.baseline.gone.length};;;0`] : []),
  ].join(' ');
}

function problemLine(result: Result): string {
  const change = result.change ? ` [${CHANGE_LABELS[result.change]}]` : '';
  return pluginText(`[${PROBLEM_STATES[result.status]}]${change} ${result.title} (${checkAndTarget(result)}): ${result.message}`);
}

function goneLine(result: Result): string {
  return pluginText(`[${CHANGE_LABELS.gone}] ${result.title} (${checkAndTarget(result)}), was ${result.status}`);
}

/**
 * `--format nagios`: a status line with performance data, then one line per problem (long output).
 * The process exit code is `nagiosCodeFor(report.summary)`.
 */
export function renderNagios(report: Report, _options: ReporterOptions): string {
  const problems = problemsByState(report.results);
  const gone = report.baseline?.gone ?? [];
  return `${[`${statusLine(report, problems)} | ${perfdata(report)}`, ...problems.map(problemLine), ...gone.map(goneLine)].join('\n')}\n`;
}
