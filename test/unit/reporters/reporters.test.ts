import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMATS, REPORTERS } from '../../../src/reporters/index.js';
import { PLAIN, sampleReport } from '../../support/sample-report.js';

test('every --format has a reporter', () => {
  assert.deepEqual(Object.keys(REPORTERS).sort(), [...FORMATS].sort());
  assert.deepEqual([...FORMATS].sort(), ['human', 'json', 'junit', 'markdown', 'nagios', 'prometheus']);
});

for (const format of FORMATS) {
  test(`${format}: pure, deterministic, one final newline, no raw escape character`, () => {
    const report = sampleReport();
    const before = structuredClone(report);
    const first = REPORTERS[format](report, PLAIN);
    assert.deepEqual(report, before, 'the report is not changed');
    assert.equal(REPORTERS[format](report, PLAIN), first, 'same report, same text');
    assert.ok(first.endsWith('\n') && !first.endsWith('\n\n'));
    assert.ok(!first.includes('\u001b'), 'a control sequence from a DNS answer never reaches the output');
  });
}
