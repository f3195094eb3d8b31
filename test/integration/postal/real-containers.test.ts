import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postalContainersCheck } from '../../../src/checks/postal/containers.js';
import { heloCheck } from '../../../src/checks/dns/helo.js';
import { configEnvOverridesCheck } from '../../../src/checks/config/env-overrides.js';
import { createCommandProbe } from '../../../src/probes/commands.js';
import { loadDeployment } from '../../../src/core/deployment.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import type { RunOptions } from '../../../src/core/types.js';
import { runCheck } from '../../support/check-tester.js';
import { fakeDns, fakeProbes } from '../../support/fakes.js';
import { hostWith } from '../../support/sending.js';
import { buildBusyboxImage, realDockerMissing, removeContainers, removeImage, runId, runPostalLike, waitExited, type PostalLikeContainer } from '../../support/real-docker.js';

const missing = realDockerMissing();

/**
 * A Postal-like deployment for one describe block: postal.yml in a fresh config directory, a local busybox image
 * and the installer-shaped web, smtp and worker containers `containers` gives; all removed afterwards.
 */
function deployment(yaml: string, containers: (names: Record<'web' | 'smtp' | 'worker', string>) => PostalLikeContainer[]) {
  const id = runId();
  const image = `postal-doctor-test-busybox:${id}`;
  const names = { web: `postal-web-${id}`, smtp: `postal-smtp-${id}`, worker: `postal-worker-${id}` };
  const state = { names, configDir: '' };
  before(() => {
    state.configDir = mkdtempSync(join(tmpdir(), 'pd-docker-config-'));
    writeFileSync(join(state.configDir, 'postal.yml'), yaml);
    buildBusyboxImage(image);
    for (const spec of containers(names)) runPostalLike(image, state.configDir, spec);
    for (const spec of containers(names)) if (!spec.script.startsWith('sleep')) waitExited(spec.name);
  });
  after(() => {
    removeContainers(Object.values(names));
    removeImage(image);
    rmSync(state.configDir, { recursive: true, force: true });
  });
  return state;
}

describe('Postal containers in a real Docker daemon', { skip: missing ?? false }, () => {
  const { names } = deployment('version: 2\npostal:\n  smtp_hostname: postal.example.net\n', (names) => [
    { service: 'web', name: names.web, script: 'sleep 600' },
    {
      service: 'worker',
      name: names.worker,
      script: [
        'echo "Loading config from /config/postal.yml"',
        'echo "Mysql2::Error::ConnectionError: Access denied for user \'postal\'@\'192.0.2.5\' (using password: YES) password=hunter2-secret" >&2',
        'exit 1',
      ].join('; '),
    },
    { service: 'smtp', name: names.smtp, script: 'echo "Address already in use - bind(2) for \\"::\\" port 25 (Errno::EADDRINUSE)" >&2; exit 1' },
  ]);

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

describe('each Postal container reads its own environment (real Docker)', { skip: missing ?? false }, () => {
  // The worker alone decides the HELO; the smtp container alone its banner; a Postal 2 name does nothing.
  const deployed = deployment('version: 2\npostal:\n  smtp_hostname: postal.example.net\n  web_hostname: web.example.net\n', (names): PostalLikeContainer[] => [
    { service: 'web', name: names.web, script: 'sleep 600' },
    { service: 'worker', name: names.worker, script: 'sleep 600', env: { DNS_HELO_HOSTNAME: 'mta.example.net' } },
    { service: 'smtp', name: names.smtp, script: 'sleep 600', env: { POSTAL_SMTP_HOSTNAME: 'mx.example.net', DNS_SMTP_SERVER_HOSTNAME: 'old.example.net' } },
  ]);
  const { names } = deployed;

  it('dns.helo judges the worker\'s HELO and its fix names the variable and container; the Postal 2 name is reported as ignored', async () => {
    const options: RunOptions = { ...defaultRunOptions(), configPath: join(deployed.configDir, 'postal.yml'), ips: ['203.0.113.7'] };
    const dns = fakeDns({ 'PTR 7.113.0.203.in-addr.arpa': ['out7.example.net'], 'A out7.example.net': ['203.0.113.7'], 'A mta.example.net': ['203.0.113.7'] });
    const probes = fakeProbes({ commands: createCommandProbe(), dns, host: hostWith('203.0.113.7') });
    const { config, facts } = await loadDeployment(options, probes, new AbortController().signal);
    // The shared config has neither variable: they differ between containers.
    assert.equal(config.get('dns.helo_hostname'), null);
    assert.equal(config.processes?.worker?.config.get('dns.helo_hostname'), 'mta.example.net');
    assert.equal(config.processes?.smtp?.config.get('postal.smtp_hostname'), 'mx.example.net');
    assert.equal(config.processes?.web?.config.get('postal.smtp_hostname'), 'postal.example.net');

    const { results } = await runChecks({ checks: [heloCheck, configEnvOverridesCheck], skipped: new Set(), config, options, probes, facts });
    const helo = results.find((result) => result.check === 'dns.helo');
    assert.deepEqual([helo?.status, helo?.messageId], ['fail', 'mismatch']);
    assert.match(helo?.message ?? '', /From 203\.0\.113\.7 Postal says HELO mta\.example\.net \(DNS_HELO_HOSTNAME in the environment of postal-worker-\d+\)/);
    assert.match(helo?.fix?.summary ?? '', /^Set DNS_HELO_HOSTNAME=out7\.example\.net .* environment of postal-worker-\d+/);
    const postal2 = results.find((result) => result.check === 'config.env-overrides' && result.target === 'DNS_SMTP_SERVER_HOSTNAME');
    assert.deepEqual([postal2?.status, postal2?.messageId], ['warn', 'postal2-variable']);
    assert.match(postal2?.message ?? '', new RegExp(`set in ${names.smtp}, but Postal 3 reads only its own variable names`));
  });
});
