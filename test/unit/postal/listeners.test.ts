import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listenerOrigin, postalListener, postalListeners, rebindText } from '../../../src/knowledge/postal/listeners.js';
import { configEnvOverridesCheck } from '../../../src/checks/config/env-overrides.js';
import { createCommandProbe } from '../../../src/probes/commands.js';
import { brief, runCheck, testConfig } from '../../support/check-tester.js';
import { deploymentConfig } from '../../support/deployment.js';
import { restorePath } from '../../support/docker.js';

const YAML = 'version: 2\nworker:\n  default_health_server_port: 9095\n';

afterEach(restorePath);

describe("where Postal's processes listen", () => {
  it("takes postal.yml and Postal's defaults when the containers were not read, and says what is not known", () => {
    const listeners = postalListeners({ config: testConfig(YAML) });
    assert.deepEqual(
      listeners.map(({ id, bind, port, environment }) => ({ id, bind, port, environment })),
      [
        { id: 'web', bind: '127.0.0.1', port: 5000, environment: 'not-read' },
        { id: 'smtp', bind: '::', port: 25, environment: 'not-read' },
        { id: 'worker-health', bind: '127.0.0.1', port: 9095, environment: 'not-read' },
        { id: 'smtp-health', bind: '127.0.0.1', port: 9091, environment: 'not-read' },
      ],
    );
    assert.equal(listenerOrigin(listeners[2]), 'worker.default_health_server_bind_address and worker.default_health_server_port in postal.yml');
    assert.equal(rebindText(listeners[2], '127.0.0.1'), 'set worker.default_health_server_bind_address: 127.0.0.1 in postal.yml');
  });

  it("reads each process's own container: its listener variables over its config variables over postal.yml", async () => {
    const config = await deploymentConfig(YAML, {
      web: ['PORT=5001'],
      smtp: ['PORT=2525', 'BIND_ADDRESS=0.0.0.0', 'SMTP_SERVER_DEFAULT_HEALTH_SERVER_PORT=9391'],
      worker: ['WORKER_DEFAULT_HEALTH_SERVER_PORT=9290', 'HEALTH_SERVER_PORT=9190', 'HEALTH_SERVER_BIND_ADDRESS=0.0.0.0'],
    });
    const [web, smtp, worker, smtpHealth] = postalListeners({ config });
    // PORT is the web server's in the web container and the SMTP server's in the smtp container, never the other's.
    assert.deepEqual([web.bind, web.port, web.container], ['127.0.0.1', 5001, 'postal-web-1']);
    assert.deepEqual([smtp.bind, smtp.port], ['0.0.0.0', 2525]);
    assert.deepEqual([worker.bind, worker.port, worker.environment], ['0.0.0.0', 9190, 'read']);
    assert.deepEqual([smtpHealth.bind, smtpHealth.port], ['127.0.0.1', 9391]);
    assert.equal(listenerOrigin(worker), 'HEALTH_SERVER_BIND_ADDRESS=0.0.0.0 in postal-worker-1, HEALTH_SERVER_PORT=9190 in postal-worker-1');
    assert.equal(listenerOrigin(smtpHealth), 'SMTP_SERVER_DEFAULT_HEALTH_SERVER_PORT=9391 in postal-smtp-1, smtp_server.default_health_server_bind_address from postal.yml');
    assert.equal(rebindText(worker, '127.0.0.1'), 'set HEALTH_SERVER_BIND_ADDRESS=127.0.0.1 where the environment of postal-worker-1 is defined and recreate it');
  });

  it('leaves an empty or non-numeric port variable out, keeping the config value', async () => {
    const config = await deploymentConfig(YAML, { worker: ['HEALTH_SERVER_PORT=', 'HEALTH_SERVER_BIND_ADDRESS= '], smtp: ['HEALTH_SERVER_PORT=metrics'] });
    assert.deepEqual([postalListener({ config }, 'worker-health').bind, postalListener({ config }, 'worker-health').port], ['127.0.0.1', 9095]);
    assert.equal(postalListener({ config }, 'smtp-health').port, 9091);
  });

  it('config.env-overrides reports the same variables as settings of the keys they beat', async () => {
    const config = await deploymentConfig(YAML, { worker: ['HEALTH_SERVER_PORT=9190'], smtp: ['HEALTH_SERVER_BIND_ADDRESS=0.0.0.0'] });
    const results = await runCheck(configEnvOverridesCheck, { config, probes: { commands: createCommandProbe() } });
    assert.deepEqual(brief(results), [
      { target: 'worker.default_health_server_port', status: 'warn', messageId: 'overrides-file' },
      { target: 'smtp_server.default_health_server_bind_address', status: 'warn', messageId: 'env-only' },
    ]);
    assert.match(results[0].message, /^HEALTH_SERVER_PORT=9190 in postal-worker-1\./);
  });
});
