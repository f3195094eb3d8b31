import { Chalk, type ChalkInstance } from 'chalk';
import type { Fix, Group, Report, Result, Status } from '../core/types.js';
import { reachedVerdict } from '../core/exit-code.js';
import { CHANGE_LABELS, comparisonPhrase } from '../core/baseline.js';
import {
  type ReporterOptions,
  GROUP_HEADINGS,
  checkAndTarget,
  configChangesYaml,
  countsPhrase,
  fixSteps,
  formatAnswer,
  formatSeconds,
  isProblem,
  oneLine,
  printable,
  problemsFirst,
  resultsByGroup,
} from './common.js';

/**
 * The terminal report, a triage: each group's problems in full (message and fix), its passes and skips
 * summed up in one line each, the verdict last; `--verbose` shows every result with its evidence. It is
 * made of three parts (header, one section per group, footer) so that the CLI can print each group as soon
 * as its checks are done, and the streamed text is the same as `renderHuman` of the finished report.
 */

const SYMBOLS: Record<Status, string> = { pass: '✔', warn: '▲', fail: '✖', unknown: '?', skip: '-' };

const RESULT_INDENT = '  ';
const DETAIL_INDENT = '      ';
const FIX_INDENT = '        ';
const YAML_INDENT = '          ';

/** Results the runner made for checks switched off with --skip: listed once in the footer, not in their groups. */
const SWITCHED_OFF = 'runner.skipped';

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

/** A word of a line, with its colour; `gap` puts two spaces before it (the check id after a title). */
interface Word {
  text: string;
  style?: (text: string) => string;
  gap?: boolean;
}

const words = (text: string, style?: (text: string) => string): Word[] =>
  text
    .split(' ')
    .filter((word) => word.length > 0)
    .map((word) => ({ text: word, style }));

/**
 * Words laid out in lines of at most `width` columns: the first line starts at `indent`, the others at
 * `hang`. A word longer than a line is left whole. Width 0 puts everything on one line.
 */
