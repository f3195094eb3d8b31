import type { Fix, Report, Result } from '../core/types.js';
import { CHANGE_LABELS, comparisonPhrase } from '../core/baseline.js';
import { failsTheRun } from '../core/exit-code.js';
import { type ReporterOptions, type RunFailure, checkAndTarget, configChangesYaml, fixSteps, formatAnswer, resultsByGroup } from './common.js';

// Characters XML 1.0 does not allow at all, not even as character references.
const INVALID_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

function xmlText(text: string): string {
  return text.replace(INVALID_XML, '').replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** Attribute values also keep their line breaks, which parsers would otherwise turn into spaces. */
function xmlAttribute(text: string): string {
  return text.replace(INVALID_XML, '').replace(/[&<>"'\n\r\t]/g, (char) => ENTITIES[char] ?? char);
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlAttribute(String(value))}"`)
    .join('');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function fixText(fix: Fix): string[] {
  const { commands, records, configChanges, restarts } = fixSteps(fix);
  const lines = [`Fix: ${fix.summary}`, ...[...commands, ...records].map((line) => `  ${line}`)];
  if (configChanges.length > 0) lines.push('In postal.yml (edit by hand):', ...configChangesYaml(configChanges).map((line) => `  ${line}`));
  if (restarts.length > 0) lines.push(...(configChanges.length > 0 ? ['Then run:'] : []), ...restarts.map((line) => `  ${line}`));
  return lines;
}

/** What a CI log shows for a result: its title, the message, the evidence and the fix. */
function detailText(result: Result): string {
  const lines = [result.title, '', ...(result.change ? [`${CHANGE_LABELS[result.change]} since the baseline`] : []), result.message];
  if (result.evidence.length > 0) {
    lines.push('', 'Evidence:', ...result.evidence.map((item) => `  ${item.query} → ${formatAnswer(item.answer)}`));
  }
  if (result.fix) lines.push('', ...fixText(result.fix));
  return lines.join('\n');
}

/**
 * The body of a test case. A warning or failure fails the test case only when it makes the exit code 1
 * (`--fail-on`), so that a JUnit gate in GitLab or Jenkins agrees with the exit code; otherwise it passes
 * and carries the problem in its output. `unknown` is an error: the check could not run, which is what
 * JUnit's `<error>` means.
 */
function testcaseBody(result: Result, options: ReporterOptions): string {
  switch (result.status) {
    case 'fail':
    case 'warn': {
      const type = result.status === 'fail' ? 'fail' : 'warning';
      if (failsTheRun(result, options.failOn)) return `<failure${attributes({ type, message: result.title })}>${xmlText(detailText(result))}</failure>`;
      return `<system-out>${xmlText(`${result.status === 'fail' ? 'FAILURE' : 'WARNING'}: ${detailText(result)}`)}</system-out>`;
    }
    case 'unknown':
      return `<error${attributes({ type: 'unknown', message: result.title })}>${xmlText(detailText(result))}</error>`;
    case 'skip':
      return `<skipped${attributes({ message: result.message })}/>`;
    case 'pass':
      return `<system-out>${xmlText(options.verbose ? detailText(result) : result.title)}</system-out>`;
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function count(results: Result[], options: ReporterOptions): Counts {
  return {
    tests: results.length,
    failures: results.filter((result) => failsTheRun(result, options.failOn)).length,
    errors: results.filter((result) => result.status === 'unknown').length,
    skipped: results.filter((result) => result.status === 'skip').length,
  };
}

/** A check's results share the check's duration; a suite's time counts each check once. */
function suiteMs(results: Result[]): number {
  const perCheck = new Map(results.map((result) => [result.check, result.durationMs]));
  return [...perCheck.values()].reduce((sum, ms) => sum + ms, 0);
}

/** `--format junit`: one test suite per group, one test case per result. */
export function renderJunit(report: Report, options: ReporterOptions): string {
  // JUnit's timestamp is a local date-time without zone; startedAt is UTC.
  const timestamp = report.startedAt.replace(/(\.\d+)?Z$/, '');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: report.tool.name, ...count(report.results, options), time: seconds(report.durationMs), timestamp })}>`,
  ];
  for (const [group, results] of resultsByGroup(report.results)) {
    lines.push(`  <testsuite${attributes({ name: group, ...count(results, options), time: seconds(suiteMs(results)), timestamp })}>`);
    for (const result of results) {
      // The name is the check and target, never the title: a title changes with the result, and CI history
      // would see a new test each time.
      const open = `    <testcase${attributes({ classname: result.check, name: checkAndTarget(result), time: seconds(result.durationMs) })}`;
      const body = testcaseBody(result, options);
      lines.push(body ? `${open}>\n      ${body}\n    </testcase>` : `${open}/>`);
    }
    lines.push('  </testsuite>');
  }
  if (report.baseline) lines.push(baselineSuite(report.baseline, timestamp));
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** With --baseline: a suite without test cases whose output lists the problems that are gone. */
function baselineSuite(comparison: NonNullable<Report['baseline']>, timestamp: string): string {
  const gone = comparison.gone.map((result) => `${CHANGE_LABELS.gone}: ${result.title} (${checkAndTarget(result)}), was ${result.status}`);
  const text = [comparisonPhrase(comparison), ...gone].join('\n');
  return `  <testsuite${attributes({ name: 'baseline', tests: 0, failures: 0, errors: 0, skipped: 0, time: seconds(0), timestamp })}>\n    <system-out>${xmlText(text)}</system-out>\n  </testsuite>`;
}

/** The report of a run that could not happen (no config, unreadable file): one failed test case with the reason. */
export function renderJunitFailure(failure: RunFailure): string {
  const timestamp = failure.startedAt.replace(/(\.\d+)?Z$/, '');
  const counts = { tests: 1, failures: 0, errors: 1, skipped: 0, time: seconds(0), timestamp };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: failure.tool.name, ...counts })}>`,
    `  <testsuite${attributes({ name: 'postal-doctor', ...counts })}>`,
    `    <testcase${attributes({ classname: 'postal-doctor', name: 'postal-doctor run', time: seconds(0) })}>`,
    `      <error${attributes({ type: 'cannot-run', message: failure.reason })}>${xmlText(`${failure.reason}\nExit code ${failure.exitCode}.`)}</error>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
