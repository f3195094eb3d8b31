import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { healthCheck } from '../../src/checks/postal/health.js';
import type { HttpProbe, HttpResponse } from '../../src/probes/types.js';
import { checkTable, runCheck } from '../support/check-tester.js';
import { smtpMetricsPage, workerMetricsPage, type SmtpActivity, type WorkerActivity } from '../support/postal-metrics.js';

const WORKER = 'http://127.0.0.1:9090';
const SMTP = 'http://127.0.0.1:9091';

/** Both health servers answering OK, with the /metrics pages given (a string, or a status code). */
function healthServers(pages: { worker?: string | number; smtp?: string | number } = {}, asked: string[] = []): HttpProbe {
  const answer = (url: string, status: number, body: string): HttpResponse => ({ url, address: null, status, location: null, body, tls: null, failure: null, ms: 2 });
  return {
    async get({ url, maxBytes }) {
      asked.push(`${url} ${maxBytes ?? ''}`.trim());
      if (url.endsWith('/health')) return answer(url, 200, 'OK');
      const page = url.startsWith(WORKER) ? (pages.worker ?? workerMetricsPage()) : (pages.smtp ?? smtpMetricsPage());
      return typeof page === 'number' ? answer(url, page, 'Not Found') : answer(url, 200, page);
    },
  };
}

/** A worker that keeps up: messages taken within seconds, one error in 200 jobs. */
const BUSY_WORKER: WorkerActivity = {
  latencies: [0.4, 0.6, 1.2, 2, 3.5, 4.8, 0.9, 1.1],
  jobs: [{ thread: 0, job: 'ProcessQueuedMessagesJob', count: 120 }, { thread: 1, job: 'ProcessQueuedMessagesJob', count: 80 }],
  errors: { 'Mysql2::Error': 1 },
  tasks: { CheckAllDNSScheduledTask: [0.2] },
};
const QUIET_SMTP: SmtpActivity = { connections: 50, tls: 30, messages: [{ type: 'incoming', tls: 'yes', count: 30 }], clientErrors: { 'invalid-rcpt': 2 } };

const worker = (activity: WorkerActivity) => workerMetricsPage(activity);
const pass = (url: string) => ({ target: `${url}/health`, status: 'pass', messageId: 'healthy' });

checkTable(healthCheck, {
  valid: [
    { name: 'a worker that keeps up and an SMTP server without exceptions', probes: { http: healthServers({ worker: worker(BUSY_WORKER), smtp: smtpMetricsPage(QUIET_SMTP) }) } },
    { name: 'freshly started processes: nothing counted yet', probes: { http: healthServers() } },
    {
      name: 'a few errors in a worker that has done little: too few to judge',
      probes: { http: healthServers({ worker: worker({ errors: { 'Mysql2::Error::ConnectionError': 9 } }) }) },
    },
    { name: 'metrics that are not Prometheus text do not change the health verdict', probes: { http: healthServers({ worker: '<html>Internal error</html>', smtp: 500 }) } },
    {
      name: 'a slow mean under a raised limit',
      probes: { http: healthServers({ worker: worker({ latencies: [900, 1000] }) }) },
      options: { thresholds: { 'health.queue-latency-seconds': 1200 } },
    },
  ],
  invalid: [
    {
      name: 'messages wait minutes on average for the worker',
      probes: { http: healthServers({ worker: worker({ latencies: [900, 1200, 1500, 2, 3] }) }) },
      expected: [pass(WORKER), { target: `${WORKER}/metrics`, status: 'warn', messageId: 'queue-latency' }, pass(SMTP)],
    },
    {
      name: 'worker errors above 5 % of its completed jobs',
      probes: { http: healthServers({ worker: worker({ jobs: [{ thread: 0, job: 'ProcessQueuedMessagesJob', count: 100 }], errors: { 'Mysql2::Error': 8, 'Timeout::Error': 4 } }) }) },
      expected: [pass(WORKER), { target: `${WORKER}/metrics`, status: 'warn', messageId: 'worker-errors' }, pass(SMTP)],
    },
    {
      name: 'a worker that only fails',
      probes: { http: healthServers({ worker: worker({ errors: { 'ActiveRecord::ConnectionNotEstablished': 40 } }) }) },
      expected: [pass(WORKER), { target: `${WORKER}/metrics`, status: 'warn', messageId: 'worker-errors' }, pass(SMTP)],
    },
    {
      name: 'the SMTP server dropped connections on exceptions',
      probes: { http: healthServers({ smtp: smtpMetricsPage({ ...QUIET_SMTP, exceptions: [{ type: 'data', error: 'NoMethodError', count: 3 }] }) }) },
      expected: [pass(WORKER), pass(SMTP), { target: `${SMTP}/metrics`, status: 'warn', messageId: 'smtp-exceptions' }],
    },
    {
      name: 'the error share under a lowered limit',
      probes: { http: healthServers({ worker: worker({ ...BUSY_WORKER, errors: { 'Mysql2::Error': 10 } }) }) },
      options: { thresholds: { 'health.worker-error-percent': 2 } },
      expected: [pass(WORKER), { target: `${WORKER}/metrics`, status: 'warn', messageId: 'worker-errors' }, pass(SMTP)],
    },
  ],
});

