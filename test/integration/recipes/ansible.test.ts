import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECIPES, SAMPLE, useRecipeWorkspace, missing, run } from '../../support/recipes.js';

const workspace = useRecipeWorkspace();

describe('the Ansible playbook', { skip: missing('ansible-playbook', 'ansible-core') }, () => {
  const playbook = join(RECIPES, 'ansible/postal-doctor.yml');

  it('passes ansible-playbook --syntax-check', () => {
    const result = run('ansible-playbook', ['--syntax-check', '-i', join(RECIPES, 'ansible/inventory.example.ini'), playbook]);
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('installs the doctor on each host, runs it, and writes the fleet summary on the controller, problems marked against the last run', () => {
    const work = join(workspace.scratch(), 'ansible');
    for (const name of ['mx1/state', 'mx2']) mkdirSync(join(work, name), { recursive: true });
    // Two "hosts" on this machine: mx1 with the sample deployment, mx2 where the doctor cannot run (no postal.yml).
    const python = run('sh', ['-c', 'command -v python3']).stdout.trim();
    const host = (name: string, config: string) =>
      `${name} ansible_connection=local ansible_python_interpreter=${python} postal_doctor_path=${join(work, name, 'postal-doctor')} ` +
      `postal_doctor_report=${join(work, name, 'state/report.json')} postal_doctor_args='["--offline", "--config", "${config}"]'`;
    writeFileSync(join(work, 'inventory.ini'), `[postal]\n${host('mx1', SAMPLE)}\n${host('mx2', join(work, 'absent.yml'))}\n`);
    const reports = join(work, 'reports');
    const variables = { postal_doctor_binary: workspace.doctor(), postal_doctor_become: false, fleet_reports_dir: reports };
    const play = () =>
      run('ansible-playbook', ['-i', 'inventory.ini', '-e', JSON.stringify(variables), playbook], {
        cwd: work,
        env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(work, 'tmp'), ANSIBLE_REMOTE_TEMP: join(work, 'tmp') },
      });
    type Summary = {
      hosts: Array<{ host: string; ran: boolean; exitCode?: number; new?: number | null; reason?: string; problems?: Array<{ change: string | null }> }>;
      withProblems: string[];
      notRun: string[];
    };
    const summary = () => JSON.parse(readFileSync(join(reports, 'fleet-summary.json'), 'utf8')) as Summary;

    // mx1 has a report from an earlier run: the playbook's run compares with it.
    const earlier = run(workspace.doctor(), ['check', '--offline', '--config', SAMPLE, '--format', 'json', '--output', join(work, 'mx1/state/report.json'), '--quiet']);
    assert.equal(earlier.status, 1, earlier.stderr);

    const result = play();
    assert.notEqual(result.status, 0, 'a host where the doctor could not run fails the playbook');
    assert.ok(existsSync(join(work, 'mx1/postal-doctor')) && existsSync(join(work, 'mx2/postal-doctor')), 'the doctor was installed on both');
    const report = JSON.parse(readFileSync(join(reports, 'mx1.json'), 'utf8')) as { exitCode: number; results: Array<{ status: string }> };
    const [mx1, mx2] = summary().hosts;
    assert.equal(mx1.host, 'mx1');
    assert.equal(mx1.exitCode, report.exitCode);
    assert.equal(mx1.problems?.length, report.results.filter((result) => ['fail', 'warn', 'unknown'].includes(result.status)).length);
    assert.ok((mx1.problems?.length ?? 0) > 0);
    assert.equal(mx1.new, 0, 'nothing changed since the earlier run');
    assert.ok(mx1.problems?.every((problem) => problem.change === 'still'));
    assert.deepEqual(summary().withProblems, ['mx1']);
    assert.deepEqual(summary().notRun, ['mx2']);
    assert.match(mx2.reason ?? '', /absent\.yml: no such file/);
  });
});
