import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckDefinition } from '../../../src/core/types.js';
import { createCommandProbe } from '../../../src/probes/commands.js';
import { createFileProbe } from '../../../src/probes/files.js';
import { postalContainersCheck } from '../../../src/checks/postal/containers.js';
import { postalRestartNeededCheck } from '../../../src/checks/postal/restart-needed.js';
import { postalVersionCheck } from '../../../src/checks/postal/version.js';
import { configEnvOverridesCheck } from '../../../src/checks/config/env-overrides.js';
import { brief, runCheck, testConfig } from '../../support/check-tester.js';
import { restorePath, useDockerScenario, useNoDocker } from '../../support/docker.js';
import { makeHostRoot, type HostFile } from '../../support/host-root.js';

const CONFIG = '/opt/postal/config/postal.yml';
const COMPOSE = '/opt/postal/install/docker-compose.yml';
const FIXTURES = new URL('../../../../shared/fixtures/postal-configs/', import.meta.url);

const V2_CONFIG = `version: 2
postal:
  smtp_hostname: mail.example.com
smtp_server:
  tls_enabled: true
dns:
  helo_hostname: mail.example.com
main_db:
  password: file-db-password
`;

/** Runs one check with the real command probe (the docker stand-in on PATH) and the real file probe over a host root. */
async function run(check: CheckDefinition, scenario: string | null, yaml: string, files: Record<string, HostFile> = {}, configPath = CONFIG) {
  if (scenario === null) useNoDocker();
  else useDockerScenario(scenario);
  const host = makeHostRoot({ [configPath]: { text: yaml }, ...files });
  try {
    return await runCheck(check, {
      config: testConfig(yaml, configPath),
      options: { hostRoot: host.root },
      probes: { commands: createCommandProbe(), files: createFileProbe(host.root) },
    });
  } finally {
    host.cleanup();
  }
}

afterEach(restorePath);

describe('postal.containers with the docker stand-in', () => {
  it("passes web, smtp and worker, then the installer's MariaDB and Caddy, and leaves out one-off runner containers", async () => {
    const results = await run(postalContainersCheck, 'running', V2_CONFIG);
    assert.deepEqual(brief(results), [
      { target: 'postal-web-1', status: 'pass', messageId: 'running' },
      { target: 'postal-smtp-1', status: 'pass', messageId: 'running' },
      { target: 'postal-worker-1', status: 'pass', messageId: 'running' },
      { target: 'postal-mariadb', status: 'pass', messageId: 'running' },
      { target: 'postal-caddy', status: 'pass', messageId: 'running' },
    ]);
    assert.match(results[3].message, /postal-mariadb runs the MariaDB database server/);
  });

  it("fails the installer's MariaDB container when it has stopped, and says nothing of a Caddy that does not exist", async () => {
    const results = await run(postalContainersCheck, 'mariadb-stopped', V2_CONFIG);
    assert.deepEqual(brief(results).slice(3), [{ target: 'postal-mariadb', status: 'fail', messageId: 'stopped' }]);
    assert.deepEqual(results[3].fix?.commands, ['docker start postal-mariadb']);
  });

  it('counts a scaled worker as a worker of its own', async () => {
    const results = await run(postalContainersCheck, 'scaled', V2_CONFIG);
    assert.deepEqual(
      results.map((result) => result.target),
      ['postal-web-1', 'postal-smtp-1', 'postal-worker-1', 'postal-worker-2', 'postal-mariadb', 'postal-caddy'],
    );
    assert.ok(results.every((result) => result.status === 'pass'));
  });

  it('fails an smtp container that restarts in a loop, with the command that shows why', async () => {
    const results = await run(postalContainersCheck, 'smtp-restarting', V2_CONFIG);
    const smtp = results.find((result) => result.target === 'postal-smtp-1')!;
    assert.equal(smtp.status, 'fail');
    assert.equal(smtp.messageId, 'restarting');
    assert.match(smtp.message, /14 restarts so far, last exit code 1/);
    assert.deepEqual(smtp.fix?.commands, ['docker logs --tail 100 postal-smtp-1']);
    assert.equal(results.filter((result) => result.status === 'pass').length, 4);
  });

  it('fails a missing worker under the name it would have, with postal start', async () => {
    const results = await run(postalContainersCheck, 'worker-missing', V2_CONFIG);
    assert.deepEqual(brief(results).at(-1), { target: 'postal-worker-1', status: 'fail', messageId: 'missing' });
    assert.deepEqual(results.at(-1)!.fix?.commands, ['postal start']);
    assert.equal(results.at(-1)!.fix?.kind, 'restart');
  });

  it("finds the containers through Podman's docker command, which prints names as a list and labels as an object", async () => {
    const results = await run(postalContainersCheck, 'podman', V2_CONFIG);
    assert.deepEqual(brief(results), [
      { target: 'postal-web-1', status: 'pass', messageId: 'running' },
      { target: 'postal-smtp-1', status: 'pass', messageId: 'running' },
      { target: 'postal-worker-1', status: 'pass', messageId: 'running' },
    ]);
  });

  it('finds docker-compose v1 names, with and without compose labels', async () => {
    const results = await run(postalContainersCheck, 'legacy-names', V2_CONFIG);
    assert.deepEqual(
      brief(results),
      ['postal_web_1', 'postal_smtp_1', 'postal_worker_1', 'postal_worker_2'].map((target) => ({ target, status: 'pass', messageId: 'running' })),
    );
  });

  for (const [scenario, reason] of [
    ['no-daemon', /Cannot connect to the Docker daemon/],
    ['permission-denied', /permission denied on the Docker socket/],
  ] as const) {
    it(`is unknown, with the reason, when docker answers ${scenario}`, async () => {
      const results = await run(postalContainersCheck, scenario, V2_CONFIG);
      assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'no-docker' }]);
      assert.match(results[0].message, reason);
    });
  }

  it('is unknown when the docker command is not installed', async () => {
    const results = await run(postalContainersCheck, null, V2_CONFIG);
    assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'no-docker' }]);
    assert.match(results[0].message, /not installed/);
  });
});

