import type { Report, Result, Status } from '../core/types.js';
import { STATUSES } from '../core/types.js';
import type { ReporterOptions, RunFailure } from './common.js';

/** The value of `postal_doctor_check_status`: higher is worse, except that a skip is below everything. */
const SEVERITY: Record<Status, number> = { skip: -1, pass: 0, warn: 1, fail: 2, unknown: 3 };

/** Which of two results for the same series is kept: the worse one, a failure outranking an unknown (as in Nagios). */
const RANK: Record<Status, number> = { skip: 0, pass: 1, warn: 2, unknown: 3, fail: 4 };

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labels(values: Record<string, string>): string {
  const pairs = Object.entries(values).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

interface Sample {
  labels: Record<string, string>;
  value: number;
}

function family(name: string, help: string, samples: Sample[]): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`, ...samples.map((sample) => `${name}${labels(sample.labels)} ${sample.value}`)];
}

/**
 * One result per check and target: node_exporter rejects the whole file when a series repeats,
 * so two results of a check for the same target are reported as the worse of the two.
 */
function worstPerSeries(results: readonly Result[]): Result[] {
  const kept = new Map<string, Result>();
  for (const result of results) {
    const key = JSON.stringify([result.check, result.target]);
    const previous = kept.get(key);
    if (!previous || RANK[result.status] > RANK[previous.status]) kept.set(key, result);
  }
  return [...kept.values()];
}

/** `--format prometheus`: the node_exporter textfile-collector format, one gauge per result plus run totals. */
export function renderPrometheus(report: Report, _options: ReporterOptions): string {
  const finishedAt = (Date.parse(report.startedAt) + report.durationMs) / 1000;
  const lines = [
    ...family(
      'postal_doctor_check_status',
      'Status of a check for one target: -1 skip, 0 pass, 1 warn, 2 fail, 3 unknown (one series per check and target, whatever its status).',
      worstPerSeries(report.results).map((result) => ({
        labels: { check: result.check, group: result.group, target: result.target ?? '' },
        value: SEVERITY[result.status],
      })),
    ),
    ...family(
      'postal_doctor_results',
      'Number of results of the last run by status.',
      STATUSES.map((status) => ({ labels: { status }, value: report.summary[status] })),
    ),
    ...family('postal_doctor_run_duration_seconds', 'How long the last run took.', [{ labels: {}, value: report.durationMs / 1000 }]),
    ...family('postal_doctor_last_run_timestamp_seconds', 'When the last run finished, in seconds since the Unix epoch.', [
      { labels: {}, value: finishedAt },
    ]),
    ...runFamilies(report.exitCode, null),
    ...(report.baseline
      ? family('postal_doctor_baseline_problems', 'With --baseline: problems new or still there since the earlier report, and its problems now gone.', [
          { labels: { change: 'new' }, value: report.baseline.new },
          { labels: { change: 'still' }, value: report.baseline.still },
          { labels: { change: 'gone' }, value: report.baseline.gone.length },
        ])
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** The metrics every file has, also when the doctor could not run: exit code, time, and whether it ran at all. */
function runFamilies(exitCode: number, reason: string | null): string[] {
  return [
    ...family('postal_doctor_exit_code', 'Exit code of the last run (0 nothing at or above --fail-on, 1 otherwise, 2 the doctor could not run).', [
      { labels: {}, value: exitCode },
    ]),
    ...family('postal_doctor_run_error', 'Whether the last run could not be done at all (no config file, unreadable file): 1, else 0.', [
      { labels: {}, value: reason === null ? 0 : 1 },
    ]),
    ...(reason === null ? [] : family('postal_doctor_run_error_info', 'Why the last run could not be done.', [{ labels: { reason }, value: 1 }])),
  ];
}

/** The file of a run that could not happen: the error as a metric, so monitoring never keeps reading the last good run. */
export function renderPrometheusFailure(failure: RunFailure): string {
  const lines = [
    ...family('postal_doctor_last_run_timestamp_seconds', 'When the last run finished, in seconds since the Unix epoch.', [
      { labels: {}, value: Date.parse(failure.startedAt) / 1000 },
    ]),
    ...runFamilies(failure.exitCode, failure.reason),
  ];
  return `${lines.join('\n')}\n`;
}