describe('postal.health messages', () => {
  it("gives the worker's and SMTP server's figures since they started", async () => {
    const asked: string[] = [];
    const results = await runCheck(healthCheck, { probes: { http: healthServers({ worker: worker(BUSY_WORKER), smtp: smtpMetricsPage(QUIET_SMTP) }, asked) } });
    assert.match(
      results[0].message,
      /\. Since the worker started: 8 messages dequeued, after 1\.8 s in the queue on average \(100 % within 10 s\); 200 jobs completed, 1 scheduled task run; 1 error \(1 Mysql2::Error\)\.$/,
    );
    assert.match(results[1].message, /\. Since the SMTP server started: 50 connections \(30 with STARTTLS\), 30 messages accepted, 2 error replies to clients; no exceptions\.$/);
    // /metrics is read with room for a worker with many threads.
    assert.deepEqual(asked, [`${WORKER}/health`, `${WORKER}/metrics 1048576`, `${SMTP}/health`, `${SMTP}/metrics 1048576`]);
  });

  it('explains a latency warning with the share taken within 10 s and the limit', async () => {
    const results = await runCheck(healthCheck, { probes: { http: healthServers({ worker: worker({ latencies: [900, 1200, 1500, 2, 3] }) }) } });
    const warning = results.find((result) => result.messageId === 'queue-latency')!;
    assert.equal(warning.title, 'Messages waited 12 min on average for the worker');
    assert.match(warning.message, /^Since the worker started, the 5 messages it dequeued had been queued 12 min on average \(limit 10 min, health\.queue-latency-seconds\); 40 % were taken within 10 s\./);
    assert.deepEqual(warning.evidence.map((entry) => entry.query), [`GET ${WORKER}/metrics`]);
  });

  it('names the error classes and the share', async () => {
    const results = await runCheck(healthCheck, {
      probes: { http: healthServers({ worker: worker({ jobs: [{ thread: 0, job: 'ProcessQueuedMessagesJob', count: 100 }], errors: { 'Mysql2::Error': 8, 'Timeout::Error': 4 } }) }) },
    });
    const warning = results.find((result) => result.messageId === 'worker-errors')!;
    assert.equal(warning.title, 'Worker errors since it started: 12');
    assert.match(warning.message, /raised 12 errors against 100 jobs that completed work \(12 %, limit 5 %, health\.worker-error-percent\): 8 Mysql2::Error, 4 Timeout::Error\.$/);
    assert.deepEqual(warning.fix?.commands, ['postal logs --tail 500 worker']);
  });

  it('says why the metrics were not read, and keeps the pass', async () => {
    const results = await runCheck(healthCheck, { probes: { http: healthServers({ worker: 'OK\n', smtp: 404 }) } });
    assert.deepEqual(results.map((result) => result.status), ['pass', 'pass']);
    assert.match(results[0].message, /Its \/metrics could not be read \(line 1 is not Prometheus text \(a{0}OK has no value\)\), so there are no figures; the health answer stands\.$/);
    assert.match(results[1].message, /Its \/metrics could not be read \(it answered 404\)/);
  });
});
