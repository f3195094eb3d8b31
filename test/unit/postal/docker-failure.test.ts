import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerFailure } from '../../../src/knowledge/postal/containers.js';

const failed = (stderr: string) => ({ outcome: 'failed' as const, exitCode: 1, stdout: '', stderr });

test("docker's own config-file warning is not taken for a denied socket", () => {
  const warning = 'WARNING: Error loading config file: /root/.docker/config.json: open /root/.docker/config.json: permission denied\n';
  const daemon = dockerFailure(failed(`${warning}Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n`), 5000)!;
  assert.equal(daemon.problem, 'no-daemon');
  assert.match(daemon.reason, /docker also cannot read its config file \/root\/\.docker\/config\.json/);
  const other = dockerFailure(failed(`${warning}Error response from daemon: something else\n`), 5000)!;
  assert.equal(other.problem, 'error');
  assert.match(other.reason, /^docker exited with code 1 \(Error response from daemon: something else\); docker also cannot read its config file/);
});

test('a denied socket is still named as such, with or without the warning', () => {
  const socket = 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n';
  assert.equal(dockerFailure(failed(socket), 5000)!.problem, 'permission');
  const both = dockerFailure(failed(`WARNING: Error loading config file: /root/.docker/config.json: permission denied\n${socket}`), 5000)!;
  assert.equal(both.problem, 'permission');
});
