import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { renderMarkdown } from '../../../src/reporters/markdown.js';
import { PLAIN, sampleReport, sampleResult } from '../../support/sample-report.js';

interface Block {
  language: string;
  body: string;
  /** Line number of the opening fence. */
  line: number;
}

/** Fenced code blocks as CommonMark reads them: a fence closes only with at least as many backticks as it opened with. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(`{3,})(\S*)$/.exec(lines[index]!);
    if (!open) continue;
    const fence = open[1]!;
    const end = lines.findIndex((line, at) => at > index && new RegExp(`^\`{${fence.length},}$`).test(line));
    assert.ok(end > index, `unclosed fence at line ${index + 1}`);
    blocks.push({ language: open[2]!, body: lines.slice(index + 1, end).join('\n'), line: index });
    index = end;
  }
  return blocks;
}

function lineOf(markdown: string, text: string): number {
  const index = markdown.split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `missing: ${text}`);
  return index;
}

const markdown = renderMarkdown(sampleReport(), PLAIN);

test('the report opens with a summary readable in ten seconds: host, Postal version, IPs, counts, top problems', () => {
  const report = { ...sampleReport(), deployment: { smtpHostname: 'mail.example.com', postalVersion: '3.3.4' } };
  const opening = renderMarkdown(report, PLAIN).split('\n## ')[0]!;
  assert.equal(
    opening,
    [
      '# postal-doctor report',
      '',
      '- **Host:** mail.example.com',
      '- **Postal:** 3.3.4',
      '- **Outbound IPs:** 192.0.2.10, 2001:db8::25',
      '- **Result:** 1 failed, 3 warnings, 1 unknown, 4 passed, 2 skipped — exit code 1',
      '- **Top problems:**',
      '  1. ✖ fail: Reverse DNS of 192.0.2.11 does not point back (`dns.fcrdns`)',
      '  2. ▲ warn: postal.helo\\_hostname is in the wrong group (`config.unknown-keys`)',
      '  3. ▲ warn: Unknown key postal.a"b\\\\c d\\|e\\| (`config.unknown-keys`)',
      '  4. ▲ warn: SPF of spf.example.com does not authorise 2001:db8::25 (`dns.spf`)',
      '  5. ? unknown: Outbound port 25 from 2001:db8::25 could not be tested (`network.outbound-25`)',
      '',
    ].join('\n'),
  );
  assert.match(renderMarkdown(sampleReport(), PLAIN), /^- \*\*Host:\*\* unknown \(postal\.yml not loaded\)$/m);
});

test('the report starts with its title and an environment table for the ticket', () => {
  assert.ok(markdown.startsWith('# postal-doctor report\n'));
  for (const row of [
    '| Tool | postal-doctor 1.0.0 |',
    '| Config file | /opt/postal/config/postal.yml |',
    '| Config format | version 2 |',
    '| Started | 2026-11-27T10:00:00.000Z |',
    '| Duration | 1.2 s |',
    '| Outbound IPs | 192.0.2.10 (db, HELO mta1.example.com, pool default), 2001:db8::25 (host) |',
  ]) {
    assert.ok(markdown.includes(`\n${row}\n`), row);
  }
  assert.ok(markdown.includes('\n| pass | warn | fail | unknown | skip |\n|---|---|---|---|---|\n| 4 | 3 | 1 | 1 | 2 |\n'));
});

test('problems come first, failures before warnings before unknowns, then passes and skips', () => {
  const failure = lineOf(markdown, '### ✖ fail: Reverse DNS of 192.0.2.11 does not point back');
  const warning = lineOf(markdown, '### ▲ warn: SPF of spf.example.com');
  const unknown = lineOf(markdown, '### ? unknown: Outbound port 25 from 2001:db8::25');
  const passes = lineOf(markdown, '## Passed and skipped');
  assert.ok(failure < warning && warning < unknown && unknown < passes);
  assert.ok(lineOf(markdown, '| ✔ pass | `dns.ptr` | 192.0.2.10 |') > passes);
  assert.ok(lineOf(markdown, '| - skip | `postal.containers` |  | Postal containers: skipped: docker is not installed on this host. |') > passes);
  assert.equal(markdown.split('\n').filter((line) => line.startsWith('### ')).length, 5, 'one section per problem');
});

test('fixes are fenced: commands as sh, records as dns, config changes as yaml', () => {
  const blocks = fencedBlocks(markdown);
  const failure = lineOf(markdown, '### ✖ fail');
  const next = lineOf(markdown, '### ▲ warn: postal.helo');
  const fixBlocks = blocks.filter((block) => block.line > failure && block.line < next);
  assert.deepEqual(
    fixBlocks.map((block) => [block.language, block.body]),
    [
      ['json', JSON.stringify(sampleReport().results.find((result) => result.check === 'dns.fcrdns')!.evidence, null, 2)],
      ['sh', "dig +short A 'mta2.example.com'\necho '```' | cat"],
      ['dns', 'mta2.example.com. 3600 IN A 192.0.2.11\nmta2.example.com. 3600 IN TXT "v=spf1 -all"'],
    ],
    'a command containing ``` does not close its fence',
  );
  const yamlBlock = blocks.find((block) => block.language === 'yaml');
  assert.ok(yamlBlock);
  assert.match(yamlBlock.body, /# remove postal\.helo_hostname \(was "mta\.example\.com"\)/);
  assert.deepEqual(parse(yamlBlock.body), { dns: { helo_hostname: 'mta.example.com' } });
});

test('a config change with a value YAML would misread is written so it reads back the same', () => {
  const report = sampleReport([
    sampleResult({
      check: 'config.hostnames',
      status: 'fail',
      fix: { summary: 'Set the hostname', commands: [], configChanges: [{ path: 'postal.smtp_hostname', from: 'postal.example.com', to: 'yes: #1' }] },
    }),
  ]);
  const yamlBlock = fencedBlocks(renderMarkdown(report, PLAIN)).find((block) => block.language === 'yaml')!;
  assert.deepEqual(parse(yamlBlock.body), { postal: { smtp_hostname: 'yes: #1' } });
});

test('table cells escape pipes and backticks and stay on one line', () => {
  const report = sampleReport([sampleResult({ check: 'dns.ptr', status: 'pass', target: 'a|b', title: 'uses `x` and |y|\nsecond line' })]);
  const row = renderMarkdown(report, PLAIN).split('\n').find((line) => line.startsWith('| ✔ pass'));
  assert.equal(row, '| ✔ pass | `dns.ptr` | a\\|b | uses \\`x\\` and \\|y\\| second line |');
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 4, 'four columns');
});

test('hostile text in prose cannot open markup or a list', () => {
  const section = markdown.slice(markdown.indexOf('### ✖ fail'), markdown.indexOf('**Evidence:**'));
  assert.ok(section.includes('evil\\</failure\\>\\<x\\> \\& "quotes"'));
  assert.ok(section.includes('\\|pipes\\| \\`ticks\\`'));
  assert.ok(section.includes('\\\\x1b\\[31m'), 'an escape character is shown, not sent');
  const numbered = renderMarkdown(sampleReport([sampleResult({ check: 'dns.ptr', status: 'fail', message: '1. first\n- second\n# third' })]), PLAIN);
  assert.ok(numbered.includes('\n1\\. first\n\\- second\n\\# third\n'));
});

test('with no problems the report says so', () => {
  const report = sampleReport([sampleResult({ check: 'dns.ptr', status: 'pass', target: '192.0.2.10' })]);
  assert.ok(renderMarkdown(report, PLAIN).includes('## Problems\n\nNone.\n'));
});
