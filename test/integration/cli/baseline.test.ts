import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { cli, REPO } from '../../support/cli.js';
import { restorePath, useNoDocker } from '../../support/docker.js';
import type { Report, Result } from '../../../src/core/types.js';

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(REPO, 'schema/report.v1.json'), 'utf8')));

/**
 * The sample deployment, checked once; then changed: Postal's own mail is pointed at port 25 (config.app-smtp
 * has nothing left to doubt), the SMTP key is made private to root (its "readable by everyone" warning goes, and Postal can no
 * longer read it: two new failures), and a misspelt key is added (a new warning).
 */
const NEW = [
  ['config.unknown-keys', 'postal.smtp_hostnme', 'warn'],
  ['config.secrets', '<dir>/smtp.key', 'fail'],
  ['tls.files', '<dir>/smtp.key', 'fail'],
];
const GONE = [
  ['config.secrets', '<dir>/smtp.key', 'warn'],
  // Port 2525 needed a firewall redirect this test does not let it read; port 25 needs none.
  ['config.app-smtp', null, 'unknown'],
];

describe('check --baseline', () => {
  let dir: string;
  let config: string;
  let baseline: string;
  const identities = (results: Result[]) => results.map((result) => [result.check, result.target?.replace(dir, '<dir>') ?? null, result.status]);
  const check = (...args: string[]) => cli(['check', '--offline', '--config', config, '--baseline', baseline, ...args]);

  before(async () => {
    // No host commands (docker, iptables): the machine's Docker daemon is shared with other tests, and only
    // the changes made here may differ between the runs.
    useNoDocker();
    dir = mkdtempSync(join(tmpdir(), 'postal-doctor-baseline-'));
    cpSync(join(REPO, 'examples'), dir, { recursive: true });
    config = join(dir, 'postal.yml');
    baseline = join(dir, 'baseline.json');
    const first = await cli(['check', '--offline', '--config', config, '--format', 'json', '-o', baseline, '--quiet']);
    assert.equal(first.code, 1, first.stderr);

    const yaml = readFileSync(config, 'utf8');
    assert.match(yaml, /\n {2}port: 2525\n/);
    writeFileSync(config, yaml.replace('\n  port: 2525\n', '\n  port: 25\n').replace('\n  use_ip_pools: false\n', '\n  use_ip_pools: false\n  smtp_hostnme: mx.example.com\n'));
    chmodSync(join(dir, 'smtp.key'), 0o600);
  });
  after(() => {
    restorePath();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks each problem new or still there and lists the gone ones in the JSON report', async () => {
    const run = await check('--format', 'json');
    const report = JSON.parse(run.stdout) as Report;
    assert.ok(validate(report), JSON.stringify(validate.errors));
    assert.deepEqual(identities(report.results.filter((result) => result.change === 'new')), NEW);
    assert.deepEqual(identities(report.baseline?.gone ?? []), GONE);
    const earlier = JSON.parse(readFileSync(baseline, 'utf8')) as Report;
    const problems = report.results.filter((result) => ['fail', 'warn', 'unknown'].includes(result.status));
    assert.ok(problems.every((result) => result.change === 'new' || result.change === 'still'));
    assert.ok(report.results.filter((result) => !problems.includes(result)).every((result) => !('change' in result)));
    assert.equal(report.baseline?.still, problems.length - NEW.length);
    assert.equal(report.baseline?.startedAt, earlier.startedAt);
    assert.equal(run.code, 1);
  });

  it('shows only the changes in the terminal, and every problem, marked, with -v', async () => {
    const run = await check();
    const problemLines = run.stdout.split('\n').filter((line) => /^ {2}[✖▲?] /.test(line));
    assert.equal(problemLines.length, NEW.length, run.stdout);
    for (const [id, target] of NEW) {
      assert.ok(problemLines.some((line) => line.includes('[new]') && line.endsWith(`  ${id} ${target?.replace('<dir>', dir)}`)), `${id} ${target}`);
    }
    const goneLines = run.stdout.split('\n').filter((line) => line.includes('[gone]'));
    assert.deepEqual(
      goneLines.map((line) => / (config\.[a-z-]+)(?: (\S+))?, was (\w+)$/.exec(line)?.slice(1).map((part) => part?.replace(dir, '<dir>') ?? null)),
      GONE,
    );
    assert.match(run.stdout, /Since the baseline of \S+: 3 new, \d+ still there, 2 gone\./);
    const verbose = await check('-v');
    assert.ok(verbose.stdout.split('\n').filter((line) => line.includes('[still there]')).length > 10);
  });

  it('carries the marks and the gone problems into Markdown, JUnit, Nagios and Prometheus', async () => {
    const markdown = (await check('--format', 'markdown')).stdout;
    assert.equal(markdown.match(/^### .*\(new\): /gm)?.length, NEW.length);
    assert.match(markdown, /^## Changes since the baseline\n\nSince the baseline of \S+: 3 new, \d+ still there, 2 gone\./m);
    assert.match(markdown, /^\| ▲ warn \| `config\.secrets` \| .*smtp\.key \|/m);
    assert.match(markdown, /^\| \? unknown \| `config\.app-smtp` \| {2}\|/m);

    const junit = (await check('--format', 'junit')).stdout;
    assert.equal(junit.match(/new since the baseline/g)?.length, NEW.length);
    assert.match(junit, /<testsuite name="baseline" tests="0"[^>]*>\n {4}<system-out>Since the baseline[^<]*gone: [^<]*\(config\.app-smtp\), was unknown/);

    const nagios = await check('--format', 'nagios');
    assert.match(nagios.stdout.split('\n')[0], / new=3;;;0 gone=2;;;0$/);
    assert.equal(nagios.stdout.match(/^\[(CRITICAL|WARNING)\] \[new\] /gm)?.length, NEW.length);
    assert.equal(nagios.stdout.match(/^\[gone\] /gm)?.length, GONE.length);

    const prometheus = (await check('--format', 'prometheus')).stdout;
    assert.match(prometheus, /^postal_doctor_baseline_problems\{change="new"\} 3$/m);
    assert.match(prometheus, /^postal_doctor_baseline_problems\{change="gone"\} 2$/m);
  });

  it('--fail-on new exits 1 for new problems only, and a report written with --baseline is the next baseline', async () => {
    assert.equal((await check('--fail-on', 'new', '--quiet')).code, 1);
    const next = join(dir, 'next.json');
    await check('--format', 'json', '-o', next, '--quiet');
    const unchanged = await cli(['check', '--offline', '--config', config, '--baseline', next, '--fail-on', 'new', '--format', 'json']);
    const report = JSON.parse(unchanged.stdout) as Report;
    assert.equal(unchanged.code, 0, 'failures that were already there do not fail the run');
    assert.ok(report.summary.fail > 0);
    assert.equal(report.baseline?.new, 0);
    assert.deepEqual(report.baseline?.gone, []);
  });

  it('refuses --fail-on new without a baseline, and a file that is not a report, in one line', async () => {
    const alone = await cli(['check', '--offline', '--config', config, '--fail-on', 'new']);
    assert.equal(alone.code, 2);
    assert.equal(alone.stderr, 'postal-doctor: --fail-on new needs --baseline <report.json>\n');
    const notAReport = join(dir, 'not-a-report.json');
    writeFileSync(notAReport, '{"schemaVersion": 1, "results": []}');
    const wrong = await cli(['check', '--offline', '--config', config, '--baseline', notAReport]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^postal-doctor: .*not-a-report\.json: not a postal-doctor report \(it has no tool, startedAt, .*\); a baseline is a report written with --format json -o <file>\n$/);
    const missing = await cli(['check', '--offline', '--config', config, '--baseline', join(dir, 'absent.json')]);
    assert.match(missing.stderr, /absent\.json: cannot read the baseline \(ENOENT\)\n$/);
  });
});
