import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeFor, summarise } from '../../../src/core/exit-code.js';
import { nagiosCodeFor } from '../../../src/reporters/nagios.js';
import type { Status } from '../../../src/core/types.js';
import { sampleResult } from '../../support/sample-report.js';

function resultsOf(statuses: Status[]) {
  return statuses.map((status, index) => sampleResult({ check: 'dns.ptr', status, target: `192.0.2.${index}` }));
}

function summaryOf(statuses: Status[]) {
  return summarise(resultsOf(statuses));
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
    const results = resultsOf(statuses);
    assert.equal(exitCodeFor(results, 'fail'), fail, '--fail-on fail');
    assert.equal(exitCodeFor(results, 'warn'), warn, '--fail-on warn');
    assert.equal(exitCodeFor(results, 'unknown'), unknown, '--fail-on unknown');
    assert.equal(nagiosCodeFor(summarise(results)), nagios, 'nagios');
  });
}

test('summarise counts every status, including the ones that are absent', () => {
  assert.deepEqual(summaryOf(['pass', 'fail', 'pass', 'skip', 'unknown', 'warn', 'warn']), { pass: 2, warn: 2, fail: 1, unknown: 1, skip: 1 });
  assert.deepEqual(summaryOf([]), { pass: 0, warn: 0, fail: 0, unknown: 0, skip: 0 });
});

test('--fail-on new counts only warnings and failures that are new since the baseline', () => {
  const results = [
    sampleResult({ check: 'dns.ptr', status: 'fail', target: '192.0.2.1', change: 'still' }),
    sampleResult({ check: 'dns.ptr', status: 'warn', target: '192.0.2.2', change: 'still' }),
    sampleResult({ check: 'dns.ptr', status: 'unknown', target: '192.0.2.3', change: 'new' }),
    sampleResult({ check: 'dns.ptr', status: 'pass', target: '192.0.2.4' }),
  ];
  assert.equal(exitCodeFor(results, 'new'), 0);
  assert.equal(exitCodeFor(results, 'fail'), 1);
  assert.equal(exitCodeFor([...results, sampleResult({ check: 'dns.spf', status: 'warn', change: 'new' })], 'new'), 1);
  assert.equal(exitCodeFor([...results, sampleResult({ check: 'dns.spf', status: 'fail', change: 'new' })], 'new'), 1);
});
