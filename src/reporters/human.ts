import { Chalk, type ChalkInstance } from 'chalk';
import type { Fix, Report, Result, Status } from '../core/types.js';
import { CHANGE_LABELS, comparisonPhrase } from '../core/baseline.js';
import {
  type ReporterOptions,
  GROUP_HEADINGS,
  checkAndTarget,
  countsPhrase,
  formatAnswer,
  configChangeText,
  fixSteps,
  formatSeconds,
  isProblem,
  oneLine,
  printable,
  problemsFirst,
  resultsByGroup,
} from './common.js';

const SYMBOLS: Record<Status, string> = { pass: '✔', warn: '▲', fail: '✖', unknown: '?', skip: '-' };

const RESULT_INDENT = '  ';
const DETAIL_INDENT = '      ';
const FIX_INDENT = '        ';

function paint(chalk: ChalkInstance, status: Status): (text: string) => string {
  switch (status) {
    case 'pass':
      return chalk.green;
    case 'warn':
      return chalk.yellow;
    case 'fail':
      return chalk.red;
    case 'unknown':
      return chalk.magenta;
    case 'skip':
      return chalk.gray;
  }
}

function indentLines(text: string, indent: string): string[] {
  return printable(text)
    .split(/\r?\n/)
    .map((line) => indent + line);
}

function fixLines(fix: Fix, chalk: ChalkInstance): string[] {
  const { commands, records, configChanges, restarts } = fixSteps(fix);
  const lines = [`${DETAIL_INDENT}${chalk.bold('Fix:')} ${oneLine(fix.summary)}`];
  for (const text of [...commands, ...records]) lines.push(...indentLines(text, FIX_INDENT).map((line) => chalk.cyan(line)));
  for (const change of configChanges) lines.push(chalk.cyan(FIX_INDENT + oneLine(configChangeText(change))));
  for (const command of restarts) lines.push(...indentLines(command, FIX_INDENT).map((line) => chalk.cyan(line)));
  return lines;
}

function evidenceLines(result: Result, chalk: ChalkInstance): string[] {
  return result.evidence.map((item) => chalk.dim(`${DETAIL_INDENT}· ${oneLine(item.query)} → ${oneLine(formatAnswer(item.answer))}`));
}

function resultLines(result: Result, chalk: ChalkInstance, verbose: boolean): string[] {
  const colour = paint(chalk, result.status);
  const change = result.change ? `${chalk.bold(`[${CHANGE_LABELS[result.change]}]`)} ` : '';
  const head = `${RESULT_INDENT}${colour(SYMBOLS[result.status])} ${change}${oneLine(result.title)}  ${chalk.dim(oneLine(checkAndTarget(result)))}`;
  if (result.status === 'skip') return [`${head} ${chalk.dim(`— ${oneLine(result.message)}`)}`];
  const lines = [head];
  if (isProblem(result) || verbose) lines.push(...indentLines(result.message, DETAIL_INDENT));
  if (verbose) lines.push(...evidenceLines(result, chalk));
  if (isProblem(result) && result.fix) lines.push(...fixLines(result.fix, chalk));
  return lines;
}

function outboundIpsLine(report: Report): string | null {
  if (report.outboundIps.length === 0) return null;
  const ips = report.outboundIps.map((entry) => `${entry.ip} (${entry.source})`);
  return `Outbound IPs: ${oneLine(ips.join(', '))}`;
}

/** What --baseline adds: the counts of changes and the problems that are gone, with the status they had. */
function baselineLines(comparison: NonNullable<Report['baseline']>, chalk: ChalkInstance): string[] {
  const lines = ['', chalk.bold(comparisonPhrase(comparison))];
  for (const result of comparison.gone) {
    lines.push(`${RESULT_INDENT}${chalk.green('✔')} ${chalk.bold(`[${CHANGE_LABELS.gone}]`)} ${oneLine(result.title)}  ${chalk.dim(`${oneLine(checkAndTarget(result))}, was ${result.status}`)}`);
  }
  return lines;
}

/** The terminal report: grouped by area, problems with their message and fix, passes on one line each (left out with --quiet). */
export function renderHuman(report: Report, options: ReporterOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const format = report.config.format === null ? 'unreadable' : `format ${report.config.format}`;
  const lines = [chalk.bold(oneLine(`${report.tool.name} ${report.tool.version}`)) + chalk.dim(` — ${oneLine(report.config.path)} (${format})`)];
  const ips = outboundIpsLine(report);
  if (ips) lines.push(chalk.dim(ips));

  // Against a baseline the report is about what changed; -v shows every result, marked.
  const shown =
    report.baseline && !options.verbose
      ? report.results.filter((result) => result.change === 'new')
      : options.quiet
        ? report.results.filter(isProblem)
        : report.results;
  for (const [group, results] of resultsByGroup(shown)) {
    lines.push('', chalk.bold.underline(GROUP_HEADINGS[group]));
    for (const result of results) lines.push(...resultLines(result, chalk, options.verbose));
  }

  if (report.baseline) lines.push(...baselineLines(report.baseline, chalk));

  const { summary } = report;
  const counts = countsPhrase(summary);
  const worst = summary.fail > 0 ? 'fail' : summary.warn > 0 ? 'warn' : summary.unknown > 0 ? 'unknown' : 'pass';
  lines.push('', `${paint(chalk, worst)(chalk.bold(counts))} in ${formatSeconds(report.durationMs)}`);
  const [firstProblem] = problemsFirst(report.results);
  if (firstProblem) lines.push(`Run ${chalk.bold(`postal-doctor explain ${firstProblem.check}`)} for what it checks and how to fix it.`);
  return `${lines.join('\n')}\n`;
}
