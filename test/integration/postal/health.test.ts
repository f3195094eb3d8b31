import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHttpProbe } from '../../../src/probes/http.js';
import { healthCheck } from '../../../src/checks/postal/health.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { freePort } from '../../support/knot.js';
import { startSilentServer, type SilentServer } from '../../support/silent-server.js';
import { deploymentConfig } from '../../support/deployment.js';
import { restorePath } from '../../support/docker.js';
import { workerMetricsPage } from '../../support/postal-metrics.js';

/**
 * What Postal's HealthServer answers (app/util/health_server.rb) for a worker with 40 threads: a job runtime
 * histogram per thread and job makes the page larger than the 64 KiB the HTTP probe keeps by default.
 */
const METRICS = workerMetricsPage({
  threads: 40,
  latencies: [0.3, 0.8, 2.5, 12.4],
  jobs: [{ thread: 3, job: 'ProcessQueuedMessagesJob', count: 4 }, { thread: 7, job: 'ProcessWebhookRequestsJob', count: 2 }],
  errors: { 'Resolv::ResolvTimeout': 1 },
});

describe('postal.health against real health servers', () => {
  let worker: Server;
  let silent: SilentServer;
  const methods: string[] = [];
  let ports: { worker: number; silent: number };

  before(async () => {
    worker = createServer((request, response) => {
      methods.push(`${request.method} ${request.url}`);
      if (request.url === '/health') response.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      else if (request.url === '/metrics') response.writeHead(200, { 'content-type': 'text/plain' }).end(METRICS);
      else response.writeHead(404).end('Not Found');
    });
    silent = await startSilentServer();
    await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve));
    ports = { worker: (worker.address() as { port: number }).port, silent: silent.port };
  });
  after(async () => {
    await new Promise<void>((resolve) => worker.close(() => resolve()));
    await silent.close();
  });

  const run = (workerPort: number, smtpPort: number, options: { offline?: boolean; timeoutMs?: number } = {}) =>
    runCheck(healthCheck, {
      yaml: `version: 2\nworker:\n  default_health_server_port: ${workerPort}\nsmtp_server:\n  default_health_server_port: ${smtpPort}\n  default_health_server_bind_address: 0.0.0.0\n`,
      probes: { http: createHttpProbe() },
      options: { timeoutMs: options.timeoutMs ?? 2000, offline: options.offline ?? false },
    });

  it("passes the worker's health server and reads its metrics; warns when the SMTP server's does not listen", async () => {
    const closed = await freePort();
    const results = await run(ports.worker, closed);
    assert.deepEqual(brief(results), [
      { target: `http://127.0.0.1:${ports.worker}/health`, status: 'pass', messageId: 'healthy' },
      { target: `http://127.0.0.1:${closed}/health`, status: 'warn', messageId: 'refused' },
    ]);
    assert.ok(METRICS.length > 64 * 1024, `the page is only ${METRICS.length} bytes`);
    assert.match(results[0].message, /Since the worker started: 4 messages dequeued, after 4\.0 s in the queue on average \(75 % within 10 s\); 6 jobs completed, 0 scheduled tasks run; 1 error \(1 Resolv::ResolvTimeout\)\.$/);
    assert.deepEqual(methods, ['GET /health', 'GET /metrics']);
    // Without the containers, a variable there that moved the health server cannot be ruled out.
    assert.match(results[1].message, /could not be read \(see postal\.containers\), so HEALTH_SERVER_BIND_ADDRESS \/ HEALTH_SERVER_PORT in their environment/);
  });

  it("asks where HEALTH_SERVER_PORT in the worker's container puts its health server, not postal.yml, and says so", async (t) => {
    t.after(restorePath);
    const [closed, alsoClosed] = [await freePort(), await freePort()];
    const yaml = `version: 2\nworker:\n  default_health_server_port: ${closed}\nsmtp_server:\n  default_health_server_port: ${alsoClosed}\n`;
    const config = await deploymentConfig(yaml, { worker: [`HEALTH_SERVER_PORT=${ports.worker}`] });
    methods.length = 0;
    const results = await runCheck(healthCheck, { config, probes: { http: createHttpProbe() }, options: { timeoutMs: 2000 } });
    assert.deepEqual(brief(results), [
      { target: `http://127.0.0.1:${ports.worker}/health`, status: 'pass', messageId: 'healthy' },
      { target: `http://127.0.0.1:${alsoClosed}/health`, status: 'warn', messageId: 'refused' },
    ]);
    assert.match(results[0].message, new RegExp(`\\(HEALTH_SERVER_PORT=${ports.worker} in postal-worker-1, worker\\.default_health_server_bind_address from postal\\.yml\\)`));
    assert.deepEqual(methods, ['GET /health', 'GET /metrics']);
    // The smtp container was read and sets no variable: no hint that one might have moved it.
    assert.match(results[1].message, /\(smtp_server\.default_health_server_bind_address and smtp_server\.default_health_server_port in postal\.yml\)/);
    assert.doesNotMatch(results[1].message, /HEALTH_SERVER_PORT|could not be read/);
  });

  it('keeps the pass with a note when /metrics is larger than it reads', async (t) => {
    const huge = createServer((request, response) => {
      if (request.url === '/health') response.writeHead(200).end('OK');
      else response.writeHead(200).end(`${METRICS}${'# padding\n'.repeat(120_000)}`);
    });
    await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => huge.close(() => resolve())));
    const results = await run((huge.address() as { port: number }).port, await freePort());
    assert.equal(results[0].status, 'pass');
    assert.match(results[0].message, /Its \/metrics could not be read \(it is larger than 1024 KiB\), so there are no figures; the health answer stands\.$/);
  });

  it('a health server that never answers is unknown within --timeout', async () => {
    const started = performance.now();
    const results = await run(ports.silent, ports.worker, { timeoutMs: 300 });
    assert.deepEqual(brief(results)[0], { target: `http://127.0.0.1:${ports.silent}/health`, status: 'unknown', messageId: 'timeout' });
    assert.ok(performance.now() - started < 1500);
  });

  it('asks nothing under --offline', async () => {
    assert.deepEqual(brief(await run(ports.worker, ports.worker, { offline: true })), [{ target: null, status: 'skip', messageId: 'offline' }]);
  });
});
