import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postalContainersCheck } from '../../../src/checks/postal/containers.js';
import { createCommandProbe } from '../../../src/probes/commands.js';
import { runCheck } from '../../support/check-tester.js';
import { buildBusyboxImage, realDockerMissing, removeContainers, removeImage, runId, runPostalLike, waitExited } from '../../support/real-docker.js';

const missing = realDockerMissing();

describe('Postal containers in a real Docker daemon', { skip: missing ?? false }, () => {
  const id = runId();
  const image = `postal-doctor-test-busybox:${id}`;
  const names = { web: `postal-web-${id}`, smtp: `postal-smtp-${id}`, worker: `postal-worker-${id}` };
  let configDir: string;

  before(() => {
    configDir = mkdtempSync(join(tmpdir(), 'pd-docker-config-'));
    writeFileSync(join(configDir, 'postal.yml'), 'version: 2\npostal:\n  smtp_hostname: postal.example.net\n');
    buildBusyboxImage(image);
    runPostalLike(image, configDir, { service: 'web', name: names.web, script: 'sleep 600' });
    runPostalLike(image, configDir, {
      service: 'worker',
      name: names.worker,
      script: [
        'echo "Loading config from /config/postal.yml"',
        'echo "Mysql2::Error::ConnectionError: Access denied for user \'postal\'@\'192.0.2.5\' (using password: YES) password=hunter2-secret" >&2',
        'exit 1',
      ].join('; '),
    });
    runPostalLike(image, configDir, { service: 'smtp', name: names.smtp, script: 'echo "Address already in use - bind(2) for \\"::\\" port 25 (Errno::EADDRINUSE)" >&2; exit 1' });
    waitExited(names.worker);
    waitExited(names.smtp);
  });
  after(() => {
    removeContainers(Object.values(names));
    removeImage(image);
    rmSync(configDir, { recursive: true, force: true });
  });

  it('a container that exited shows its last log lines, secrets redacted, and names a known cause', async () => {
    const results = await runCheck(postalContainersCheck, { yaml: 'version: 2\n', probes: { commands: createCommandProbe() } });
    const mine = (name: string) => results.find((result) => result.target === name);
    assert.equal(mine(names.web)?.status, 'pass');

    const worker = mine(names.worker);
    assert.deepEqual([worker?.status, worker?.messageId], ['fail', 'stopped']);
    assert.match(worker?.message ?? '', /exit code 1\)\. Its log says why: the database refuses Postal's user name or password/);
    const log = worker?.evidence.find((item) => item.query === `docker logs --tail 20 ${names.worker}`);
    assert.ok(Array.isArray(log?.answer) && (log.answer as string[]).some((line) => line.includes('Access denied for user')), JSON.stringify(log));
    assert.doesNotMatch(JSON.stringify(worker), /hunter2-secret/);

    const smtp = mine(names.smtp);
    assert.match(smtp?.message ?? '', /the port it listens on is already in use/);
  });
});