describe('postal.restart-needed with the docker stand-in', () => {
  const cert = { text: 'CERT', mtime: '2026-11-27T08:00:00Z' };
  const key = { text: 'KEY', mtime: '2026-11-27T08:00:00Z' };

  it('passes every container started after postal.yml and the certificate last changed', async () => {
    const results = await run(postalRestartNeededCheck, 'running', V2_CONFIG, { '/opt/postal/config/smtp.cert': cert, '/opt/postal/config/smtp.key': key });
    assert.deepEqual(
      brief(results).map(({ status, messageId }) => `${status}/${messageId}`),
      ['pass/current', 'pass/current', 'pass/current'],
    );
  });

  it('warns for the worker that started before postal.yml changed, with docker restart of that container only', async () => {
    const results = await run(postalRestartNeededCheck, 'config-changed', V2_CONFIG, { [CONFIG]: { text: V2_CONFIG, mtime: '2026-11-25T12:00:00Z' } });
    assert.deepEqual(brief(results), [
      { target: 'postal-web-1', status: 'pass', messageId: 'current' },
      { target: 'postal-smtp-1', status: 'pass', messageId: 'current' },
      { target: 'postal-worker-1', status: 'warn', messageId: 'stale' },
    ]);
    assert.deepEqual(results[2].fix, { summary: 'Restart postal-worker-1 so that it reads postal.yml again', commands: ['docker restart postal-worker-1'], kind: 'restart' });
  });

  it('asks only the smtp container to restart for a renewed certificate', async () => {
    const renewed = { text: 'NEW CERT', mtime: '2026-11-27T10:30:00Z' };
    const results = await run(postalRestartNeededCheck, 'running', V2_CONFIG, { '/opt/postal/config/smtp.cert': renewed, '/opt/postal/config/smtp.key': key });
    assert.deepEqual(
      brief(results).map(({ target, status }) => `${target} ${status}`),
      ['postal-web-1 pass', 'postal-smtp-1 warn', 'postal-worker-1 pass'],
    );
    assert.match(results[1].message, /the TLS certificate \(\/opt\/postal\/config\/smtp\.cert\)/);
    assert.deepEqual(results[1].fix?.commands, ['docker restart postal-smtp-1']);
  });

  it('asks the worker and the web server, which read it once, to restart for a new signing key', async () => {
    const renewed = { text: 'NEW KEY', mtime: '2026-11-27T10:30:00Z' };
    const results = await run(postalRestartNeededCheck, 'running', V2_CONFIG, { '/opt/postal/config/signing.key': renewed });
    assert.deepEqual(
      brief(results).map(({ target, status }) => `${target} ${status}`),
      ['postal-web-1 warn', 'postal-smtp-1 pass', 'postal-worker-1 warn'],
    );
    assert.match(results[2].message, /the signing key \(\/opt\/postal\/config\/signing\.key\)/);
    assert.deepEqual(results[2].fix?.commands, ['docker restart postal-worker-1']);
  });

  it('compares a restarting container too, and is unknown without docker', async () => {
    const changed = { [CONFIG]: { text: V2_CONFIG, mtime: '2026-11-27T10:00:00Z' } };
    const restarting = await run(postalRestartNeededCheck, 'smtp-restarting', V2_CONFIG, changed);
    assert.ok(restarting.every((result) => result.status === 'warn'));
    const down = await run(postalRestartNeededCheck, 'no-daemon', V2_CONFIG);
    assert.deepEqual(brief(down), [{ target: null, status: 'unknown', messageId: 'no-docker' }]);
  });
});

