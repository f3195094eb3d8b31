import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMATS, REPORTERS } from '../../../src/reporters/index.js';
import { renderHuman } from '../../../src/reporters/human.js';
import { PLAIN, sampleReport, sampleResult } from '../../support/sample-report.js';

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

test('a fix reads in the order it is carried out: commands, then the postal.yml edit, then the restart', () => {
  const result = sampleResult({
    check: 'config.app-smtp',
    status: 'fail',
    title: "Postal's own mail does not reach the SMTP server",
    fix: {
      summary: 'Set smtp.port to 25, then restart Postal',
      commands: ['postal restart', "cp '/opt/postal/config/postal.yml' /root/postal.yml.bak"],
      kind: 'config',
      configChanges: [{ path: 'smtp.port', from: 2525, to: 25 }, { path: 'smtp.prot' }],
    },
  });
  const report = sampleReport([result]);
  const order = (text: string) =>
    ['/root/postal.yml.bak', '2525', 'smtp.prot', 'postal restart'].map((needle) => text.indexOf(needle, text.indexOf('Set smtp.port to 25')));
  for (const format of ['human', 'junit', 'markdown'] as const) {
    const text = REPORTERS[format](report, PLAIN);
    const positions = order(text);
    assert.ok(positions.every((position) => position > 0), `${format}: ${positions}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `${format} keeps the order`);
  }
  const human = renderHuman(report, PLAIN);
  assert.match(
    human,
    /^ {8}In postal\.yml \(edit by hand\):\n {10}smtp:\n {12}port: 25  # was 2525\n {10}# remove smtp\.prot\n/m,
    'an edit is a labelled YAML snippet apart from the commands, never a line that looks like a command',
  );
  assert.match(human, /\nThen restart, once, after the changes above .*\n {2}postal restart\n/, 'the triage lists the restart once, after every change');
  assert.match(renderHuman(report, { ...PLAIN, verbose: true }), /^ {8}Then run:\n {10}postal restart$/m, 'with --verbose each fix has its restart');
});
