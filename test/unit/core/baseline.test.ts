import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWithBaseline, loadBaseline, type Baseline } from '../../../src/core/baseline.js';
import type { Result } from '../../../src/core/types.js';
import { sampleReport, sampleResult } from '../../support/sample-report.js';

const ptr = (target: string, status: Result['status']) => sampleResult({ check: 'dns.ptr', target, status });
const baselineOf = (problems: Result[]): Baseline => ({ path: 'baseline.json', startedAt: '2026-12-01T06:00:00.000Z', problems });
const marks = (results: Result[]) => results.map((result) => [result.target, result.status, result.change ?? null]);

test('a problem is the same when check, target and status are: a warning that became a failure is new, the warning gone', () => {
  const { results, comparison } = compareWithBaseline(
    [ptr('192.0.2.1', 'fail'), ptr('192.0.2.2', 'warn'), ptr('192.0.2.3', 'pass'), ptr('192.0.2.4', 'unknown')],
    baselineOf([ptr('192.0.2.1', 'warn'), ptr('192.0.2.2', 'warn'), ptr('192.0.2.3', 'fail')]),
  );
  assert.deepEqual(marks(results), [
    ['192.0.2.1', 'fail', 'new'],
    ['192.0.2.2', 'warn', 'still'],
    ['192.0.2.3', 'pass', null],
    ['192.0.2.4', 'unknown', 'new'],
  ]);
  assert.deepEqual(marks(comparison.gone), [
    ['192.0.2.1', 'warn', null],
    ['192.0.2.3', 'fail', null],
  ]);
  assert.deepEqual([comparison.new, comparison.still], [2, 1]);
});

test('two equal problems in one run are matched one for one', () => {
  const { results, comparison } = compareWithBaseline([ptr('192.0.2.1', 'warn'), ptr('192.0.2.1', 'warn')], baselineOf([ptr('192.0.2.1', 'warn')]));
  assert.deepEqual(marks(results), [
    ['192.0.2.1', 'warn', 'still'],
    ['192.0.2.1', 'warn', 'new'],
  ]);
  assert.deepEqual(comparison.gone, []);
});

test('a problem of a check or target this run skipped or did not run is not gone: nobody looked', () => {
  const { comparison } = compareWithBaseline(
    [ptr('192.0.2.1', 'skip'), ptr('192.0.2.2', 'pass')],
    baselineOf([ptr('192.0.2.1', 'fail'), sampleResult({ check: 'dns.spf', status: 'fail' }), ptr('192.0.2.9', 'fail')]),
  );
  // 192.0.2.9 is no longer a target of a check that ran: that problem is gone with it.
  assert.deepEqual(marks(comparison.gone), [['192.0.2.9', 'fail', null]]);
});

test('a report is read as a baseline without the marks of its own comparison; anything else is a one-line error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'postal-doctor-baseline-unit-'));
  try {
    const report = sampleReport([{ ...ptr('192.0.2.1', 'fail'), change: 'new' }, ptr('192.0.2.2', 'pass')]);
    writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
    const baseline = await loadBaseline(join(dir, 'report.json'));
    assert.equal(baseline.startedAt, report.startedAt);
    assert.deepEqual(marks(baseline.problems), [['192.0.2.1', 'fail', null]]);

    const cases: Array<[string, RegExp]> = [
      ['not json', /: not JSON; a baseline is a report written with --format json -o <file>$/],
      ['[]', /: not a postal-doctor report \(it is not a JSON object\)/],
      [JSON.stringify({ ...report, schemaVersion: 2 }), /its schemaVersion is 2, not 1/],
      [JSON.stringify({ ...report, results: [{ check: 'dns.ptr' }] }), /result 1 has no group, status, target, /],
      [JSON.stringify({ ...report, results: [{ ...ptr('192.0.2.1', 'fail'), status: 'broken' }] }), /result 1 has the status "broken"/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(dir, 'bad.json'), text);
      await assert.rejects(loadBaseline(join(dir, 'bad.json')), (error: Error) => message.test(error.message) && !error.message.includes('\n'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