export function wrapWords(items: Word[], width: number, indent: string, hang: string): string[] {
  const lines: string[] = [];
  let line = indent;
  let length = indent.length;
  let empty = true;
  for (const word of items) {
    const separator = empty ? '' : word.gap ? '  ' : ' ';
    if (!empty && width > 0 && length + separator.length + word.text.length > width) {
      lines.push(line);
      line = hang;
      length = hang.length;
      empty = true;
    }
    const lead = empty ? '' : word.gap ? '  ' : ' ';
    line += lead + (word.style ? word.style(word.text) : word.text);
    length += lead.length + word.text.length;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Prose: each of its lines wrapped at `indent`, continued at the same indent. */
function prose(text: string, indent: string, width: number, style?: (text: string) => string): string[] {
  return printable(text)
    .split(/\r?\n/)
    .flatMap((line) => wrapWords(words(line, style), width, indent, indent));
}

/** Commands and records exactly as they are, never wrapped: they must stay pasteable. */
function verbatim(texts: readonly string[], indent: string, style: (text: string) => string): string[] {
  return texts.flatMap((text) => printable(text).split(/\r?\n/)).map((line) => style(indent + line));
}

/**
 * A fix: commands, records, then postal.yml edits as a YAML snippet under a label, then restarts. In the triage
 * view restarts are left to the footer, which lists each once: a dozen fixes all ending in `postal restart`
 * need it once, after every edit.
 */
function fixLines(fix: Fix, chalk: ChalkInstance, width: number, withRestarts: boolean): string[] {
  const { commands, records, configChanges, restarts } = fixSteps(fix);
  const lines = wrapWords([{ text: 'Fix:', style: chalk.bold }, ...words(oneLine(fix.summary))], width, DETAIL_INDENT, `${DETAIL_INDENT}     `);
  lines.push(...verbatim([...commands, ...records], FIX_INDENT, chalk.cyan));
  const shownRestarts = withRestarts ? restarts : [];
  if (configChanges.length > 0) {
    lines.push(`${FIX_INDENT}${chalk.bold('In postal.yml (edit by hand):')}`, ...verbatim(configChangesYaml(configChanges), YAML_INDENT, chalk.cyan));
    if (shownRestarts.length > 0) lines.push(`${FIX_INDENT}${chalk.bold('Then run:')}`);
  }
  lines.push(...verbatim(shownRestarts, configChanges.length > 0 ? YAML_INDENT : FIX_INDENT, chalk.cyan));
  return lines;
}

/** The restarts the problems' fixes need, each once, in the order they first appear. */
function restartsOf(results: readonly Result[]): string[] {
  return [...new Set(results.filter(isProblem).flatMap((result) => (result.fix ? fixSteps(result.fix).restarts.map((command) => command.trim()) : [])))];
}

function evidenceLines(result: Result, chalk: ChalkInstance, width: number): string[] {
  return result.evidence.flatMap((item) =>
    wrapWords(words(`· ${oneLine(item.query)} → ${oneLine(formatAnswer(item.answer))}`, chalk.dim), width, DETAIL_INDENT, `${DETAIL_INDENT}  `),
  );
}

function headLine(result: Result, chalk: ChalkInstance, width: number, extra: Word[] = []): string[] {
  const symbol: Word = { text: SYMBOLS[result.status], style: paint(chalk, result.status) };
  const change: Word[] = result.change ? [{ text: `[${CHANGE_LABELS[result.change]}]`, style: chalk.bold }] : [];
  const id: Word = { text: oneLine(checkAndTarget(result)), style: chalk.dim, gap: true };
  return wrapWords([symbol, ...change, ...words(oneLine(result.title)), id, ...extra], width, RESULT_INDENT, `${RESULT_INDENT}  `);
}

/** One result in full: its line, message, (with --verbose) evidence, and for a problem its fix. */
function resultLines(result: Result, chalk: ChalkInstance, verbose: boolean, width: number): string[] {
  if (result.status === 'skip') return headLine(result, chalk, width, words(`— ${oneLine(result.message)}`, chalk.dim));
  const lines = headLine(result, chalk, width);
  if (isProblem(result) || verbose) lines.push(...prose(result.message, DETAIL_INDENT, width));
  if (verbose) lines.push(...evidenceLines(result, chalk, width));
  if (isProblem(result) && result.fix) lines.push(...fixLines(result.fix, chalk, width, verbose));
  return lines;
}

/** `tls.files ×2`, `tls.chain`: the checks of some results, each once, with how many results it had. */
function checkList(results: readonly Result[]): string[] {
  const counts = new Map<string, number>();
  for (const result of results) counts.set(result.check, (counts.get(result.check) ?? 0) + 1);
  return [...counts].map(([check, count]) => (count > 1 ? `${check} ×${count}` : check));
}

/** A list as words that break only between items: `a, b ×2, c`. */
function listWords(items: readonly string[], style?: (text: string) => string, open = '', close = ''): Word[] {
  return items.map((item, index) => ({ text: `${index === 0 ? open : ''}${item}${index < items.length - 1 ? ',' : close}`, style }));
}

/** The one line that stands for a group's passes or skips in the triage view. */
function summedUpLine(status: 'pass' | 'skip', results: Result[], chalk: ChalkInstance, width: number): string[] {
  const reasons = new Set(results.map((result) => oneLine(result.message)));
  const what = words(status === 'pass' ? `${results.length} passed:` : `${results.length} skipped:`);
  const checks = checkList(results);
  const detail =
    status === 'skip' && reasons.size === 1 ? [...words([...reasons][0]!), ...listWords(checks, chalk.dim, '(', ')')] : listWords(checks, chalk.dim);
  const symbol: Word = { text: SYMBOLS[status], style: paint(chalk, status) };
  return wrapWords([symbol, ...what, ...detail], width, RESULT_INDENT, `${RESULT_INDENT}  `);
}

function chalkFor(options: ReporterOptions): ChalkInstance {
  return new Chalk({ level: options.color ? 1 : 0 });
}

/** The first line: the tool and the config file it read. */
export function renderHumanHeader(tool: Report['tool'], configPath: string, options: ReporterOptions): string {
  const chalk = chalkFor(options);
  return `${chalk.bold(oneLine(`${tool.name} ${tool.version}`))}${chalk.dim(` — ${oneLine(configPath)}`)}\n`;
}

/** A group's section: its heading and its results (problems in full; the rest summed up unless --verbose). Empty when nothing is shown. */
export function renderHumanGroup(group: Group, groupResults: readonly Result[], options: ReporterOptions): string {
  const chalk = chalkFor(options);
  const width = options.width ?? 0;
  const results = groupResults.filter((result) => result.messageId !== SWITCHED_OFF);
  const lines: string[] = [];
  if (options.verbose) {
    for (const result of results) lines.push(...resultLines(result, chalk, true, width));
  } else if (options.changesOnly) {
    for (const result of results.filter((entry) => entry.change === 'new')) lines.push(...resultLines(result, chalk, false, width));
  } else {
    for (const result of results.filter(isProblem)) lines.push(...resultLines(result, chalk, false, width));
    if (!options.quiet) {
      for (const status of ['pass', 'skip'] as const) {
        const members = results.filter((result) => result.status === status);
        if (members.length > 0) lines.push(...summedUpLine(status, members, chalk, width));
      }
    }
  }
  if (lines.length === 0) return '';
  return `\n${chalk.bold.underline(GROUP_HEADINGS[group])}\n${lines.join('\n')}\n`;
}

/** What --baseline adds: the counts of changes, and the problems that are gone with the status they had. */
function baselineLines(comparison: NonNullable<Report['baseline']>, chalk: ChalkInstance, width: number): string[] {
  const lines = wrapWords(words(comparisonPhrase(comparison), chalk.bold), width, '', '  ');
  for (const result of comparison.gone) {
    const gone: Word[] = [{ text: '✔', style: chalk.green }, { text: `[${CHANGE_LABELS.gone}]`, style: chalk.bold }, ...words(oneLine(result.title))];
    lines.push(...wrapWords([...gone, { text: `${oneLine(checkAndTarget(result))},`, style: chalk.dim, gap: true }, ...words(`was ${result.status}`, chalk.dim)], width, RESULT_INDENT, `${RESULT_INDENT}  `));
  }
  return lines;
}

/** The end: outbound IPs, checks switched off, the pointer to the first problem's explanation, and the verdict last. */
export function renderHumanFooter(report: Report, options: ReporterOptions): string {
  const chalk = chalkFor(options);
  const width = options.width ?? 0;
  const lines = [''];
  if (report.outboundIps.length > 0) {
    const ips = report.outboundIps.map((entry) => `${entry.ip} (${entry.source})`).join(', ');
    lines.push(...wrapWords(words(`Outbound IPs: ${oneLine(ips)}`, chalk.dim), width, '', '  '));
  }
  const switchedOff = report.results.filter((result) => result.messageId === SWITCHED_OFF);
  if (switchedOff.length > 0) lines.push(...wrapWords([...words('Switched off with --skip:', chalk.dim), ...listWords(checkList(switchedOff), chalk.dim)], width, '', '  '));
  const restarts = options.verbose ? [] : restartsOf(report.results);
  if (restarts.length > 0) {
    lines.push(...wrapWords(words('Then restart, once, after the changes above (each fix says which restart it needs):'), width, '', '  '));
    lines.push(...verbatim(restarts, RESULT_INDENT, chalk.cyan));
  }
  const [firstProblem] = problemsFirst(report.results);
  if (firstProblem) {
    const pointer = [...words('Run'), ...words(`postal-doctor explain ${firstProblem.check}`, chalk.bold), ...words('for what it checks and how to fix it.')];
    lines.push(...wrapWords(pointer, width, '', '  '));
  }
  if (report.baseline) lines.push(...baselineLines(report.baseline, chalk, width));
  const { summary } = report;
  if (!reachedVerdict(summary)) lines.push(...wrapWords(words('No check reached a verdict (every result is unknown or skipped): nothing was checked, so the run fails.'), width, '', '  '));
  const worst = summary.fail > 0 ? 'fail' : summary.warn > 0 ? 'warn' : summary.unknown > 0 ? 'unknown' : 'pass';
  const verdict = [...words(countsPhrase(summary), (text) => paint(chalk, worst)(chalk.bold(text))), ...words(`in ${formatSeconds(report.durationMs)}`)];
  lines.push(...wrapWords(verdict, width, '', '  '));
  return `${lines.join('\n')}\n`;
}

export function renderHuman(report: Report, options: ReporterOptions): string {
  return [
    renderHumanHeader(report.tool, report.config.path, options),
    ...resultsByGroup(report.results).map(([group, results]) => renderHumanGroup(group, results, options)),
    renderHumanFooter(report, options),
  ].join('');
}
