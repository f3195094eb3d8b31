import type { Context } from '../../core/types.js';
import { threshold } from '../../core/thresholds.js';
import type { DatabaseRow } from '../../probes/types.js';
import { count, mainDbSettings, optionalNumber, readDatabase, type DatabaseRead } from './databases.js';

/**
 * Postal's queues as the worker sees them (postalserver/postal 3.3.6):
 * - app/lib/worker/jobs/process_queued_messages_job.rb takes one unlocked message whose `retry_after` is NULL or
 *   more than 30 s past (QueuedMessage.ready_with_delayed_retry) and whose `ip_address_id` is NULL or an address
 *   on the worker's own host (find_ip_addresses), every 5 s or sooner (worker/process.rb, work_sleep_time: 5);
 * - a message it fails to send gets `retry_after = now + 1.3^attempts * 5 min` (concerns/has_locking.rb
 *   retry_later), under 8 h up to the default 18 attempts (postal.default_maximum_delivery_attempts);
 * - a lock older than postal.queued_message_lock_stale_days is removed with its message, not retried
 *   (scheduled_tasks/tidy_queued_messages_task.rb, QueuedMessage.with_stale_lock);
 * - a message of a suspended server is held and leaves the queue when a worker reaches it
 *   (message_dequeuer/single_message_processor.rb check_server_suspension);
 * - webhook_requests are taken the same way without the IP condition (process_webhook_requests_job.rb).
 * Every age is computed by the database against UTC_TIMESTAMP(): Rails stores UTC.
 */
export interface QueueLimits {
  readyMinutes: number;
  lockMinutes: number;
  retryHours: number;
}

export function queueLimits(ctx: Context): QueueLimits {
  return {
    readyMinutes: threshold(ctx.options, 'queue.ready-minutes'),
    lockMinutes: threshold(ctx.options, 'queue.lock-minutes'),
    retryHours: threshold(ctx.options, 'queue.retry-hours'),
  };
}

/** Ready: unlocked, and its retry time has passed (a message 30 s after retry_after, a webhook request at once). */
const ready = (table: string, delaySeconds: number) =>
  `${table}locked_at IS NULL AND (${table}retry_after IS NULL OR ${table}retry_after < UTC_TIMESTAMP() - INTERVAL ${delaySeconds} SECOND)`;
/** Since when a ready item has been waiting to be taken. */
const readySince = (table: string) => `COALESCE(${table}retry_after, ${table}created_at)`;

/**
 * The aggregates read: one scan of queued_messages grouped by sending address (a row per pool IP in use),
 * a row per suspended server with queued mail, one row for webhook_requests.
 */
export function queueStatements({ readyMinutes, lockMinutes, retryHours }: QueueLimits): string[] {
  const minutes = (value: number) => Math.max(0, Math.round(value));
  return [
    `SELECT g.*, a.id AS address_id, a.ipv4, a.ipv6 FROM (SELECT ip_address_id, COUNT(*) AS messages, ` +
      `TIMESTAMPDIFF(SECOND, MIN(created_at), UTC_TIMESTAMP()) AS oldest_seconds, ` +
      `SUM(locked_at IS NOT NULL) AS locked, SUM(locked_at < UTC_TIMESTAMP() - INTERVAL ${minutes(lockMinutes)} MINUTE) AS stale_locks, ` +
      `TIMESTAMPDIFF(SECOND, MIN(locked_at), UTC_TIMESTAMP()) AS oldest_lock_seconds, ` +
      `SUM(${ready('', 30)} AND ${readySince('')} < UTC_TIMESTAMP() - INTERVAL ${minutes(readyMinutes)} MINUTE) AS waiting, ` +
      `TIMESTAMPDIFF(SECOND, MIN(CASE WHEN ${ready('', 30)} THEN ${readySince('')} END), UTC_TIMESTAMP()) AS longest_wait_seconds, ` +
      `SUM(retry_after > UTC_TIMESTAMP() + INTERVAL ${minutes(retryHours * 60)} MINUTE) AS far_retries, ` +
      `TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), MAX(retry_after)) AS furthest_retry_seconds, MAX(attempts) AS most_attempts ` +
      `FROM queued_messages GROUP BY ip_address_id) g LEFT JOIN ip_addresses a ON a.id = g.ip_address_id ORDER BY g.messages DESC, g.ip_address_id`,
    `SELECT s.id, s.name, COUNT(*) AS messages FROM servers s JOIN queued_messages q ON q.server_id = s.id ` +
      `WHERE s.suspended_at IS NOT NULL GROUP BY s.id, s.name ORDER BY messages DESC, s.id`,
    `SELECT COUNT(*) AS total, TIMESTAMPDIFF(SECOND, MIN(created_at), UTC_TIMESTAMP()) AS oldest_seconds, ` +
      `SUM(locked_at < UTC_TIMESTAMP() - INTERVAL ${minutes(lockMinutes)} MINUTE) AS stale_locks, ` +
      `SUM(${ready('', 0)} AND ${readySince('')} < UTC_TIMESTAMP() - INTERVAL ${minutes(readyMinutes)} MINUTE) AS waiting ` +
      `FROM webhook_requests`,
  ];
}

