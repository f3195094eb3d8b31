import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import { threshold } from '../../core/thresholds.js';
import { spanText } from '../../util/duration.js';
import { unlessOffline } from '../../core/probe-access.js';
import { isWildcard } from '../../knowledge/firewall/nat-rules.js';
import { environmentNote, listenerOrigin, postalListener, type PostalListener } from '../../knowledge/postal/listeners.js';
import { countsText, smtpFigures, workerFigures, type SmtpFigures, type WorkerFigures } from '../../knowledge/postal/metrics.js';

/**
 * The health servers of script/worker.rb and script/smtp_server.rb (app/util/health_server.rb, postalserver/postal
 * 3.3.6): `/health` answers 200 "OK" while the process runs, `/metrics` gives its Prometheus metrics. Each listens
 * where HEALTH_SERVER_BIND_ADDRESS / HEALTH_SERVER_PORT in its container say, else where postal.yml says (listeners.ts).
 */
const HEALTH_SERVERS = [
  { listener: 'worker-health', name: 'the worker' },
  { listener: 'smtp-health', name: 'the SMTP server' },
] as const;

function baseUrl(listener: PostalListener): string {
  const host = isWildcard(listener.bind) ? (listener.bind.includes(':') ? '::1' : '127.0.0.1') : listener.bind;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
}

/** The most of /metrics read: a worker with many threads has a histogram per thread and job (14 lines each). */
const METRICS_MAX_BYTES = 1024 * 1024;

/** Worker errors below this count are not judged as a share: a handful since the start says little. */
const MIN_ERRORS = 10;

/** `0.4 s`, `12 s`, `3 min`. */
function secondsText(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  return spanText(seconds);
}

const number = (value: number) => Math.round(value).toLocaleString('en-US');
/** `1 error`, `3 errors`. */
const counted = (value: number, one: string, many = `${one}s`) => `${number(value)} ${Math.round(value) === 1 ? one : many}`;

function workerSummary(figures: WorkerFigures): string {
  const queue =
    figures.meanLatencySeconds === null
      ? 'no message dequeued'
      : `${counted(figures.dequeued, 'message')} dequeued, after ${secondsText(figures.meanLatencySeconds)} in the queue on average${figures.within10sPercent === null ? '' : ` (${Math.round(figures.within10sPercent)} % within 10 s)`}`;
  const errors = figures.errors === 0 ? 'no errors' : `${counted(figures.errors, 'error')} (${countsText(figures.errorsByClass)})`;
  return `Since the worker started: ${queue}; ${counted(figures.jobs, 'job')} completed, ${counted(figures.tasks, 'scheduled task')} run; ${errors}.`;
}

function smtpSummary(figures: SmtpFigures): string {
  const exceptions = figures.exceptions === 0 ? 'no exceptions' : `${counted(figures.exceptions, 'exception')} (${countsText(figures.exceptionsByKind)})`;
  return (
    `Since the SMTP server started: ${counted(figures.connections, 'connection')} (${number(figures.tlsConnections)} with STARTTLS), ` +
    `${counted(figures.messages, 'message')} accepted, ${counted(figures.clientErrors, 'error reply', 'error replies')} to clients; ${exceptions}.`
  );
}

interface MetricsOutcome {
  /** The sentence the pass message ends with. */
  summary: string;
  findings: Finding[];
  evidence: Evidence;
}

/** Reads /metrics and judges what can be judged; a page that cannot be read only adds a note to the pass. */
async function readMetrics(ctx: CheckContext, listener: PostalListener, name: string): Promise<MetricsOutcome> {
  const url = `${baseUrl(listener)}/metrics`;
  const response = await ctx.probes.http.get({ url, timeoutMs: ctx.options.timeoutMs, maxBytes: METRICS_MAX_BYTES });
  const unread = (reason: string): MetricsOutcome => ({
    summary: `Its /metrics could not be read (${reason}), so there are no figures; the health answer stands.`,
    findings: [],
    evidence: { query: `GET ${url}`, answer: { status: response.status, failure: response.failure, reason, ms: response.ms } },
  });
  if (response.failure) return unread(`${response.failure.code}: ${response.failure.message}`);
  if (response.status !== 200) return unread(`it answered ${response.status ?? 'nothing'}`);
  if (response.truncated) return unread(`it is larger than ${METRICS_MAX_BYTES / 1024} KiB`);
  const logs = (what: string) => ({ kind: 'manual' as const, summary: `Read ${what} in the ${listener.process} log: each is logged with its backtrace`, commands: [`postal logs --tail 500 ${listener.process}`] });

  if (listener.process === 'worker') {
    const reading = workerFigures(response.body);
    if (!reading.ok) return unread(reading.reason);
    const { figures } = reading;
    const findings: Finding[] = [];
    const latencyLimit = threshold(ctx.options, 'health.queue-latency-seconds');
    if (figures.meanLatencySeconds !== null && figures.meanLatencySeconds > latencyLimit) {
      findings.push({
        target: url,
        status: 'warn',
        messageId: 'queue-latency',
        data: {
          name,
          mean: secondsText(figures.meanLatencySeconds),
          dequeued: number(figures.dequeued),
          limit: secondsText(latencyLimit),
          within: figures.within10sPercent === null ? '?' : String(Math.round(figures.within10sPercent)),
        },
        fix: {
          kind: 'manual',
          summary: 'See whether messages wait for a worker (postal.queue); if they do, give the worker more threads (worker.threads in postal.yml) or run more workers, then postal restart',
          commands: ['postal-doctor check --only postal.queue'],
        },
      });
    }
    const errorLimit = threshold(ctx.options, 'health.worker-error-percent');
    const share = figures.jobs > 0 ? (100 * figures.errors) / figures.jobs : Infinity;
    if (figures.errors >= MIN_ERRORS && share > errorLimit) {
      findings.push({
        target: url,
        status: 'warn',
        messageId: 'worker-errors',
        data: {
          name,
          errors: number(figures.errors),
          jobs: number(figures.jobs),
          share: Number.isFinite(share) ? `${Math.round(share)} %, ` : '',
          limit: errorLimit,
          classes: countsText(figures.errorsByClass),
        },
        fix: logs('the errors'),
      });
    }
    return { summary: workerSummary(figures), findings, evidence: { query: `GET ${url}`, answer: { status: response.status, figures, ms: response.ms } } };
  }

  const reading = smtpFigures(response.body);
  if (!reading.ok) return unread(reading.reason);
  const { figures } = reading;
  const findings: Finding[] = [];
  if (figures.exceptions > 0) {
    findings.push({
      target: url,
      status: 'warn',
      messageId: 'smtp-exceptions',
      data: { name, count: number(figures.exceptions), kinds: countsText(figures.exceptionsByKind), connections: number(figures.connections) },
      fix: logs('the exceptions'),
    });
  }
  return { summary: smtpSummary(figures), findings, evidence: { query: `GET ${url}`, answer: { status: response.status, figures, ms: response.ms } } };
}

