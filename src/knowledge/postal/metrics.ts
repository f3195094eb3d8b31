import { parsePrometheusText, total, totalsBy, type Exposition } from './prometheus-text.js';

/**
 * What Postal's processes count in /metrics (postalserver/postal 3.3.6), each since the process started (the
 * counters live in the process's memory):
 * - worker, registered in app/lib/worker/process.rb:295-313:
 *   `postal_worker_job_executions{thread,job}` counter, +1 for each job run that completed work (process.rb:173-180);
 *   `postal_worker_job_runtime{thread,job}` histogram of every job run;
 *   `postal_worker_errors{error}` counter, +1 for each exception a job or scheduled task raised, by class (process.rb:284-293);
 *   `postal_worker_task_runtime{task}` histogram of the scheduled tasks run;
 *   `postal_message_queue_latency` histogram, observed once per dequeue of a queued message with the seconds since
 *   it was queued (app/lib/message_dequeuer/initial_processor.rb:34-39): a retry counts from the first queueing, and
 *   the messages batched with it (same domain) are not observed;
 * - SMTP server, registered in app/lib/smtp_server/server.rb:302-313 and client.rb:580-592:
 *   `postal_smtp_server_connections_total` (+1 per accepted connection, server.rb:114),
 *   `postal_smtp_server_exceptions_total{type,error}` (+1 per exception that dropped a client, server.rb:151 "client-accept"
 *   and server.rb:263 "data"), `postal_smtp_server_tls_connections_total` (server.rb:172),
 *   `postal_smtp_server_client_errors{error}` (SMTP errors sent to clients, client.rb:564) and
 *   `postal_smtp_server_messages_total{type,tls}` (messages accepted, client.rb:571-576).
 * Histograms have prometheus-client's default buckets (0.005 … 10 s, then +Inf).
 */

export interface WorkerFigures {
  /** Dequeues observed by the queue latency histogram. */
  dequeued: number;
  /** postal_message_queue_latency_sum / _count; null when nothing was dequeued. */
  meanLatencySeconds: number | null;
  /** Share of dequeues within 10 s (the largest finite bucket), 0–100; null when nothing was dequeued or the bucket is missing. */
  within10sPercent: number | null;
  /** Job runs that completed work (postal_worker_job_executions), in all and by job. */
  jobs: number;
  jobsByName: Array<{ key: string; value: number }>;
  errors: number;
  errorsByClass: Array<{ key: string; value: number }>;
  /** Scheduled task runs (postal_worker_task_runtime_count). */
  tasks: number;
}

export interface SmtpFigures {
  connections: number;
  tlsConnections: number;
  messages: number;
  clientErrors: number;
  exceptions: number;
  /** By `type error`: `data Errno::EPIPE`. */
  exceptionsByKind: Array<{ key: string; value: number }>;
}

export type MetricsReading<T> = { ok: true; figures: T } | { ok: false; reason: string };

function parse(body: string): { ok: true; exposition: Exposition } | { ok: false; reason: string } {
  const parsed = parsePrometheusText(body);
  return parsed.ok ? parsed : { ok: false, reason: `line ${parsed.line} is not Prometheus text (${parsed.reason})` };
}

/** Postal registers every family when the process starts (process.rb:295, server.rb:302), so a page without them is not Postal's. */
function hasFamily(exposition: Exposition, name: string): boolean {
  return exposition.types.has(name) || exposition.samples.some((sample) => sample.name.startsWith(name));
}

export function workerFigures(body: string): MetricsReading<WorkerFigures> {
  const parsed = parse(body);
  if (!parsed.ok) return parsed;
  const { exposition } = parsed;
  if (!hasFamily(exposition, 'postal_worker_job_executions')) return { ok: false, reason: "it has none of the worker's metrics (postal_worker_*)" };
  const dequeued = total(exposition, 'postal_message_queue_latency_count');
  const latency = total(exposition, 'postal_message_queue_latency_sum');
  const within = exposition.samples.find((sample) => sample.name === 'postal_message_queue_latency_bucket' && Number(sample.labels.le) === 10);
  return {
    ok: true,
    figures: {
      dequeued: Math.round(dequeued),
      meanLatencySeconds: dequeued > 0 ? latency / dequeued : null,
      within10sPercent: dequeued > 0 && within ? (100 * within.value) / dequeued : null,
      jobs: Math.round(total(exposition, 'postal_worker_job_executions')),
      jobsByName: totalsBy(exposition, 'postal_worker_job_executions', (labels) => labels.job ?? '?'),
      errors: Math.round(total(exposition, 'postal_worker_errors')),
      errorsByClass: totalsBy(exposition, 'postal_worker_errors', (labels) => labels.error ?? '?'),
      tasks: Math.round(total(exposition, 'postal_worker_task_runtime_count')),
    },
  };
}

export function smtpFigures(body: string): MetricsReading<SmtpFigures> {
  const parsed = parse(body);
  if (!parsed.ok) return parsed;
  const { exposition } = parsed;
  if (!hasFamily(exposition, 'postal_smtp_server_connections_total')) return { ok: false, reason: "it has none of the SMTP server's metrics (postal_smtp_server_*)" };
  return {
    ok: true,
    figures: {
      connections: Math.round(total(exposition, 'postal_smtp_server_connections_total')),
      tlsConnections: Math.round(total(exposition, 'postal_smtp_server_tls_connections_total')),
      messages: Math.round(total(exposition, 'postal_smtp_server_messages_total')),
      clientErrors: Math.round(total(exposition, 'postal_smtp_server_client_errors')),
      exceptions: Math.round(total(exposition, 'postal_smtp_server_exceptions_total')),
      exceptionsByKind: totalsBy(exposition, 'postal_smtp_server_exceptions_total', (labels) => [labels.type, labels.error].filter(Boolean).join(' ') || '?'),
    },
  };
}

/** `3 Mysql2::Error, 1 Timeout::Error` */
export function countsText(counts: Array<{ key: string; value: number }>): string {
  return counts.map(({ key, value }) => `${Math.round(value)} ${key}`).join(', ');
}
