import type { Fix, Report, Result, Status } from '../core/types.js';
import { CHANGE_LABELS, comparisonPhrase } from '../core/baseline.js';
import { type ReporterOptions, configChangesYaml, countsPhrase, fixSteps, formatSeconds, oneLine, printable, problemsFirst } from './common.js';

const STATUS_LABELS: Record<Status, string> = { pass: '✔ pass', warn: '▲ warn', fail: '✖ fail', unknown: '? unknown', skip: '- skip' };

/** Text that renders as itself: Markdown punctuation and block markers at the start of a line are escaped. */
function escapeLine(line: string): string {
  return printable(line.trim())
    .replace(/[\\`*_[\]<>|~&]/g, '\\$&')
    .replace(/^(#{1,6}|[+-])(?=\s|$)/, '\\$1')
    .replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2')
    .replace(/^([=-])(?=[=-]*$)/, '\\$1');
}

function paragraph(text: string): string {
  return text
    .split(/\r?\n/)
    .map(escapeLine)
    .filter((line) => line.length > 0)
    .join('\n');
}

/** Text for a heading or a table cell: one line, pipes and backticks escaped. */
function inline(text: string): string {
  return escapeLine(oneLine(text));
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** A fenced block whose fence is longer than any backtick run inside, so the content cannot close it. */
function fenced(language: string, body: string): string {
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${printable(body)}\n${fence}`;
}

function fixBlocks(fix: Fix): string[] {
  const { commands, records, configChanges, restarts } = fixSteps(fix);
  const blocks = [`**Fix:** ${paragraph(fix.summary)}`];
  if (commands.length > 0) blocks.push(fenced('sh', commands.join('\n')));
  if (records.length > 0) blocks.push(fenced('dns', records.join('\n')));
  if (configChanges.length > 0) blocks.push(fenced('yaml', `# postal.yml\n${configChangesYaml(configChanges).join('\n')}`));
  if (restarts.length > 0) blocks.push(fenced('sh', restarts.join('\n')));
  return blocks;
}

function problemSection(result: Result): string {
  const blocks = [
    `### ${STATUS_LABELS[result.status]}${result.change ? ` (${CHANGE_LABELS[result.change]})` : ''}: ${inline(result.title)}`,
    `\`${result.check}\`${result.target === null ? '' : ` · ${inline(result.target)}`}`,
  ];
  if (result.message.trim()) blocks.push(paragraph(result.message));
  if (result.evidence.length > 0) blocks.push('**Evidence:**', fenced('json', JSON.stringify(result.evidence, null, 2)));
  if (result.fix) blocks.push(...fixBlocks(result.fix));
  return blocks.join('\n\n');
}

function environmentTable(report: Report): string {
  const ips = report.outboundIps.map((entry) => {
    const details = [entry.source, entry.hostname && `HELO ${entry.hostname}`, entry.pool && `pool ${entry.pool}`].filter(Boolean);
    return `${entry.ip} (${details.join(', ')})`;
  });
  const rows = [
    ['Tool', `${report.tool.name} ${report.tool.version}`],
    ['Config file', report.config.path],
    ['Config format', report.config.format === null ? 'not loaded' : `version ${report.config.format}`],
    ['Started', report.startedAt],
    ['Duration', formatSeconds(report.durationMs)],
    ['Outbound IPs', ips.length > 0 ? ips.join(', ') : 'none found'],
  ];
  return table(['item', 'value'], rows.map(([name = '', value = '']) => [name, inline(value)]));
}

/** Problems named in the opening summary; the rest are in the details below it. */
const TOP_PROBLEMS = 5;

/**
 * What a support engineer reads first, in ten seconds: which deployment, which Postal, which IPs, how bad,
 * and the few problems that matter most. Everything after it is detail.
 */
function opening(report: Report): string {
  const { summary } = report;
  const problems = problemsFirst(report.results);
  const ips = report.outboundIps.map((entry) => entry.ip);
  const counts = [
    `${summary.fail} failed`,
    `${summary.warn} ${summary.warn === 1 ? 'warning' : 'warnings'}`,
    `${summary.unknown} unknown`,
    `${summary.pass} passed`,
    `${summary.skip} skipped`,
  ].join(', ');
  const lines = [
    `- **Host:** ${inline(report.deployment?.smtpHostname ?? 'unknown (postal.yml not loaded)')}`,
    `- **Postal:** ${inline(report.deployment?.postalVersion ?? 'version not found')}`,
    `- **Outbound IPs:** ${ips.length > 0 ? inline(ips.join(', ')) : 'none found'}`,
    `- **Result:** ${counts} — exit code ${report.exitCode}`,
  ];
  if (problems.length > 0) {
    lines.push(`- **Top problems:**`);
    problems.slice(0, TOP_PROBLEMS).forEach((result, index) => {
      lines.push(`  ${index + 1}. ${STATUS_LABELS[result.status]}: ${inline(result.title)} (\`${result.check}\`)`);
    });
    if (problems.length > TOP_PROBLEMS) lines.push(`  - and ${problems.length - TOP_PROBLEMS} more below`);
  }
  return lines.join('\n');
}

function summaryTable(report: Report): string {
  const { summary } = report;
  return table(['pass', 'warn', 'fail', 'unknown', 'skip'], [[summary.pass, summary.warn, summary.fail, summary.unknown, summary.skip].map(String)]);
}

function othersTable(results: Result[]): string {
  const rows = results.map((result) => [
    STATUS_LABELS[result.status],
    `\`${result.check}\``,
    result.target === null ? '' : inline(result.target),
    inline(result.status === 'skip' ? `${result.title}: ${result.message}` : result.title),
  ]);
  return table(['status', 'check', 'target', 'result'], rows);
}

/** What --baseline adds: the counts, and the earlier problems this run no longer finds. */
function baselineSections(comparison: NonNullable<Report['baseline']>): string[] {
  const gone = comparison.gone.map((result) => [STATUS_LABELS[result.status], `\`${result.check}\``, result.target === null ? '' : inline(result.target), inline(result.title)]);
  return [
    '## Changes since the baseline',
    comparisonPhrase(comparison),
    gone.length > 0 ? `Gone (status in the baseline):\n\n${table(['was', 'check', 'target', 'result'], gone)}` : 'Nothing is gone.',
  ];
}

/** `--format markdown` and `report`: for a support ticket — environment, summary, problems first with their fixes. */
export function renderMarkdown(report: Report, _options: ReporterOptions): string {
  const problems = problemsFirst(report.results);
  const others = report.results.filter((result) => result.status === 'pass' || result.status === 'skip');
  const sections = [
    '# postal-doctor report',
    opening(report),
    '## Environment',
    environmentTable(report),
    '## Summary',
    summaryTable(report),
    `${countsPhrase(report.summary)} — exit code ${report.exitCode}.`,
    ...(report.baseline ? baselineSections(report.baseline) : []),
    '## Problems',
    ...(problems.length > 0 ? problems.map(problemSection) : ['None.']),
    '## Passed and skipped',
    others.length > 0 ? othersTable(others) : 'None.',
  ];
  return `${sections.join('\n\n')}\n`;
}
