import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INSTALLED, RECIPES, SAMPLE, useRecipeWorkspace, missing, run } from '../../support/recipes.js';

const workspace = useRecipeWorkspace();

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
    POSTAL_DOCTOR_URL: `file://${workspace.doctor()}`,
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
      const cwd = mkdtempSync(join(workspace.scratch(), 'github-'));
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
      const cwd = mkdtempSync(join(workspace.scratch(), 'gitlab-'));
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
    const local = command.replace('/usr/bin/sudo -n ', '').replace(INSTALLED, workspace.doctor());
    const result = run('sh', ['-c', `${local} --offline --config '${SAMPLE}'`]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stdout, /^POSTAL-DOCTOR CRITICAL - .* \| pass=\d+;;;0 /);
  });
});
