import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createTcpProbe } from '../../../src/probes/tcp.js';
import type { CommandProbe } from '../../../src/probes/types.js';
import { internalPortsCheck } from '../../../src/checks/network/internal-ports.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { freePort } from '../../support/knot.js';
import { hostWith } from '../../support/sending.js';
import { deploymentConfig } from '../../support/deployment.js';
import { restorePath } from '../../support/docker.js';

/** This host's "public" address in the test: a loopback address nothing else uses. */
const ADDRESS = '127.77.12.1';

/** A host whose filter table is `filter` (iptables-save text); ip6tables and nft are not installed. */
function firewall(filter: string | null): CommandProbe {
  return {
    async run(command) {
      if (command === 'iptables-save' && filter !== null) return { outcome: 'ok', exitCode: 0, stdout: `*filter\n:INPUT ACCEPT [0:0]\n${filter}COMMIT\n`, stderr: '' };
      return { outcome: 'not-found', exitCode: null, stdout: '', stderr: '' };
    },
  };
}

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
  const run = (dbPort: number, filter: string | null = null) =>
    runCheck(internalPortsCheck, { yaml: yaml(dbPort), probes: { tcp: createTcpProbe(), host: hostWith(ADDRESS), commands: firewall(filter) }, options: { timeoutMs: 1000 } });

  it('warns about a database listening on the host address, with the rule that closes it', async () => {
    const results = await run(ports.db);
    assert.deepEqual(brief(results), [{ target: `${ADDRESS}:${ports.db}`, status: 'warn', messageId: 'open' }]);
    assert.match(results[0].message, /the database \(main_db\) accepts connections on port \d+ of 127\.77\.12\.1/);
    const rule = `-d ${ADDRESS} -p tcp --dport ${ports.db} ! -i lo -j DROP`;
    assert.deepEqual(results[0].fix?.commands, [`iptables -C INPUT ${rule} 2>/dev/null || iptables -I INPUT ${rule}`]);
  });

  it('passes the port when the firewall drops it for other machines, naming the rule', async () => {
    const saved = `-A INPUT -d ${ADDRESS}/32 ! -i lo -p tcp -m tcp --dport ${ports.db} -j DROP\n`;
    const results = await run(ports.db, saved);
    assert.deepEqual(brief(results), [{ target: `${ADDRESS}:${ports.db}`, status: 'pass', messageId: 'firewalled' }]);
    assert.match(results[0].message, /from this host, and this host's firewall drops them from other machines: "-A INPUT -d 127\.77\.12\.1\/32 ! -i lo .* -j DROP" \(iptables filter INPUT\)/);
  });

  it('follows jumps to user chains and counts REJECT as closed', async () => {
    const saved = `:ufw-user-input - [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -j ufw-user-input\n-A ufw-user-input -p tcp -m tcp --dport ${ports.db} -j REJECT --reject-with tcp-reset\n`;
    const results = await run(ports.db, saved);
    assert.deepEqual(brief(results), [{ target: `${ADDRESS}:${ports.db}`, status: 'pass', messageId: 'firewalled' }]);
    assert.match(results[0].message, /\(iptables filter INPUT -> ufw-user-input\)\.$/);
  });

  it('still warns when an earlier rule accepts the connection, and says which', async () => {
    const saved = `-A INPUT -p tcp -m tcp --dport ${ports.db} -j ACCEPT\n-A INPUT -d ${ADDRESS}/32 ! -i lo -p tcp -m tcp --dport ${ports.db} -j DROP\n`;
    const results = await run(ports.db, saved);
    assert.deepEqual(brief(results), [{ target: `${ADDRESS}:${ports.db}`, status: 'warn', messageId: 'open' }]);
    assert.deepEqual(results[0].evidence[1], { query: `new TCP connection from another machine to ${ADDRESS}:${ports.db}`, answer: `accepted by "-A INPUT -p tcp -m tcp --dport ${ports.db} -j ACCEPT"` });
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
    const results = await runCheck(internalPortsCheck, { config, probes: { tcp: createTcpProbe(), host: hostWith(ADDRESS), commands: firewall(null) }, options: { timeoutMs: 1000 } });
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
