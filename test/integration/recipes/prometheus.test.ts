import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INSTALLED, RECIPES, SAMPLE, useRecipeWorkspace, has, missing, run } from '../../support/recipes.js';

const workspace = useRecipeWorkspace();

/** The command of a systemd ExecStart= or cron line, pointed at this checkout's doctor and the sample. */
function sampleCommand(line: string, textfileDirectory: string): string {
  return `${line.replace(INSTALLED, workspace.doctor()).replaceAll('/var/lib/prometheus/node-exporter', textfileDirectory)} --offline --config '${SAMPLE}'`;
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
      const textfiles = join(workspace.scratch(), `textfile-${name}`);
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
      assert.match(metrics, /^postal_doctor_check_status\{check="config\.hostnames",.*\} 2$/m);
    }
  });

  it('the unit files are valid systemd units', { skip: has('systemd-analyze') ? false : 'systemd-analyze is not installed' }, () => {
    // systemd-analyze verify wants the ExecStart program to exist: it gets this checkout's doctor.
    const units = join(workspace.scratch(), 'units');
    mkdirSync(units);
    for (const name of ['postal-doctor.service', 'postal-doctor.timer']) {
      writeFileSync(join(units, name), readFileSync(join(RECIPES, 'systemd', name), 'utf8').replace(INSTALLED, workspace.doctor()));
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

