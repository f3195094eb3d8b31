import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createTcpProbe } from '../../../src/probes/tcp.js';
import { internalPortsCheck } from '../../../src/checks/network/internal-ports.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { freePort } from '../../support/knot.js';
import { hostWith } from '../../support/sending.js';
import { deploymentConfig } from '../../support/deployment.js';
import { restorePath } from '../../support/docker.js';

/** This host's "public" address in the test: a loopback address nothing else uses. */
const ADDRESS = '127.77.12.1';

describe('network.internal-ports against real listeners', () => {
  let database: Server;
  const held: Socket[] = [];
  let ports: { db: number; web: number; worker: number; smtp: number };

  before(async () => {
    ports = { db: await freePort(), web: await freePort(), worker: await freePort(), smtp: await freePort() };
    database = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => database.listen(ports.db, ADDRESS, resolve));
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => database.close(() => resolve()));
  });

  const yaml = (dbPort: number) =>
    [
      'version: 2',
      'main_db:',
      `  port: ${dbPort}`,
      'web_server:',
      `  default_port: ${ports.web}`,
      'worker:',
      `  default_health_server_port: ${ports.worker}`,
      'smtp_server:',
      `  default_health_server_port: ${ports.smtp}`,
      '',
    ].join('\n');
  const run = (dbPort: number) => runCheck(internalPortsCheck, { yaml: yaml(dbPort), probes: { tcp: createTcpProbe(), host: hostWith(ADDRESS) }, options: { timeoutMs: 1000 } });

  it('warns about a database listening on the host address, with the rule that closes it', async () => {
    const results = await run(ports.db);
    assert.deepEqual(brief(results), [{ target: `${ADDRESS}:${ports.db}`, status: 'warn', messageId: 'open' }]);
    assert.match(results[0].message, /the database \(main_db\) accepts connections on port \d+ of 127\.77\.12\.1/);
    assert.deepEqual(results[0].fix?.commands, [`iptables -I INPUT -d ${ADDRESS} -p tcp --dport ${ports.db} ! -i lo -j DROP`]);
  });

  it("finds a health server that its container's HEALTH_SERVER_* variables put on the host address, and fixes it there", async (t) => {
    t.after(restorePath);
    // Something listens on ADDRESS:worker only; postal.yml puts the worker's health server elsewhere.
    const health = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => health.listen(ports.worker, ADDRESS, resolve));
    t.after(() => new Promise<void>((resolve) => health.close(() => resolve())));
    const config = await deploymentConfig(yaml(await freePort()).replace(`default_health_server_port: ${ports.worker}`, `default_health_server_port: ${await freePort()}`), {
      worker: ['HEALTH_SERVER_BIND_ADDRESS=0.0.0.0', `HEALTH_SERVER_PORT=${ports.worker}`],
    });
    const results = await runCheck(internalPortsCheck, { config, probes: { tcp: createTcpProbe(), host: hostWith(ADDRESS) }, options: { timeoutMs: 1000 } });
    assert.deepEqual(brief(results), [{ target: `${ADDRESS}:${ports.worker}`, status: 'warn', messageId: 'open' }]);
    assert.equal(results[0].title, `the worker's health server answers on ${ADDRESS}:${ports.worker}`);
    assert.match(results[0].message, new RegExp(`^the worker's health server \\(HEALTH_SERVER_BIND_ADDRESS=0\\.0\\.0\\.0 in postal-worker-1, HEALTH_SERVER_PORT=${ports.worker} in postal-worker-1\\) accepts connections`));
    assert.match(results[0].fix!.summary, /and set HEALTH_SERVER_BIND_ADDRESS=127\.0\.0\.1 where the environment of postal-worker-1 is defined and recreate it$/);
  });

  it('passes when none of the internal ports answers', async () => {
    const results = await run(await freePort());
    assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'closed' }]);
    assert.equal(results[0].evidence.length, 4);
  });
});
