import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BIN, REPO } from '../../support/cli.js';

const RECIPES = join(REPO, 'docs/recipes');
const SAMPLE = join(REPO, 'examples/postal.yml');
/** Where the recipes install the single executable; the tests put a postal-doctor of this checkout there instead. */
const INSTALLED = '/usr/local/bin/postal-doctor';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = (tool: string, debianPackage: string) => {
  if (has(tool)) return false;
  console.log(`# recipe tests skipped: ${tool} is not installed (Debian package ${debianPackage})`);
  return `${tool} is not installed (Debian package ${debianPackage})`;
};

let scratch: string;
/** A `postal-doctor` command for this checkout, standing for the single executable the recipes install. */
let doctor: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'postal-doctor-recipes-'));
  doctor = join(scratch, 'postal-doctor');
  writeFileSync(doctor, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(doctor, 0o755);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return spawnSync(command, args, { encoding: 'utf8', timeout: 120000, ...options, env: { ...process.env, CI: 'true', ...options.env } });
}

/** The command of a systemd ExecStart= or cron line, pointed at this checkout's doctor and the sample. */
function sampleCommand(line: string, textfileDirectory: string): string {
  return `${line.replace(INSTALLED, doctor).replaceAll('/var/lib/prometheus/node-exporter', textfileDirectory)} --offline --config '${SAMPLE}'`;
}