export const healthCheck: CheckDefinition = {
  id: 'postal.health',
  group: 'postal',
  order: 65,
  title: "The worker's and SMTP server's health servers answer, and their metrics show no trouble",
  targets: 'URL',
  probes: ['http'],
  network: false,
  messages: {
    healthy: { title: '{name}: {url} answers OK', message: "{name}'s health server answers OK at {url} ({origin}). {metrics}" },
    refused: {
      title: '{name}: no health server at {url}',
      message:
        'Nothing listens at {url} ({origin}): {name} does not run on this host, or it did not start its health server (its log says why: "health server port … is already in use" when another process holds the port).{note}',
    },
    unhealthy: { title: '{name}: {url} answers {code}', message: '{name}\'s health server answered {code} instead of 200 "OK".' },
    timeout: { title: '{name}: {url} does not answer', message: 'No answer from {url} within {ms} ms: the process is stuck or the port is filtered.' },
    error: { title: '{name}: {url} could not be asked', message: 'The request failed: {reason}.' },
    offline: { title: 'Health servers not asked (--offline)', message: 'The health servers were not asked because --offline was given.' },
    'queue-latency': {
      title: 'Messages waited {mean} on average for the worker',
      message:
        'Since {name} started, the {dequeued} messages it dequeued had been queued {mean} on average (limit {limit}, health.queue-latency-seconds); {within} % were taken within 10 s. ' +
        'A retry counts from the first queueing, so a high mean with most taken within 10 s comes from deferred mail being retried; a low share within 10 s means the worker does not keep up with the queue.',
    },
    'worker-errors': {
      title: 'Worker errors since it started: {errors}',
      message: 'Since {name} started, its jobs and scheduled tasks raised {errors} errors against {jobs} jobs that completed work ({share}limit {limit} %, health.worker-error-percent): {classes}.',
    },
    'smtp-exceptions': {
      title: 'SMTP server exceptions since it started: {count}',
      message: 'Since {name} started, {count} exceptions ({kinds}) each dropped a client\'s connection, out of {connections} connections: a client-accept exception loses a connection before the greeting, a data exception one in the middle of a session.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const server of HEALTH_SERVERS) {
      const listener = postalListener(ctx, server.listener);
      const url = `${baseUrl(listener)}/health`;
      const response = await unlessOffline(() => ctx.probes.http.get({ url, timeoutMs: ctx.options.timeoutMs }));
      if (response === null) return [{ target: null, status: 'skip', messageId: 'offline', data: {} }];
      const evidence: Evidence[] = [{ query: `GET ${url}`, answer: { status: response.status, body: response.body.slice(0, 200), failure: response.failure, ms: response.ms } }];
      const note = environmentNote(listener);
      const data = { name: server.name, url, origin: listenerOrigin(listener), note: note ? ` ${note}` : '' };
      if (response.failure) {
        const { code, message } = response.failure;
        if (code === 'ECONNREFUSED') findings.push({ target: url, status: 'warn', messageId: 'refused', data, evidence });
        else if (code === 'ETIMEDOUT' || code === 'ABORTED') findings.push({ target: url, status: 'unknown', messageId: 'timeout', data: { ...data, ms: ctx.options.timeoutMs }, evidence });
        else findings.push({ target: url, status: 'unknown', messageId: 'error', data: { ...data, reason: `${code}: ${message}` }, evidence });
        continue;
      }
      if (response.status !== 200) {
        findings.push({ target: url, status: 'warn', messageId: 'unhealthy', data: { ...data, code: response.status ?? 0 }, evidence, fix: { kind: 'manual', summary: `Read ${server.name}'s log`, commands: [`postal logs --tail 100 ${listener.process}`] } });
        continue;
      }
      const metrics = await readMetrics(ctx, listener, server.name);
      findings.push({ target: url, status: 'pass', messageId: 'healthy', data: { ...data, metrics: metrics.summary }, evidence: [...evidence, metrics.evidence] });
      findings.push(...metrics.findings.map((finding) => ({ ...finding, evidence: [metrics.evidence] })));
    }
    return findings;
  },
};