describe('config.env-overrides with the docker stand-in', () => {
  it('passes when the environment sets nothing but the image defaults', async () => {
    const results = await run(configEnvOverridesCheck, 'running', V2_CONFIG);
    assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'none' }]);
  });

  it('warns per key for DNS_HELO_HOSTNAME, PORT in the smtp container and a database password, never printing the secret', async () => {
    const results = await run(configEnvOverridesCheck, 'env-helo', V2_CONFIG);
    assert.deepEqual(brief(results), [
      { target: 'main_db.password', status: 'warn', messageId: 'overrides-file' },
      { target: 'smtp_server.default_port', status: 'warn', messageId: 'env-only' },
      { target: 'dns.helo_hostname', status: 'warn', messageId: 'overrides-file' },
    ]);
    const text = JSON.stringify(results);
    assert.ok(!text.includes('s3cret-in-env') && !text.includes('file-db-password'), 'a secret value reached the output');
    assert.match(results[0].message, /MAIN_DB_PASSWORD=\[redacted\] in postal-web-1, postal-smtp-1, postal-worker-1/);
    assert.match(results[1].message, /PORT=2525 in postal-smtp-1/);
    assert.match(results[2].message, /DNS_HELO_HOSTNAME=relay\.example\.net in postal-worker-1.*dns\.helo_hostname: mail\.example\.com in postal\.yml \(line 7\)/);
    assert.equal(results[2].fix?.kind, 'manual');
  });

  it('names the TLS path variables the 3.0.x image bakes in when the file sets other paths', async () => {
    const yaml = V2_CONFIG.replace('  tls_enabled: true\n', '  tls_enabled: true\n  tls_certificate_path: /config/certs/fullchain.pem\n');
    const results = await run(configEnvOverridesCheck, 'image-paths', yaml);
    assert.deepEqual(brief(results), [{ target: 'smtp_server.tls_certificate_path', status: 'warn', messageId: 'image-path' }]);
    assert.match(results[0].message, /SMTP_SERVER_TLS_CERTIFICATE_PATH=\/config\/smtp\.cert in postal-web-1, postal-smtp-1, postal-worker-1/);
  });

  it('warns when the containers read a config file other than the one checked', async () => {
    const results = await run(configEnvOverridesCheck, 'running', V2_CONFIG, {}, '/opt/postal/config/postal-staging.yml');
    assert.deepEqual(brief(results), [{ target: 'POSTAL_CONFIG_FILE_PATH', status: 'warn', messageId: 'other-file' }]);
    assert.deepEqual(results[0].fix?.commands, ['postal-doctor check --config /opt/postal/config/postal.yml']);
  });

  it('is unknown without a Docker daemon', async () => {
    const results = await run(configEnvOverridesCheck, 'no-daemon', V2_CONFIG);
    assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'no-docker' }]);
  });
});

