import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createTcpProbe } from '../../../src/probes/tcp.js';
import { internalPortsCheck } from '../../../src/checks/network/internal-ports.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { freePort } from '../../support/knot.js';
import { hostWith } from '../../support/sending.js';

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

  it('passes when none of the internal ports answers', async () => {
    const results = await run(await freePort());
    assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'closed' }]);
    assert.equal(results[0].evidence.length, 4);
  });
});
