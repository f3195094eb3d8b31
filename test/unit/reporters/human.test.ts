import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { renderHuman } from '../../../src/reporters/human.js';
import { PLAIN, sampleReport, sampleResult } from '../../support/sample-report.js';

const plain = renderHuman(sampleReport(), PLAIN);
const lines = plain.split('\n');

test('group headings appear in catalogue order, each result under its group', () => {
  const headings = ['Config', 'Network', 'DNS', 'TLS', 'Postal'].map((heading) => lines.indexOf(heading));
  assert.ok(headings.every((index) => index > 0), 'every heading is present');
  assert.deepEqual([...headings].sort((a, b) => a - b), headings, 'in catalogue order');
  const fcrdns = lines.findIndex((line) => line.includes('dns.fcrdns 192.0.2.11'));
  assert.ok(fcrdns > headings[2]! && fcrdns < headings[3]!);
});

test('each result is one line with its status symbol, title, check and target', () => {
  for (const expected of [
    '  ✔ Reverse DNS of 192.0.2.10 is set  dns.ptr 192.0.2.10',
    '  ✖ Reverse DNS of 192.0.2.11 does not point back  dns.fcrdns 192.0.2.11',
    '  ▲ SPF of spf.example.com does not authorise 2001:db8::25  dns.spf spf.example.com',
    '  ? Outbound port 25 from 2001:db8::25 could not be tested  network.outbound-25 2001:db8::25',
    '  - Postal containers: skipped  postal.containers — docker is not installed on this host.',
    '  ✔ STARTTLS is enabled  tls.enabled',
  ]) {
    assert.ok(lines.includes(expected), expected);
  }
});

test('problems show message and fix; passes stay on one line without evidence', () => {
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
  assert.deepEqual(lines.slice(moved + 3, moved + 5), [
    '        in postal.yml: postal.helo_hostname: mta.example.com → (remove the key)',
    '        in postal.yml: dns.helo_hostname: (not set) → mta.example.com',
  ]);
  const pass = lines.indexOf('  ✔ Reverse DNS of 192.0.2.10 is set  dns.ptr 192.0.2.10');
  assert.ok(lines[pass + 1]!.startsWith('  ✖ '), 'nothing under a pass');
  assert.ok(!plain.includes('PTR 10.2.0.192.in-addr.arpa'), 'no evidence without --verbose');
});

test('--verbose adds messages and evidence under passes', () => {
  const verbose = renderHuman(sampleReport(), { ...PLAIN, verbose: true }).split('\n');
  const pass = verbose.indexOf('  ✔ Reverse DNS of 192.0.2.10 is set  dns.ptr 192.0.2.10');
  assert.deepEqual(verbose.slice(pass + 1, pass + 3), ['      PTR mta1.example.com', '      · PTR 10.2.0.192.in-addr.arpa → ["mta1.example.com"]']);
});

test('ends with the summary line and the explain pointer for the most important problem', () => {
  assert.deepEqual(lines.slice(-3), [
    '4 passed, 3 warnings, 1 failed, 1 unknown, 2 skipped in 1.2 s',
    'Run postal-doctor explain dns.fcrdns for what it checks and how to fix it.',
    '',
  ]);
  const warnOnly = renderHuman(sampleReport([sampleResult({ check: 'dns.ptr', status: 'pass' }), sampleResult({ check: 'dns.spf', status: 'warn' })]), PLAIN);
  assert.match(warnOnly, /\n1 passed, 1 warning, 0 failed, 0 unknown, 0 skipped in 1\.2 s\nRun postal-doctor explain dns\.spf /);
  const clean = renderHuman(sampleReport([sampleResult({ check: 'dns.ptr', status: 'pass' })]), PLAIN);
  assert.ok(!clean.includes('explain'), 'no pointer when nothing is wrong');
});

test('colour off has no escape sequences, even from hostile text; colour on has them and the same text', () => {
  assert.ok(!plain.includes('\u001b'));
  const coloured = renderHuman(sampleReport(), { ...PLAIN, color: true });
  assert.match(coloured, /\u001b\[31m✖\u001b\[39m/, 'a failure is red');
  assert.match(coloured, /\u001b\[32m✔\u001b\[39m/, 'a pass is green');
  assert.equal(stripVTControlCharacters(coloured), plain);
});
