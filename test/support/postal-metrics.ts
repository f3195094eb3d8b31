/**
 * /metrics pages as Postal 3.3.6's health servers print them: prometheus-client 4.2.2's text format (`# TYPE` then
 * `# HELP`, Ruby floats such as `3.0`, the default buckets 0.005 … 10 then `+Inf`), with the families the worker
 * (app/lib/worker/process.rb:295-313) and the SMTP server (app/lib/smtp_server/server.rb:302-313, client.rb:580-592)
 * register, each from the observations a test gives.
 */

const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10'];

const float = (value: number) => (Number.isInteger(value) ? `${value}.0` : String(value));

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function family(name: string, type: string, help: string, lines: string[]): string[] {
  return [`# TYPE ${name} ${type}`, `# HELP ${name} ${help}`, ...lines];
}

function counter(name: string, values: Array<[Record<string, string>, number]>): string[] {
  return values.map(([labels, value]) => `${name}${labelText(labels)} ${float(value)}`);
}

function histogram(name: string, series: Array<[Record<string, string>, number[]]>): string[] {
  return series.flatMap(([labels, observations]) => [
    ...BUCKETS.map((le) => `${name}_bucket${labelText({ ...labels, le })} ${float(observations.filter((value) => value <= Number(le)).length)}`),
    `${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${float(observations.length)}`,
    `${name}_sum${labelText(labels)} ${float(observations.reduce((sum, value) => sum + value, 0))}`,
    `${name}_count${labelText(labels)} ${float(observations.length)}`,
  ]);
}

export interface WorkerActivity {
  /** Seconds each dequeued message had been queued. */
  latencies?: number[];
  /** Job runs that completed work, by thread and job. */
  jobs?: Array<{ thread: number; job: string; count: number }>;
  /** Errors by class. */
  errors?: Record<string, number>;
  /** Scheduled task runtimes by task. */
  tasks?: Record<string, number[]>;
  /** Worker threads with job runtime histograms (each runs both jobs). */
  threads?: number;
}

export function workerMetricsPage(activity: WorkerActivity = {}): string {
  const jobs = activity.jobs ?? [];
  const threads = activity.threads ?? 2;
  const runtimes: Array<[Record<string, string>, number[]]> = [];
  for (let thread = 0; thread < threads; thread++) {
    for (const job of ['ProcessQueuedMessagesJob', 'ProcessWebhookRequestsJob']) runtimes.push([{ thread: String(thread), job }, [0.002, 0.004, 0.03]]);
  }
  return [
    ...family('postal_worker_job_executions', 'counter', 'The number of jobs worked by a worker where work was completed', counter('postal_worker_job_executions', jobs.map(({ thread, job, count }) => [{ thread: String(thread), job }, count]))),
    ...family('postal_worker_job_runtime', 'histogram', 'The time taken to process jobs (in seconds)', histogram('postal_worker_job_runtime', runtimes)),
    ...family('postal_worker_errors', 'counter', 'The number of errors encountered while processing jobs', counter('postal_worker_errors', Object.entries(activity.errors ?? {}).map(([error, count]) => [{ error }, count]))),
    ...family('postal_worker_task_runtime', 'histogram', 'The time taken to process tasks (in seconds)', histogram('postal_worker_task_runtime', Object.entries(activity.tasks ?? {}).map(([task, times]) => [{ task }, times]))),
    ...family('postal_message_queue_latency', 'histogram', 'The length of time between a message being queued and being dequeued (in seconds)', histogram('postal_message_queue_latency', [[{}, activity.latencies ?? []]])),
    '',
  ].join('\n');
}

export interface SmtpActivity {
  connections?: number;
  tls?: number;
  /** Messages accepted by type and TLS. */
  messages?: Array<{ type: string; tls: 'yes' | 'no'; count: number }>;
  clientErrors?: Record<string, number>;
  /** Exceptions by type (client-accept, data) and class. */
  exceptions?: Array<{ type: string; error: string; count: number }>;
}

export function smtpMetricsPage(activity: SmtpActivity = {}): string {
  return [
    ...family('postal_smtp_server_connections_total', 'counter', 'The number of connections made to the Postal SMTP server.', counter('postal_smtp_server_connections_total', [[{}, activity.connections ?? 0]])),
    ...family('postal_smtp_server_exceptions_total', 'counter', 'The number of server exceptions encountered by the SMTP server', counter('postal_smtp_server_exceptions_total', (activity.exceptions ?? []).map(({ type, error, count }) => [{ error, type }, count]))),
    ...family('postal_smtp_server_tls_connections_total', 'counter', 'The number of successfuly TLS connections established', counter('postal_smtp_server_tls_connections_total', [[{}, activity.tls ?? 0]])),
    ...family('postal_smtp_server_commands_total', 'counter', 'The number of key commands received by the server', counter('postal_smtp_server_commands_total', [[{ command: 'EHLO' }, activity.connections ?? 0]])),
    ...family('postal_smtp_server_client_errors', 'counter', 'The number of errors sent to a client', counter('postal_smtp_server_client_errors', Object.entries(activity.clientErrors ?? {}).map(([error, count]) => [{ error }, count]))),
    ...family('postal_smtp_server_messages_total', 'counter', 'The number of messages accepted by the SMTP server', counter('postal_smtp_server_messages_total', (activity.messages ?? []).map(({ type, tls, count }) => [{ type, tls }, count]))),
    '',
  ].join('\n');
}
