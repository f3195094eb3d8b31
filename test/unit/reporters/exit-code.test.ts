import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeFor, summarise } from '../../../src/core/exit-code.js';
import { nagiosCodeFor } from '../../../src/reporters/nagios.js';
import type { Status } from '../../../src/core/types.js';
import { sampleResult } from '../../support/sample-report.js';

function summaryOf(statuses: Status[]) {
  return summarise(statuses.map((status, index) => sampleResult({ check: 'dns.ptr', status, target: `192.0.2.${index}` })));
}

/** PRODUCT §3: a result at or above --fail-on exits 1, and so does a run in which no check reached a verdict. */
const CASES: Array<{ statuses: Status[]; fail: 0 | 1; warn: 0 | 1; unknown: 0 | 1; nagios: 0 | 1 | 2 | 3 }> = [
  { statuses: [], fail: 1, warn: 1, unknown: 1, nagios: 3 },
  { statuses: ['pass', 'pass'], fail: 0, warn: 0, unknown: 0, nagios: 0 },
  { statuses: ['skip'], fail: 1, warn: 1, unknown: 1, nagios: 3 },
  { statuses: ['pass', 'skip'], fail: 0, warn: 0, unknown: 0, nagios: 0 },
  { statuses: ['pass', 'warn'], fail: 0, warn: 1, unknown: 1, nagios: 1 },
  { statuses: ['pass', 'fail'], fail: 1, warn: 1, unknown: 1, nagios: 2 },
  { statuses: ['pass', 'unknown'], fail: 0, warn: 0, unknown: 1, nagios: 3 },
  { statuses: ['warn', 'unknown'], fail: 0, warn: 1, unknown: 1, nagios: 3 },
  { statuses: ['fail', 'unknown'], fail: 1, warn: 1, unknown: 1, nagios: 2 },
  { statuses: ['unknown', 'fail', 'warn', 'skip', 'pass'], fail: 1, warn: 1, unknown: 1, nagios: 2 },
  { statuses: ['warn', 'skip'], fail: 0, warn: 1, unknown: 1, nagios: 1 },
  { statuses: ['unknown', 'skip'], fail: 1, warn: 1, unknown: 1, nagios: 3 },
  { statuses: ['unknown', 'unknown'], fail: 1, warn: 1, unknown: 1, nagios: 3 },
];

for (const { statuses, fail, warn, unknown, nagios } of CASES) {
  test(`exit codes for [${statuses.join(', ') || 'no results'}]`, () => {
    const summary = summaryOf(statuses);
    assert.equal(exitCodeFor(summary, 'fail'), fail, '--fail-on fail');
    assert.equal(exitCodeFor(summary, 'warn'), warn, '--fail-on warn');
    assert.equal(exitCodeFor(summary, 'unknown'), unknown, '--fail-on unknown');
    assert.equal(nagiosCodeFor(summary), nagios, 'nagios');
  });
}

test('summarise counts every status, including the ones that are absent', () => {
  assert.deepEqual(summaryOf(['pass', 'fail', 'pass', 'skip', 'unknown', 'warn', 'warn']), { pass: 2, warn: 2, fail: 1, unknown: 1, skip: 1 });
  assert.deepEqual(summaryOf([]), { pass: 0, warn: 0, fail: 0, unknown: 0, skip: 0 });
});