describe('postal.version', () => {
  const template = new URL('install-template-docker-compose.v3.yml', FIXTURES);
  const haveTemplate = existsSync(template);
  const compose = (version: string) => ({ [COMPOSE]: { text: readFileSync(template, 'utf8').replaceAll('{{version}}', version) } });
  const skip = haveTemplate ? false : `install-template-docker-compose.v3.yml not found in ${FIXTURES.pathname}`;
  const log = join(mkdtempSync(join(tmpdir(), 'pd-docker-log-')), 'calls.jsonl');
  after(() => delete process.env.DOCKER_STUB_LOG);

  it('reads the release from the installer compose file and finds no bug for a current one', { skip }, async () => {
    const results = await run(postalVersionCheck, 'no-daemon', V2_CONFIG, compose('3.3.6'));
    assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'version' }]);
    assert.equal(results[0].title, 'Postal 3.3.6');
    assert.match(results[0].message, /from the compose file/);
  });

  it('lists the legacy-file bind bug of 3.0.1 only for a v1 file without smtp_server.bind_address', { skip }, async () => {
    const legacy = 'web:\n  host: postal.example.net\ndns:\n  smtp_server_hostname: mail.example.net\n';
    const results = await run(postalVersionCheck, 'no-daemon', legacy, compose('3.0.1'));
    assert.deepEqual(brief(results), [{ target: null, status: 'warn', messageId: 'known-bugs' }]);
    assert.match(results[0].message, /127\.0\.0\.1 only/);
    assert.doesNotMatch(results[0].message, /PROXY|SMTP_SERVER_TLS_CERTIFICATE_PATH/);
    assert.deepEqual(results[0].fix?.commands, ['postal upgrade']);
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'smtp_server.bind_address', to: '::' }]);

    const withBind = await run(postalVersionCheck, 'no-daemon', `${legacy}smtp_server:\n  bind_address: "::"\n`, compose('3.0.1'));
    assert.equal(withBind[0].messageId, 'version');
  });

  it('lists the proxy-protocol bug before 3.2.2 only when proxy_protocol is on', { skip }, async () => {
    const on = await run(postalVersionCheck, 'no-daemon', V2_CONFIG.replace('  tls_enabled: true\n', '  tls_enabled: true\n  proxy_protocol: true\n'), compose('3.2.1'));
    assert.equal(on[0].messageId, 'known-bugs');
    assert.match(on[0].message, /proxy_protocol is on/);
    const off = await run(postalVersionCheck, 'no-daemon', V2_CONFIG, compose('3.2.1'));
    assert.equal(off[0].messageId, 'version');
    assert.doesNotMatch(off[0].message, /postal version/);
  });

  it('reads the running image when there is no compose file, and the TLS-path bug of 3.0.1 when the file sets paths', async () => {
    const yaml = V2_CONFIG.replace('  tls_enabled: true\n', '  tls_enabled: true\n  tls_private_key_path: /config/certs/privkey.pem\n');
    const results = await run(postalVersionCheck, 'image-paths', yaml);
    assert.deepEqual(brief(results), [{ target: null, status: 'warn', messageId: 'known-bugs' }]);
    assert.match(results[0].message, /from the container image/);
    assert.match(results[0].message, /smtp_server\.tls_private_key_path from postal\.yml is ignored/);
  });

  it('reads the VERSION file in the smtp container behind a floating tag', async () => {
    process.env.DOCKER_STUB_LOG = log;
    appendFileSync(log, '');
    const results = await run(postalVersionCheck, 'floating', V2_CONFIG);
    assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'version' }]);
    assert.equal(results[0].title, 'Postal 3.3.6');
    assert.match(results[0].message, /from the VERSION file/);
    assert.match(results[0].message, /The image tag is latest, a floating tag/);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
    assert.ok(calls.some((call) => call.join(' ') === 'exec postal-smtp-1 cat /opt/postal/app/VERSION'));
  });

  it('says the exact version is unknown for a floating compose tag when docker cannot be asked', { skip }, async () => {
    const results = await run(postalVersionCheck, 'no-daemon', V2_CONFIG, compose('latest'));
    assert.deepEqual(brief(results), [{ target: null, status: 'warn', messageId: 'floating-tag' }]);
    assert.equal(results[0].title, 'Postal runs the floating image tag latest');
    // The release is the operator's choice: no command with a placeholder that would break when pasted.
    assert.deepEqual(results[0].fix?.commands, []);
  });

  it('warns when the compose file names another release than the running containers', { skip }, async () => {
    const results = await run(postalVersionCheck, 'running', V2_CONFIG, compose('3.3.6'));
    assert.deepEqual(brief(results), [{ target: null, status: 'warn', messageId: 'version' }]);
    assert.equal(results[0].title, 'Postal 3.3.4');
    assert.match(results[0].message, /compose file names 3\.3\.6, but postal-smtp-1 runs 3\.3\.4/);
    assert.deepEqual(results[0].fix?.commands, ['postal upgrade 3.3.6']);
  });

  it('is unknown with neither a compose file nor docker', async () => {
    const results = await run(postalVersionCheck, null, V2_CONFIG);
    assert.deepEqual(brief(results), [{ target: null, status: 'unknown', messageId: 'undetermined' }]);
    assert.match(results[0].message, /no such file; the docker command is not installed/);
  });
});
