import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText } from '../../../src/knowledge/postal/prometheus-text.js';
import { smtpFigures, workerFigures } from '../../../src/knowledge/postal/metrics.js';
import { smtpMetricsPage, workerMetricsPage } from '../../support/postal-metrics.js';

describe('the Prometheus text format', () => {
  it('reads types, label values with escapes, Ruby floats, infinities and timestamps', () => {
    const parsed = parsePrometheusText(
      [
        '# TYPE a_total counter',
        '# HELP a_total Some "help" \\n text',
        'a_total{error="Net::ReadTimeout",path="C:\\\\x \\"q\\"\\nz"} 3.0',
        'a_total{error="b",} 1.0e-05 1700000000000',
        'b_bucket{le="+Inf"} +Inf',
        'c NaN',
        '',
      ].join('\r\n'),
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.exposition.types.get('a_total'), 'counter');
    assert.deepEqual(parsed.exposition.samples.slice(0, 3), [
      { name: 'a_total', labels: { error: 'Net::ReadTimeout', path: 'C:\\x "q"\nz' }, value: 3 },
      { name: 'a_total', labels: { error: 'b' }, value: 0.00001 },
      { name: 'b_bucket', labels: { le: '+Inf' }, value: Infinity },
    ]);
    assert.ok(Number.isNaN(parsed.exposition.samples[3].value));
  });

  it('refuses what is not Prometheus text, naming the first line that is not', () => {
    const cases: Array<[string, RegExp]> = [
      ['<html><body>Not Found</body></html>', /line 1 .*not a metric name/],
      ['# TYPE a counter\na 1.0\na{x="1"', /line 3 .*not closed/],
      ['a{x=1} 2', /line 1 .*label x has no quoted value/],
      ['a{x="1" y="2"} 2', /line 1 .*"," or "}" was expected/],
      ['a 3.0.1', /line 1 .*not a number/],
      ['a', /line 1 .*a has no value/],
      ['# TYPE a countr', /line 1 .*not a metric type/],
    ];
    for (const [text, reason] of cases) {
      const parsed = parsePrometheusText(text);
      assert.equal(parsed.ok, false, text);
      if (!parsed.ok) assert.match(`line ${parsed.line} ${parsed.reason}`, reason, text);
    }
  });
});

describe("Postal's worker and SMTP server metrics", () => {
  it("sums the worker's dequeues, latency, jobs, tasks and errors since it started", () => {
    const reading = workerFigures(
      workerMetricsPage({
        latencies: [0.5, 1.5, 4, 30, 64],
        jobs: [
          { thread: 0, job: 'ProcessQueuedMessagesJob', count: 40 },
          { thread: 1, job: 'ProcessQueuedMessagesJob', count: 35 },
          { thread: 1, job: 'ProcessWebhookRequestsJob', count: 5 },
        ],
        errors: { 'Mysql2::Error::ConnectionError': 2, 'Timeout::Error': 3 },
        tasks: { ProcessMessageRetentionScheduledTask: [1.2], CheckAllDNSScheduledTask: [0.4, 0.3] },
      }),
    );
    assert.ok(reading.ok);
    assert.deepEqual(reading.figures, {
      dequeued: 5,
      meanLatencySeconds: 20,
      within10sPercent: 60,
      jobs: 80,
      jobsByName: [
        { key: 'ProcessQueuedMessagesJob', value: 75 },
        { key: 'ProcessWebhookRequestsJob', value: 5 },
      ],
      errors: 5,
      errorsByClass: [
        { key: 'Timeout::Error', value: 3 },
        { key: 'Mysql2::Error::ConnectionError', value: 2 },
      ],
      tasks: 3,
    });
  });

  it('a worker that has dequeued nothing has no mean latency', () => {
    const reading = workerFigures(workerMetricsPage());
    assert.ok(reading.ok);
    assert.equal(reading.figures.dequeued, 0);
    assert.equal(reading.figures.meanLatencySeconds, null);
  });

  it("sums the SMTP server's connections, messages, client errors and exceptions", () => {
    const reading = smtpFigures(
      smtpMetricsPage({
        connections: 120,
        tls: 80,
        messages: [
          { type: 'incoming', tls: 'yes', count: 70 },
          { type: 'outgoing', tls: 'no', count: 20 },
        ],
        clientErrors: { 'invalid-rcpt': 4 },
        exceptions: [{ type: 'data', error: 'Errno::EPIPE', count: 2 }],
      }),
    );
    assert.ok(reading.ok);
    assert.deepEqual(reading.figures, { connections: 120, tlsConnections: 80, messages: 90, clientErrors: 4, exceptions: 2, exceptionsByKind: [{ key: 'data Errno::EPIPE', value: 2 }] });
  });

  it("tells a page that is not Postal's from one that is not Prometheus text", () => {
    const other = workerFigures('# TYPE go_goroutines gauge\ngo_goroutines 12\n');
    assert.deepEqual(other, { ok: false, reason: "it has none of the worker's metrics (postal_worker_*)" });
    assert.deepEqual(smtpFigures(workerMetricsPage()), { ok: false, reason: "it has none of the SMTP server's metrics (postal_smtp_server_*)" });
    const broken = workerFigures('OK');
    assert.equal(broken.ok, false);
    assert.match(!broken.ok ? broken.reason : '', /^line 1 is not Prometheus text/);
  });
});
