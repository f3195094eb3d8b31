import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { renderHuman, wrapWords } from '../../../src/reporters/human.js';
import { PLAIN, sampleReport, sampleResult } from '../../support/sample-report.js';

const plain = renderHuman(sampleReport(), PLAIN);
const lines = plain.split('\n');
const verbose = renderHuman(sampleReport(), { ...PLAIN, verbose: true }).split('\n');

test('group headings appear in catalogue order, each result under its group', () => {
  const headings = ['Config', 'Network', 'DNS', 'TLS', 'Postal'].map((heading) => lines.indexOf(heading));
  assert.ok(headings.every((index) => index > 0), 'every heading is present');
  assert.deepEqual([...headings].sort((a, b) => a - b), headings, 'in catalogue order');
  const fcrdns = lines.findIndex((line) => line.includes('dns.fcrdns 192.0.2.11'));
  assert.ok(fcrdns > headings[2]! && fcrdns < headings[3]!);
});

test('triage: problems in full, then one line for the passes and one for the skips of each group', () => {
  const dns = lines.slice(lines.indexOf('DNS'), lines.indexOf('TLS'));
  assert.deepEqual(dns.filter((line) => /^ {2}\S/.test(line)), [
    '  ✖ Reverse DNS of 192.0.2.11 does not point back  dns.fcrdns 192.0.2.11',
    '  ▲ SPF of spf.example.com does not authorise 2001:db8::25  dns.spf spf.example.com',
    '  ✔ 1 passed: dns.ptr',
  ]);
  assert.ok(lines.includes('  ✔ 1 passed: tls.enabled'));
  assert.ok(lines.includes('  - 1 skipped: docker is not installed on this host. (postal.containers)'), 'one reason: said once');
  assert.ok(!plain.includes('Reverse DNS of 192.0.2.10 is set'), 'a pass is summed up, not listed');
  const many = renderHuman(
    sampleReport([
      sampleResult({ check: 'tls.files', status: 'pass', target: 'a' }),
      sampleResult({ check: 'tls.files', status: 'pass', target: 'b' }),
      sampleResult({ check: 'tls.chain', status: 'pass' }),
      sampleResult({ check: 'tls.live', status: 'skip', message: 'Offline.' }),
      sampleResult({ check: 'tls.san', status: 'skip', message: 'No names.' }),
    ]),
    PLAIN,
  );
  assert.match(many, /^ {2}✔ 3 passed: tls\.files ×2, tls\.chain$/m);
  assert.match(many, /^ {2}- 2 skipped: tls\.live, tls\.san$/m, 'several reasons: the checks, reasons with -v');
});

test('--verbose shows every result on its own line, with messages and evidence under passes', () => {
  for (const expected of [
    '  ✔ Reverse DNS of 192.0.2.10 is set  dns.ptr 192.0.2.10',
    '  ✖ Reverse DNS of 192.0.2.11 does not point back  dns.fcrdns 192.0.2.11',
    '  ▲ SPF of spf.example.com does not authorise 2001:db8::25  dns.spf spf.example.com',
    '  ? Outbound port 25 from 2001:db8::25 could not be tested  network.outbound-25 2001:db8::25',
    '  - Postal containers: skipped  postal.containers — docker is not installed on this host.',
    '  ✔ STARTTLS is enabled  tls.enabled',
  ]) {
    assert.ok(verbose.includes(expected), expected);
  }
  const pass = verbose.indexOf('  ✔ Reverse DNS of 192.0.2.10 is set  dns.ptr 192.0.2.10');
  assert.deepEqual(verbose.slice(pass + 1, pass + 3), ['      PTR mta1.example.com', '      · PTR 10.2.0.192.in-addr.arpa → ["mta1.example.com"]']);
});

test('problems show message and fix; a config edit is a labelled YAML snippet apart from the commands', () => {
  const start = lines.indexOf('  ✖ Reverse DNS of 192.0.2.11 does not point back  dns.fcrdns 192.0.2.11');
  assert.deepEqual(lines.slice(start + 1, start + 8), [
    `      PTR 192.0.2.11 -> evil</failure><x> & "quotes" 'single' |pipes| \`ticks\` line one`,
    '      line two, but that name has no A record \\x1b[31m',
    '      Fix: Make the A record of mta2.example.com include 192.0.2.11',
    "        dig +short A 'mta2.example.com'",
    "        echo '```' | cat",
    '        mta2.example.com. 3600 IN A 192.0.2.11',
    '        mta2.example.com. 3600 IN TXT "v=spf1 -all"',
  ]);
  const moved = lines.indexOf('  ▲ postal.helo_hostname is in the wrong group  config.unknown-keys postal.helo_hostname');
  assert.deepEqual(lines.slice(moved + 3, moved + 7), [
    '        In postal.yml (edit by hand):',
    '          # remove postal.helo_hostname (was "mta.example.com")',
    '          dns:',
    '            helo_hostname: mta.example.com',
  ]);
  assert.ok(!plain.includes('PTR 10.2.0.192.in-addr.arpa'), 'no evidence without --verbose');
});

