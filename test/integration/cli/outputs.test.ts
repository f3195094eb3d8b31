import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REPO } from '../../support/cli.js';
import type { Report } from '../../../src/core/types.js';

const SAMPLE = join(REPO, 'examples/postal.yml');

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'postal-doctor-outputs-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the sample deployment whose key files can be made private or public between two runs. */
function sampleCopy(name: string): { config: string; keys: string[] } {
  const directory = join(scratch, name);
  mkdirSync(directory);
  for (const file of ['postal.yml', 'smtp.cert', 'smtp.key', 'signing.key', 'example-root-ca.pem']) copyFileSync(join(REPO, 'examples', file), join(directory, file));
  const keys = ['postal.yml', 'smtp.key', 'signing.key'].map((file) => join(directory, file));
  return { config: join(directory, 'postal.yml'), keys };
}

const testcaseNames = (xml: string) => [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((match) => `${match[1]} | ${match[2]}`);
const statusSeries = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('postal_doctor_check_status{'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')));

describe('an identity CI can track', () => {
  const notRoot = process.getuid?.() !== 0 ? 'needs root, to give the key files to group 999 as the fix says' : false;
  it('JUnit test names and Prometheus series are identical across a failing and a passing run', { skip: notRoot }, async () => {
    const { config, keys } = sampleCopy('identity');
    const args = ['--offline', '--only', 'config.secrets', '--config', config];
    for (const key of keys) chmodSync(key, 0o644);
    const failingJunit = await cli(['check', '--format', 'junit', ...args]);
    const failingProm = await cli(['check', '--format', 'prometheus', ...args]);
    assert.match(failingJunit.stdout, /<failure|type="warning"|WARNING:/, 'the keys readable by everyone are a problem');
    for (const key of keys) {
      chownSync(key, 0, 999);
      chmodSync(key, 0o640);
    }
    const passingJunit = await cli(['check', '--format', 'junit', ...args]);
    const passingProm = await cli(['check', '--format', 'prometheus', ...args]);
    assert.doesNotMatch(passingJunit.stdout, /WARNING:|<failure/);
    assert.notEqual(failingProm.stdout, passingProm.stdout, 'the values changed');
    assert.deepEqual(testcaseNames(passingJunit.stdout), testcaseNames(failingJunit.stdout));
    assert.deepEqual(statusSeries(passingProm.stdout), statusSeries(failingProm.stdout));
    assert.ok(testcaseNames(failingJunit.stdout).includes(`config.secrets | config.secrets ${keys[1]}`));
  });

  it('JUnit and Prometheus reports are written when the doctor cannot run, with the error in them', async () => {
    const missing = join(scratch, 'absent.yml');
    const prom = join(scratch, 'postal_doctor.prom');
    writeFileSync(prom, 'postal_doctor_exit_code 0\n');
    const run = await cli(['check', '--format', 'prometheus', '--output', prom, '--quiet', '--config', missing]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /absent\.yml: no such file/);
    const metrics = readFileSync(prom, 'utf8');
    assert.match(metrics, /^postal_doctor_exit_code 2$/m);
    assert.match(metrics, /^postal_doctor_run_error 1$/m);
    assert.match(metrics, /^postal_doctor_run_error_info\{reason=".*absent\.yml: no such file.*"\} 1$/m);

    const junit = await cli(['check', '--format', 'junit', '--config', missing]);
    assert.equal(junit.code, 2);
    assert.match(junit.stdout, /<testcase classname="postal-doctor" name="postal-doctor run" time="0\.000">\n\s+<error type="cannot-run" message="[^"]*absent\.yml: no such file/);
    assert.match(junit.stdout, /<testsuites name="postal-doctor" tests="1" failures="0" errors="1"/);
  });

  it('a run in which no check reached a verdict exits 1, whatever --fail-on says; --fail-on unknown counts unknowns', async () => {
    const nothing = await cli(['check', '--offline', '--only', 'dns', '--config', SAMPLE]);
    assert.equal(nothing.code, 1, 'every result skipped');
    assert.match(nothing.stdout, /No check reached a verdict/);
    const version = ['check', '--offline', '--only', 'postal.version,tls.enabled', '--config', SAMPLE];
    assert.equal((await cli(version)).code, 0, 'an unknown beside a pass: exit 0 by default');
    assert.equal((await cli([...version, '--fail-on', 'unknown'])).code, 1);
  });
});

describe('options that used to mislead', () => {
  it('-o into a missing directory fails before the run, naming the directory', async () => {
    const started = performance.now();
    const run = await cli(['check', '--offline', '--format', 'json', '-o', '/nonexistent/dir/x.json', '--config', SAMPLE]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'postal-doctor: /nonexistent/dir/x.json: cannot write the report: /nonexistent/dir is not an existing directory\n');
    assert.equal(run.stdout, '', 'nothing ran');
    assert.ok(performance.now() - started < 2000);
  });

  it('a directory as --config says which file to give', async () => {
    const run = await cli(['check', '--config', join(REPO, 'examples')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /examples: is a directory, not a Postal config file \(--config takes the file itself, such as .*examples\/postal\.yml\)/);
  });

  it('an empty or tab-indented file: the header names the file, and config.syntax says what is wrong', async () => {
    for (const [name, text] of [['empty.yml', ''], ['tabs.yml', 'version: 2\npostal:\n\tsmtp_hostname: mail.example.com\n']] as const) {
      const path = join(scratch, name);
      writeFileSync(path, text);
      const run = await cli(['check', '--offline', '--config', path]);
      const [header] = run.stdout.split('\n');
      assert.equal(header, `postal-doctor 1.0.0 — ${path}`);
      assert.doesNotMatch(run.stdout, /unreadable/);
      assert.match(run.stdout, /^ {2}✖ .* config\.syntax /m);
    }
  });

  it('config on a file Postal cannot load exits 2 and points to config.syntax', async () => {
    const path = join(scratch, 'broken.yml');
    writeFileSync(path, 'version: 2\npostal:\n\tsmtp_hostname: mail.example.com\n');
    const run = await cli(['config', '--config', path]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /broken\.yml: Postal cannot load this file \(.*\); postal-doctor check --only config\.syntax explains it\n$/);
    assert.equal(run.stdout, '');
  });

  it('--only postal prints the Postal section and no other', async () => {
    const run = await cli(['check', '--offline', '--only', 'postal', '--config', SAMPLE]);
    const headings = run.stdout.split('\n').filter((line) => /^[A-Z][A-Za-z]+$/.test(line));
    assert.deepEqual(headings, ['Postal']);
  });

  it('explain and --only suggest the check meant', async () => {
    assert.equal((await cli(['explain', 'hostnames'])).stderr, 'postal-doctor: no check named "hostnames"; did you mean config.hostnames?\n');
    assert.match((await cli(['check', '--only', 'config.hostname', '--config', SAMPLE])).stderr, /did you mean config\.hostnames\?/);
  });

  it('report honours --format; fix has none and says so', async () => {
    const json = await cli(['report', '--offline', '--format', 'json', '--config', SAMPLE]);
    assert.equal((JSON.parse(json.stdout) as Report).schemaVersion, 1);
    assert.match((await cli(['report', '--offline', '--config', SAMPLE])).stdout, /^# postal-doctor report/);
    const fix = await cli(['fix', '--format', 'json', '--config', SAMPLE]);
    assert.equal(fix.code, 2);
    assert.match(fix.stderr, /unknown option '--format'/);
  });

  it('--timeout beyond what timers allow is a usage error, not 25 lines of warnings', async () => {
    const run = await cli(['check', '--offline', '--timeout', '99999999999', '--config', SAMPLE]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.split('\n').filter(Boolean).length <= 2, true, run.stderr);
    assert.doesNotMatch(run.stderr, /TimeoutOverflowWarning/);
  });
});

describe('explain pages', () => {
  it('show fixes with placeholders such as <your-hostname>, never the example names config.hostnames flags', async () => {
    const list = JSON.parse((await cli(['list', '--format', 'json'])).stdout) as Array<{ id: string }>;
    for (const { id } of list) {
      const page = (await cli(['explain', id])).stdout;
      const fix = page.slice(page.indexOf('## How to fix'));
      assert.ok(page.includes('## How to fix'), id);
      assert.doesNotMatch(fix, /\bexample\.(com|net|org)\b/, `${id}: an example name in how to fix`);
    }
  });
});

describe('the fix script of the sample', () => {
  it('names the steps that need a person when it ends', async () => {
    const run = await cli(['fix', '--offline', '--config', SAMPLE]);
    assert.match(run.stdout, /^echo 'postal-doctor fix: done\. Steps that need a person/m);
    assert.match(run.stdout, /^echo ' {2}- edit postal\.yml by hand \(section "Changes to postal\.yml"\): \d+ problems'$/m);
    assert.ok(existsSync(SAMPLE));
  });
});
