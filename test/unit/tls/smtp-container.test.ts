import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { smtpRestart } from '../../../src/knowledge/tls/smtp-container.js';
import { createContext } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { createCommandProbe } from '../../../src/probes/commands.js';
import { fakeProbes } from '../../support/fakes.js';
import { testConfig } from '../../support/check-tester.js';
import { restorePath, useDockerScenario, useNoDocker } from '../../support/docker.js';

const context = () => createContext({ config: testConfig('version: 2\n'), options: defaultRunOptions(), probes: fakeProbes({ commands: createCommandProbe() }) });

describe('the restart that makes the SMTP server read its certificate again', () => {
  afterEach(restorePath);

  it("names the deployment's own smtp container (docker-compose v1 names)", async () => {
    useDockerScenario('legacy-names');
    assert.deepEqual(await smtpRestart(context()), { name: 'postal_smtp_1', command: 'docker restart postal_smtp_1' });
  });

  it("uses the installer's name when Docker cannot tell", async () => {
    useNoDocker();
    assert.deepEqual(await smtpRestart(context()), { name: 'postal-smtp-1', command: 'docker restart postal-smtp-1' });
  });
});