test('ends with the explain pointer for the most important problem, and the verdict last', () => {
  assert.deepEqual(lines.slice(-3), [
    'Run postal-doctor explain dns.fcrdns for what it checks and how to fix it.',
    '4 passed, 3 warnings, 1 failed, 1 unknown, 2 skipped in 1.2 s',
    '',
  ]);
  const warnOnly = renderHuman(sampleReport([sampleResult({ check: 'dns.ptr', status: 'pass' }), sampleResult({ check: 'dns.spf', status: 'warn' })]), PLAIN);
  assert.match(warnOnly, /\nRun postal-doctor explain dns\.spf .*\n1 passed, 1 warning, 0 failed, 0 unknown, 0 skipped in 1\.2 s\n$/);
  const clean = renderHuman(sampleReport([sampleResult({ check: 'dns.ptr', status: 'pass' })]), PLAIN);
  assert.ok(!clean.includes('explain'), 'no pointer when nothing is wrong');
});

test('checks switched off with --skip are named once at the end, not in their groups', () => {
  const report = sampleReport([
    sampleResult({ check: 'dns.ptr', status: 'pass' }),
    sampleResult({ check: 'dns.spf', status: 'skip', messageId: 'runner.skipped', message: 'Switched off with --skip.' }),
  ]);
  const text = renderHuman(report, PLAIN);
  assert.doesNotMatch(text, /skipped: Switched off/);
  assert.match(text, /\nSwitched off with --skip: dns\.spf\n/);
});

test('colour off has no escape sequences, even from hostile text; colour on has them and the same text', () => {
  assert.ok(!plain.includes('\u001b'));
  const coloured = renderHuman(sampleReport(), { ...PLAIN, color: true });
  assert.match(coloured, /\u001b\[31m✖\u001b\[39m/, 'a failure is red');
  assert.match(coloured, /\u001b\[32m✔\u001b\[39m/, 'a pass is green');
  assert.equal(stripVTControlCharacters(coloured), plain);
});

test('wrapped to the width with a hanging indent; commands and records are never wrapped', () => {
  const long = 'word '.repeat(40).trim();
  const command = `iptables -t nat -C OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -A OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25`;
  const report = sampleReport([
    sampleResult({ check: 'network.alt-ports', status: 'fail', target: '2525', title: `Port 2525 ${long}`, message: long, fix: { summary: long, commands: [command] } }),
  ]);
  for (const color of [false, true]) {
    const wrapped = stripVTControlCharacters(renderHuman(report, { ...PLAIN, color, width: 60 })).split('\n');
    const head = wrapped.findIndex((line) => line.startsWith('  ✖ Port 2525'));
    assert.ok(wrapped.slice(head, head + 3).every((line, index) => line.length <= 60 && (index === 0 || line.startsWith('    '))), wrapped.join('\n'));
    const message = wrapped.filter((line) => line.startsWith('      word'));
    assert.ok(message.length >= 4 && message.every((line) => line.length <= 60), 'the message keeps its indent on every line');
    assert.ok(wrapped.some((line) => line.startsWith('      Fix: word')) && wrapped.some((line) => line.startsWith('           word')), 'the fix hangs under its text');
    assert.ok(wrapped.includes(`        ${command}`), 'the command is whole, on one line');
    assert.ok(wrapped.every((line) => line.length <= 60 || line === `        ${command}`), 'only the command is wider');
  }
  assert.ok(renderHuman(report, PLAIN).includes(`  ✖ Port 2525 ${long}  network.alt-ports 2525\n`), 'width 0 (a pipe): nothing is wrapped');
});

test('wrapWords never breaks inside a word, and starts later lines at the hanging indent', () => {
  assert.deepEqual(wrapWords([{ text: 'aaaa' }, { text: 'bbbb' }, { text: 'cccccccccccc' }, { text: 'id', gap: true }], 10, '  ', '    '), [
    '  aaaa',
    '    bbbb',
    '    cccccccccccc',
    '    id',
  ]);
});
