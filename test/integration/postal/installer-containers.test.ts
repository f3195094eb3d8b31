import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postalContainersCheck } from '../../../src/checks/postal/containers.js';
import { diskCheck } from '../../../src/checks/host/disk.js';
import { createCommandProbe } from '../../../src/probes/commands.js';
import { createFileProbe } from '../../../src/probes/files.js';
import type { Result } from '../../../src/core/types.js';
import { runCheck } from '../../support/check-tester.js';
import { mountTmpfs, tmpfsMissing, type Tmpfs } from '../../support/tmpfs.js';
import { buildBusyboxImage, claimInstallerNames, dockerCommand, installerNamesTaken, realDockerMissing, removeImage, runId, runInstallerLike } from '../../support/real-docker.js';

const missing = realDockerMissing() ?? tmpfsMissing() ?? installerNamesTaken();
if (missing) console.log(`# skipping the installer container tests: ${missing}`);

/** MariaDB's data directory: a 16 MiB tmpfs, 14.5 MiB of it written, so 9 % is free. */
const DATADIR = '/var/lib/mysql';

/** A process that ends cleanly on `docker stop`, as Caddy and MariaDB do. */
const SERVE = 'trap "exit 0" TERM; while :; do sleep 1; done';

const mine = (results: Result[], target: string) => results.filter((result) => result.target === target);
const brief = (results: Result[]) => results.map(({ target, status, messageId }) => ({ target, status, messageId }));

/**
 * postal-caddy and postal-mariadb as Postal's installation guide starts them (prerequisites/install-ubuntu.v3.sh for
 * MariaDB: --restart always, MARIADB_DATABASE and MARIADB_ROOT_PASSWORD; the guide's Caddy: --network host, the
 * Caddyfile and its data directory mounted), with MariaDB's data on a host directory of known size. The names are
 * the installer's own, so the file holds a machine-wide lock on them while its containers exist.
 */
describe("the installer's postal-caddy and postal-mariadb in a real Docker daemon", { skip: missing ?? false }, () => {
  const image = `postal-doctor-test-busybox:${runId()}`;
  let release: (() => void) | undefined;
  let scratch = '';
  let disks: Tmpfs | undefined;
  let datadir = '';

  before(async () => {
    release = await claimInstallerNames();
    scratch = mkdtempSync(join(tmpdir(), 'pd-installer-'));
    writeFileSync(join(scratch, 'Caddyfile'), 'postal.example.net {\n  reverse_proxy 127.0.0.1:5000\n}\n');
    mkdirSync(join(scratch, 'caddy-data'));
    disks = mountTmpfs({ [DATADIR]: 'size=16m' });
    disks.fill(DATADIR, 14.5);
    datadir = join(disks.root, DATADIR);
    buildBusyboxImage(image);
    runInstallerLike(image, {
      name: 'postal-caddy',
      network: 'host',
      volumes: { [join(scratch, 'Caddyfile')]: '/etc/caddy/Caddyfile', [join(scratch, 'caddy-data')]: '/data' },
      script: SERVE,
    });
    runInstallerLike(image, {
      name: 'postal-mariadb',
      network: 'none',
      volumes: { [datadir]: DATADIR },
      env: { MARIADB_DATABASE: 'postal', MARIADB_ROOT_PASSWORD: 'postal' },
      script: SERVE,
    });
  });
  after(() => {
    // The containers go first: the tmpfs cannot be unmounted while postal-mariadb holds it.
    release?.();
    disks?.cleanup();
    removeImage(image);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const containers = () => runCheck(postalContainersCheck, { probes: { commands: createCommandProbe() } });

  it('postal.containers passes both while they run', async () => {
    const results = await containers();
    assert.deepEqual(brief([...mine(results, 'postal-caddy'), ...mine(results, 'postal-mariadb')]), [
      { target: 'postal-caddy', status: 'pass', messageId: 'running' },
      { target: 'postal-mariadb', status: 'pass', messageId: 'running' },
    ]);
    assert.equal(mine(results, 'postal-caddy')[0]!.message, 'postal-caddy runs the Caddy proxy that serves the web interface over HTTPS.');
    assert.equal(mine(results, 'postal-mariadb')[0]!.message, 'postal-mariadb runs the MariaDB database server.');
  });

  it('postal.containers fails a stopped postal-caddy with `docker start postal-caddy`, which brings it back', async () => {
    dockerCommand(['stop', 'postal-caddy']);
    const results = await containers();
    const [caddy] = mine(results, 'postal-caddy');
    assert.deepEqual(brief([caddy!, ...mine(results, 'postal-mariadb')]), [
      { target: 'postal-caddy', status: 'fail', messageId: 'stopped' },
      { target: 'postal-mariadb', status: 'pass', messageId: 'running' },
    ]);
    assert.equal(caddy!.message, 'postal-caddy (the Caddy proxy that serves the web interface over HTTPS) is exited (exit code 0).');
    assert.deepEqual(caddy!.fix?.commands, ['docker start postal-caddy']);
    assert.equal(caddy!.fix?.kind, 'restart');
    const state = caddy!.evidence.find((item) => item.query === 'docker inspect postal-caddy State');
    assert.deepEqual([(state?.answer as { status?: string }).status, (state?.answer as { exitCode?: number }).exitCode], ['exited', 0]);

    // The printed fix, run as printed (a restart policy does not restart a container someone stopped).
    dockerCommand(caddy!.fix!.commands![0]!.split(' ').slice(1));
    assert.deepEqual(brief(mine(await containers(), 'postal-caddy')), [{ target: 'postal-caddy', status: 'pass', messageId: 'running' }]);
  });

  it("host.disk measures MariaDB's data where postal-mariadb mounts /var/lib/mysql from, and fails it under 15 % free", async () => {
    const results = await runCheck(diskCheck, {
      probes: { commands: createCommandProbe(), files: createFileProbe('/') },
      options: { thresholds: { 'disk.fail-mib': 1 } },
    });
    const found = mine(results, datadir);
    assert.deepEqual(brief(found), [{ target: datadir, status: 'fail', messageId: 'low' }]);
    assert.equal(found[0]!.title, `${datadir}: only 1.5 MiB free (9 %)`);
    assert.equal(
      found[0]!.message,
      `The filesystem of MariaDB's data (${datadir}, mounted in postal-mariadb) has 1.5 MiB of 16.0 MiB free (9 %, limit 15 % or 1.0 MiB). When it fills, MariaDB stops writing and Postal stops accepting and sending mail.`,
    );
    assert.deepEqual(found[0]!.fix?.commands, ['docker system df', 'docker image prune']);
    // The host's own /var/lib/mysql is not what postal-mariadb uses.
    assert.ok(!results.some((result) => result.message.includes(`MariaDB's data (${DATADIR})`)), JSON.stringify(results.map((result) => result.message)));
  });
});
