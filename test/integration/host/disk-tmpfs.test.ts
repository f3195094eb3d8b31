import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandProbe } from '../../../src/probes/types.js';
import { createFileProbe } from '../../../src/probes/files.js';
import { diskCheck } from '../../../src/checks/host/disk.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { mountTmpfs, tmpfsMissing, type Tmpfs } from '../../support/tmpfs.js';

/** Docker as the disk check asks it: its root, and no installer containers (so MariaDB's data is the host's /var/lib/mysql). */
const docker: CommandProbe = {
  async run(command, args) {
    if (command === 'docker' && args[0] === 'info') return { outcome: 'ok', exitCode: 0, stdout: '/var/lib/docker\n', stderr: '' };
    if (command === 'docker' && args[0] === 'inspect') return { outcome: 'failed', exitCode: 1, stdout: '[]\n', stderr: 'Error: No such object: postal-mariadb\n' };
    throw new Error(`unexpected command ${command} ${args.join(' ')}`);
  },
};

const missing = tmpfsMissing();
if (missing) console.log(`# skipping the tmpfs disk tests: ${missing}`);

describe('host.disk on tmpfs filesystems of known size', { skip: missing ?? false }, () => {
  let disks: Tmpfs;
  before(() => {
    disks = mountTmpfs({ '/opt/postal': 'size=16m', '/var/lib/docker': 'size=16m', '/var/lib/mysql': 'size=64m,nr_inodes=100' });
    disks.fill('/opt/postal', 12.5); // 3.5 of 16 MiB free: 21 %
    disks.fill('/var/lib/docker', 15); // 1 of 16 MiB free: 6 %
    disks.touch('/var/lib/mysql', 90); // about 9 of 100 inodes free, space plenty
  });
  after(() => disks?.cleanup());

  const run = (thresholds: Record<string, number>) =>
    runCheck(diskCheck, { probes: { commands: docker, files: createFileProbe(disks.root) }, options: { hostRoot: disks.root, thresholds } });

  it('warns under 30 % free, fails under 15 % free and on inodes running out', async () => {
    const results = await run({ 'disk.fail-mib': 1 });
    assert.deepEqual(brief(results), [
      { target: '/opt/postal', status: 'warn', messageId: 'low' },
      { target: '/var/lib/docker', status: 'fail', messageId: 'low' },
      { target: '/var/lib/mysql', status: 'fail', messageId: 'low-inodes' },
    ]);
    assert.equal(results[0].title, '/opt/postal: only 3.5 MiB free (21 %)');
    assert.match(results[0].message, /3\.5 MiB of 16\.0 MiB free \(21 %, limit 30 %\)/);
    assert.match(results[1].message, /Docker's data \(\/var\/lib\/docker\)/);
    assert.match(results[2].message, /MariaDB's data \(\/var\/lib\/mysql\) has \d+ of 100 inodes free/);
  });

  it('fails a filesystem with less free than the set size, whatever its share', async () => {
    const results = await run({});
    assert.deepEqual(brief(results).slice(0, 1), [{ target: '/opt/postal', status: 'fail', messageId: 'low' }]);
    assert.match(results[0].message, /limit 15 % or 1\.0 GiB/);
  });

  it('takes its limits from --threshold', async () => {
    const results = await run({ 'disk.fail-mib': 1, 'disk.warn-percent': 20, 'disk.fail-percent': 5 });
    assert.deepEqual(brief(results), [
      { target: '/opt/postal', status: 'pass', messageId: 'ok' },
      { target: '/var/lib/docker', status: 'warn', messageId: 'low' },
      { target: '/var/lib/mysql', status: 'warn', messageId: 'low-inodes' },
    ]);
  });
});

describe('host.disk on one filesystem', () => {
  it('reports places on the same filesystem once, naming what each holds', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pd-disk-'));
    try {
      for (const path of ['opt/postal', 'var/lib/docker']) mkdirSync(join(root, path), { recursive: true });
      const results = await runCheck(diskCheck, { probes: { commands: docker, files: createFileProbe(root) }, options: { hostRoot: root } });
      assert.equal(results.length, 1);
      assert.equal(results[0].target, '/opt/postal');
      assert.match(results[0].message, /The filesystem of Postal \(\/opt\/postal\), Docker's data \(\/var\/lib\/docker\) has /);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
