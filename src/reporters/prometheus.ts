import type { Report, Result, Status } from '../core/types.js';
import { STATUSES } from '../core/types.js';
import type { ReporterOptions } from './common.js';

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
      'Status of a check for one target: -1 skip, 0 pass, 1 warn, 2 fail, 3 unknown; the status label names it.',
      worstPerSeries(report.results).map((result) => ({
        labels: { check: result.check, group: result.group, target: result.target ?? '', status: result.status },
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
    ...family('postal_doctor_exit_code', 'Exit code of the last run (0 nothing at or above --fail-on, 1 otherwise).', [
      { labels: {}, value: report.exitCode },
    ]),
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
