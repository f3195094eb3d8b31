import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '../../../src/core/types.js';
import { nagiosCodeFor, renderNagios } from '../../../src/reporters/nagios.js';
import { PLAIN, sampleReport, sampleResult } from '../../support/sample-report.js';

// label=value[UOM];[warn];[crit];[min];[max], separated by spaces (Nagios plugin development guidelines).
const PERFDATA_ITEM = /^[a-z_]+=-?\d+(\.\d+)?(s|%|B|c)?(;[^;\s]*){0,4}$/;

function reportOf(statuses: Status[]) {
  return sampleReport(statuses.map((status, index) => sampleResult({ check: 'dns.ptr', status, target: `192.0.2.${index}`, title: `Title ${index} ${status}` })));
}

function parse(output: string) {
  assert.ok(output.endsWith('\n'));
  const [statusLine = '', ...longOutput] = output.slice(0, -1).split('\n');
  const [text = '', perfdata = '', ...more] = statusLine.split(' | ');
  assert.equal(more.length, 0, 'exactly one | on the status line');
  return { text, perf: perfdata.split(' '), longOutput };
}

test('the status line names the state, the counts and the problems, and carries perfdata', () => {
  const { text, perf, longOutput } = parse(renderNagios(sampleReport(), PLAIN));
  assert.equal(
    text,
    'POSTAL-DOCTOR CRITICAL - 1 failed, 1 unknown, 3 warnings: Reverse DNS of 192.0.2.11 does not point back; ' +
      'Outbound port 25 from 2001:db8::25 could not be tested; postal.helo_hostname is in the wrong group; and 2 more',
  );
  for (const item of perf) assert.match(item, PERFDATA_ITEM);
  assert.deepEqual(perf, ['pass=4;;;0', 'warn=3;0;;0', 'fail=1;;0;0', 'unknown=1;;;0', 'skip=2;;;0', 'duration=1.234s;;;0']);
  assert.equal(longOutput.length, 5, 'one long-output line per problem');
  assert.match(longOutput[0]!, /^\[CRITICAL\] Reverse DNS of 192\.0\.2\.11 does not point back \(dns\.fcrdns 192\.0\.2\.11\): PTR/);
  assert.match(longOutput[1]!, /^\[UNKNOWN\] .*\(network\.outbound-25 2001:db8::25\)/);
  assert.ok(longOutput.slice(2).every((line) => line.startsWith('[WARNING] ')));
});

test('no | and no raw control character reaches the plugin output', () => {
  const output = renderNagios(sampleReport(), PLAIN);
  assert.equal(output.split('|').length, 2, 'the only pipe separates the perfdata');
  assert.ok(!output.includes('\u001b'));
  assert.ok(output.includes('¦pipes¦'));
});

const STATES: Array<[Status[], string, number]> = [
  [['pass', 'skip'], 'POSTAL-DOCTOR OK - 1 passed, 1 skipped', 0],
  [['pass', 'warn'], 'POSTAL-DOCTOR WARNING - 1 warning: Title 1 warn', 1],
  [['warn', 'unknown'], 'POSTAL-DOCTOR UNKNOWN - 1 unknown, 1 warning: Title 1 unknown; Title 0 warn', 3],
  [['unknown', 'fail'], 'POSTAL-DOCTOR CRITICAL - 1 failed, 1 unknown: Title 1 fail; Title 0 unknown', 2],
];

for (const [statuses, line, code] of STATES) {
  test(`Nagios state for [${statuses.join(', ')}] agrees with the exit code ${code}`, () => {
    const report = reportOf(statuses);
    assert.equal(parse(renderNagios(report, PLAIN)).text, line);
    assert.equal(nagiosCodeFor(report.summary), code);
  });
}
