import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab, netnsSkipReason, type Lab } from '../../support/netns.js';
import { BIN, REPO } from '../../support/cli.js';
import type { Report } from '../../../src/core/types.js';

const skip = netnsSkipReason();
if (skip) console.log(`# skipping the fix-script namespace test: ${skip}`);

/** Programs the script may call that would change this machine rather than the namespace: recorded, not run. */
const HOST_CHANGING = ['apt-get', 'netfilter-persistent', 'systemctl', 'postal', 'docker'];

describe('the fix script of the sample deployment, run twice in a network namespace', { skip }, () => {
  let lab: Lab;
  let scratch: string;
  let config: string;
  let stubs: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pd-fix-twice-'));
    const deployment = join(scratch, 'deployment');
    mkdirSync(deployment);
    for (const file of ['postal.yml', 'smtp.cert', 'smtp.key', 'signing.key']) {
      copyFileSync(join(REPO, 'examples', file), join(deployment, file));
      chmodSync(join(deployment, file), 0o644);
    }
    config = join(deployment, 'postal.yml');
    stubs = join(scratch, 'bin');
    mkdirSync(stubs);
    for (const name of HOST_CHANGING) {
      writeFileSync(join(stubs, name), `#!/bin/sh\necho "${name} $*" >> ${join(scratch, 'host-calls.log')}\n`);
      chmodSync(join(stubs, name), 0o755);
    }
    lab = await createLab({ clientAddresses: ['192.0.2.1/24', '2001:db8::1/64'], remoteAddresses: ['192.0.2.10/24', '2001:db8::10/64'] });
    // Postal's SMTP server, on port 25 of every address.
    await lab.client.startGreeter('::', 25, '220 postal.example.net ESMTP Postal/netns');
  });
  after(async () => {
    await lab?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });

  const doctor = async (args: string[]) => lab.client.exec(process.execPath, [BIN, ...args, '--offline', '--config', config]);
  /** Every nat rule of the namespace, as `iptables -A …` / `ip6tables -A …`. */
  const natRules = async () => {
    const rules: string[] = [];
    for (const tool of ['iptables', 'ip6tables']) {
      const saved = await lab.client.must(`${tool}-save`, ['-t', 'nat']);
      rules.push(...saved.split('\n').filter((line) => line.startsWith('-A ')).map((line) => `${tool} ${line}`));
    }
    return rules;
  };

  it('leaves exactly one copy of each rule, and check afterwards shows those problems gone', async () => {
    const before = JSON.parse((await doctor(['check', '--format', 'json'])).stdout) as Report;
    const problem = (report: Report, check: string) => report.results.filter((result) => result.check === check && result.status !== 'pass').map((result) => result.target);
    assert.deepEqual(problem(before, 'network.alt-ports'), ['587', '2525']);
    assert.equal(problem(before, 'config.secrets').length, 3, 'postal.yml and both keys readable by everyone');
    assert.deepEqual(problem(before, 'config.app-smtp'), [null]);

    const fix = await doctor(['fix']);
    assert.equal(fix.code, 1, fix.stderr);
    const script = join(scratch, 'fix.sh');
    writeFileSync(script, fix.stdout);
    const runs = [];
    for (let time = 0; time < 2; time++) {
      const run = await lab.client.exec('env', [`PATH=${stubs}:${process.env.PATH}`, 'bash', script]);
      assert.equal(run.code, 0, `run ${time + 1}: ${run.stderr}`);
      runs.push({ output: run.stdout, rules: await natRules() });
    }
    assert.equal(runs[0]!.rules.length, 8, runs[0]!.rules.join('\n'));
    assert.deepEqual(runs[1]!.rules, runs[0]!.rules, 'the second run adds nothing');
    assert.equal(new Set(runs[1]!.rules).size, runs[1]!.rules.length, 'no rule twice');
    assert.match(runs[1]!.output, /postal-doctor fix: done\. Steps that need a person/, 'it says what is left for a person instead of stopping');

    const afterwards = JSON.parse((await doctor(['check', '--format', 'json'])).stdout) as Report;
    assert.deepEqual(problem(afterwards, 'network.alt-ports'), []);
    assert.deepEqual(problem(afterwards, 'config.secrets'), []);
    assert.deepEqual(problem(afterwards, 'config.app-smtp'), [], 'the OUTPUT redirect for 2525 carries Postal’s own mail');
    assert.equal(await lab.client.connect('127.0.0.1', 2525), '220 postal.example.net ESMTP Postal/netns');
    assert.equal(await lab.remote.connect('2001:db8::1', 587), '220 postal.example.net ESMTP Postal/netns');
  });
});