describe('systemd, cron and Prometheus recipes', { skip: missing('promtool', 'prometheus') }, () => {
  it('the service and the cron line write a textfile that promtool accepts, without temporary files left', () => {
    const service = readFileSync(join(RECIPES, 'systemd/postal-doctor.service'), 'utf8');
    const execStart = /^ExecStart=(.+)$/m.exec(service)?.[1] ?? '';
    const successStatuses = (/^SuccessExitStatus=(.+)$/m.exec(service)?.[1] ?? '').split(/\s+/).map(Number);
    const cron = readFileSync(join(RECIPES, 'systemd/postal-doctor.cron'), 'utf8');
    const cronCommand = /^[\d*]+ [\d*]+ [\d*]+ [\d*]+ [\d*]+ root (.+)$/m.exec(cron)?.[1] ?? '';
    assert.match(execStart, /--output \/var\/lib\/prometheus\/node-exporter\/postal_doctor\.prom/);

    for (const [name, line] of [['service', execStart], ['cron', cronCommand]]) {
      const textfiles = join(scratch, `textfile-${name}`);
      mkdirSync(textfiles);
      const result = run('sh', ['-c', sampleCommand(line, textfiles)]);
      // The sample has problems: exit 1, which the unit counts as success; the cron line prints nothing.
      assert.equal(result.status, 1, result.stderr);
      assert.ok(successStatuses.includes(1));
      assert.equal(result.stdout, '');
      assert.deepEqual(readdirSync(textfiles), ['postal_doctor.prom']);
      const metrics = readFileSync(join(textfiles, 'postal_doctor.prom'), 'utf8');
      const lint = run('promtool', ['check', 'metrics'], { input: metrics });
      assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`);
      assert.match(metrics, /^postal_doctor_check_status\{check="config\.hostnames",.*status="fail"\} 2$/m);
    }
  });

  it('the unit files are valid systemd units', { skip: has('systemd-analyze') ? false : 'systemd-analyze is not installed' }, () => {
    // systemd-analyze verify wants the ExecStart program to exist: it gets this checkout's doctor.
    const units = join(scratch, 'units');
    mkdirSync(units);
    for (const name of ['postal-doctor.service', 'postal-doctor.timer']) {
      writeFileSync(join(units, name), readFileSync(join(RECIPES, 'systemd', name), 'utf8').replace(INSTALLED, doctor));
    }
    const verify = run('systemd-analyze', ['verify', '--man=no', join(units, 'postal-doctor.service'), join(units, 'postal-doctor.timer')]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.doesNotMatch(verify.stderr, /postal-doctor\.(service|timer)/);
  });

  it('the alert rules pass promtool check rules and their unit tests', () => {
    const directory = join(RECIPES, 'prometheus');
    const check = run('promtool', ['check', 'rules', 'postal-doctor.rules.yml'], { cwd: directory });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /SUCCESS: 4 rules found/);
    const tests = run('promtool', ['test', 'rules', 'postal-doctor.rules.test.yml'], { cwd: directory });
    assert.equal(tests.status, 0, `${tests.stdout}${tests.stderr}`);
    const alerts = (parse(readFileSync(join(directory, 'postal-doctor.rules.test.yml'), 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string }> }> }).tests
      .flatMap((group) => group.alert_rule_test.map((test) => test.alertname));
    for (const alert of ['PostalDoctorProblemAppeared', 'PostalDoctorNotRunning', 'PostalDoctorNeverRan', 'PostalDoctorCheckUnknown']) {
      assert.ok(alerts.includes(alert), `${alert} has no unit test`);
    }
  });
});

describe('the Ansible playbook', { skip: missing('ansible-playbook', 'ansible-core') }, () => {
  const playbook = join(RECIPES, 'ansible/postal-doctor.yml');

  it('passes ansible-playbook --syntax-check', () => {
    const result = run('ansible-playbook', ['--syntax-check', '-i', join(RECIPES, 'ansible/inventory.example.ini'), playbook]);
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('installs the doctor on a host, runs it, and writes the fleet summary on the controller, new problems against the last run', () => {
    const work = join(scratch, 'ansible');
    mkdirSync(join(work, 'host'), { recursive: true });
    writeFileSync(join(work, 'inventory.ini'), `[postal]\nlocalhost ansible_connection=local ansible_python_interpreter=${spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim()}\n`);
    const reports = join(work, 'reports');
    const variables = {
      postal_doctor_binary: doctor,
      postal_doctor_path: join(work, 'host/postal-doctor'),
      postal_doctor_report: join(work, 'host/state/report.json'),
      postal_doctor_args: ['--offline', '--config', SAMPLE],
      postal_doctor_become: false,
      fleet_reports_dir: reports,
    };
    const play = (extra: object = {}) =>
      run('ansible-playbook', ['-i', 'inventory.ini', '-e', JSON.stringify({ ...variables, ...extra }), playbook], { cwd: work, env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(work, 'tmp'), ANSIBLE_REMOTE_TEMP: join(work, 'tmp') } });

    const first = play();
    assert.equal(first.status, 0, `${first.stdout}${first.stderr}`);
    assert.ok(existsSync(join(work, 'host/postal-doctor')), 'the doctor was installed');
    const hostReport = JSON.parse(readFileSync(join(reports, 'localhost.json'), 'utf8')) as { exitCode: number; results: Array<{ status: string }> };
    type Summary = { hosts: Array<{ host: string; ran: boolean; exitCode: number; new: number | null; problems: Array<{ change: string | null }> }>; withProblems: string[]; notRun: string[] };
    const summary = () => JSON.parse(readFileSync(join(reports, 'fleet-summary.json'), 'utf8')) as Summary;
    const [host] = summary().hosts;
    assert.equal(host.host, 'localhost');
    assert.equal(host.exitCode, hostReport.exitCode);
    assert.equal(host.problems.length, hostReport.results.filter((result) => ['fail', 'warn', 'unknown'].includes(result.status)).length);
    assert.ok(host.problems.length > 0);
    assert.deepEqual(summary().withProblems, ['localhost']);
    assert.equal(host.new, null, 'no baseline on the first run');

    const second = play();
    assert.equal(second.status, 0, `${second.stdout}${second.stderr}`);
    assert.equal(summary().hosts[0].new, 0);
    assert.ok(summary().hosts[0].problems.every((problem) => problem.change === 'still'));

    const broken = play({ postal_doctor_args: ['--offline', '--config', join(work, 'absent.yml')] });
    assert.notEqual(broken.status, 0, 'a host where the doctor could not run fails the playbook');
    assert.deepEqual(summary().notRun, ['localhost']);
  });
});

/** `run:` steps of a GitHub Actions job or `script:` lines of a GitLab job, run by bash as the CI would. */
function runSteps(scripts: string[], cwd: string, env: NodeJS.ProcessEnv) {
  let status = 0;
  let stderr = '';
  for (const script of scripts) {
    const result = run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env });
    stderr += result.stderr;
    status = result.status ?? -1;
    if (status !== 0) break;
  }
  return { status, stderr };
}

function junitCounts(xml: string) {
  const root = /<testsuites [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml);
  return root ? { tests: Number(root[1]), failures: Number(root[2]) } : null;
}

describe('CI recipes, their shell steps run here', { skip: missing('curl', 'curl') }, () => {
  // The job talks to the Postal host with `$POSTAL_SSH <command>`; `sh -c` is that host, here.
  const common = (cwd: string) => ({
    HOME: cwd,
    POSTAL_SSH: 'sh -c',
    POSTAL_DOCTOR_URL: `file://${doctor}`,
    POSTAL_DOCTOR_BIN: join(cwd, 'installed-postal-doctor'),
    SUDO: '',
    POSTAL_SSH_KEY: 'test key',
    POSTAL_KNOWN_HOSTS: 'postal.example.com ssh-ed25519 AAAA',
  });

  it('GitHub Actions: installs over "SSH", writes the JUnit report and fails on the exit code', () => {
    const workflow = parse(readFileSync(join(RECIPES, 'ci/github-actions.yml'), 'utf8')) as { jobs: { check: { steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }> } } };
    const { steps } = workflow.jobs.check;
    const scripts = steps.flatMap((step) => (step.run ? [step.run] : []));
    assert.equal(steps.find((step) => step.uses?.startsWith('mikepenz/action-junit-report'))?.with?.report_paths, 'postal-doctor.xml');

    for (const [args, expected] of [[`--offline --config '${SAMPLE}'`, 1], [`--offline --config '${SAMPLE}' --only config.syntax`, 0]] as const) {
      const cwd = mkdtempSync(join(scratch, 'github-'));
      const result = runSteps(scripts, cwd, { ...common(cwd), POSTAL_DOCTOR_ARGS: args });
      assert.equal(result.status, expected, result.stderr);
      assert.ok(existsSync(join(cwd, 'installed-postal-doctor')));
      const counts = junitCounts(readFileSync(join(cwd, 'postal-doctor.xml'), 'utf8'));
      assert.ok(counts && counts.tests > 0);
      assert.equal(counts.failures > 0, expected === 1);
    }
  });

  it('GitLab CI: runs on the host, writes the JUnit artifact and fails on the exit code', () => {
    const job = (parse(readFileSync(join(RECIPES, 'ci/gitlab-ci.yml'), 'utf8')) as Record<string, { script: string[]; artifacts: { when: string; reports: { junit: string } } }>)['postal-doctor'];
    assert.equal(job.artifacts.reports.junit, 'postal-doctor.xml');
    assert.equal(job.artifacts.when, 'always');

    for (const [args, expected] of [[`--offline --config ${SAMPLE}`, 1], [`--offline --config ${SAMPLE} --only config.syntax`, 0]] as const) {
      const cwd = mkdtempSync(join(scratch, 'gitlab-'));
      // GitLab runs the script lines as one shell script that stops at the first failing line.
      const result = runSteps([job.script.join('\n')], cwd, { ...common(cwd), POSTAL_DOCTOR_ARGS: args });
      assert.equal(result.status, expected, result.stderr);
      const counts = junitCounts(readFileSync(join(cwd, 'postal-doctor.xml'), 'utf8'));
      assert.ok(counts && counts.tests > 0);
      assert.equal(counts.failures > 0, expected === 1);
    }
  });

  it('Nagios: the NRPE command prints a plugin status line and exits with the plugin state', () => {
    const nrpe = readFileSync(join(RECIPES, 'nagios/nrpe.cfg'), 'utf8');
    const command = /^command\[check_postal_doctor\]=(.+)$/m.exec(nrpe)?.[1] ?? '';
    assert.match(readFileSync(join(RECIPES, 'nagios/postal-doctor.cfg'), 'utf8'), /check_nrpe .* -c check_postal_doctor/);
    const local = command.replace('/usr/bin/sudo -n ', '').replace(INSTALLED, doctor);
    const result = run('sh', ['-c', `${local} --offline --config '${SAMPLE}'`]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stdout, /^POSTAL-DOCTOR CRITICAL - .* \| pass=\d+;;;0 /);
  });
});