export interface QueueByAddress {
  /** queued_messages.ip_address_id; null for messages sent from the address the kernel picks. */
  ipAddressId: number | null;
  /** False when the id names no row of ip_addresses (the address was deleted). */
  exists: boolean;
  ips: string[];
  messages: number;
  /** Ready messages that have waited longer than queue.ready-minutes. */
  waiting: number;
  longestWaitSeconds: number | null;
}

export interface QueueSummary {
  total: number;
  oldestSeconds: number | null;
  locked: number;
  staleLocks: number;
  oldestLockSeconds: number | null;
  farRetries: number;
  furthestRetrySeconds: number | null;
  mostAttempts: number;
  byAddress: QueueByAddress[];
  suspended: Array<{ id: number; name: string; messages: number }>;
  webhooks: { total: number; oldestSeconds: number | null; staleLocks: number; waiting: number };
}

function text(row: DatabaseRow, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined || String(value).trim() === '' ? null : String(value).trim();
}

const largest = (values: Array<number | null>): number | null => values.reduce<number | null>((max, value) => (value !== null && (max === null || value > max) ? value : max), null);

export function summariseQueue(results: DatabaseRow[][]): QueueSummary {
  const [groups = [], suspended = [], [webhooks] = []] = results;
  const byAddress = groups.map((row) => ({
    ipAddressId: optionalNumber(row, 'ip_address_id'),
    exists: row.address_id !== null,
    ips: [text(row, 'ipv4'), text(row, 'ipv6')].filter((ip): ip is string => ip !== null),
    messages: count(row, 'messages'),
    waiting: count(row, 'waiting'),
    longestWaitSeconds: optionalNumber(row, 'longest_wait_seconds'),
  }));
  const sum = (column: string) => groups.reduce((total, row) => total + count(row, column), 0);
  return {
    total: sum('messages'),
    oldestSeconds: largest(groups.map((row) => optionalNumber(row, 'oldest_seconds'))),
    locked: sum('locked'),
    staleLocks: sum('stale_locks'),
    oldestLockSeconds: largest(groups.map((row) => optionalNumber(row, 'oldest_lock_seconds'))),
    farRetries: sum('far_retries'),
    furthestRetrySeconds: largest(groups.map((row) => optionalNumber(row, 'furthest_retry_seconds'))),
    mostAttempts: largest(groups.map((row) => optionalNumber(row, 'most_attempts'))) ?? 0,
    byAddress,
    suspended: suspended.map((row) => ({ id: count(row, 'id'), name: text(row, 'name') ?? `#${count(row, 'id')}`, messages: count(row, 'messages') })),
    webhooks: {
      total: count(webhooks, 'total'),
      oldestSeconds: optionalNumber(webhooks, 'oldest_seconds'),
      staleLocks: count(webhooks, 'stale_locks'),
      waiting: count(webhooks, 'waiting'),
    },
  };
}

export type QueueRead = { state: 'read'; summary: QueueSummary; statements: string[] } | (Exclude<DatabaseRead, { state: 'read' }> & { statements: string[] });

/** The queue summary from main_db, aggregated in SQL. */
export async function readQueue(ctx: Context): Promise<QueueRead> {
  const statements = queueStatements(queueLimits(ctx));
  const read = await readDatabase(ctx, mainDbSettings(ctx), statements);
  if (read.state !== 'read') return { ...read, statements };
  return { state: 'read', summary: summariseQueue(read.results), statements };
}
