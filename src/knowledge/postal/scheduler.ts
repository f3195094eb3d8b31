import type { Context } from '../../core/types.js';
import { count, mainDbSettings, readDatabase, type DatabaseRead } from './databases.js';

/**
 * Postal's scheduled tasks (postalserver/postal 3.3.6 app/lib/worker/process.rb): every worker tries each
 * 60 s (task_sleep_time) to hold the `tasks` row of worker_roles (taken over when its acquired_at is 5 min
 * old, app/models/worker_role.rb); the holder runs each task whose scheduled_tasks.next_run_after has passed
 * and sets the next time, even when the task raised. Tasks run hourly (at :15 or :45), daily at 03:00, or
 * every minute (app/scheduled_tasks/*.rb), so a next_run_after long past means no worker runs them.
 */
export const SCHEDULER_STATEMENTS = [
  'SELECT name, TIMESTAMPDIFF(SECOND, next_run_after, UTC_TIMESTAMP()) AS overdue_seconds FROM scheduled_tasks ORDER BY next_run_after',
  "SELECT worker, TIMESTAMPDIFF(SECOND, acquired_at, UTC_TIMESTAMP()) AS held_seconds FROM worker_roles WHERE role = 'tasks'",
];

export interface ScheduledTaskState {
  /** The task class without its namespace, e.g. ProcessMessageRetentionScheduledTask. */
  name: string;
  /** Seconds since next_run_after (negative: not yet due); null when never set. */
  overdueSeconds: number | null;
}

export type SchedulerRead =
  | { state: 'read'; tasks: ScheduledTaskState[]; role: { worker: string; heldSeconds: number | null } | null }
  | Exclude<DatabaseRead, { state: 'read' }>;

export async function readScheduler(ctx: Context): Promise<SchedulerRead> {
  const read = await readDatabase(ctx, mainDbSettings(ctx), SCHEDULER_STATEMENTS);
  if (read.state !== 'read') return read;
  const [tasks = [], roles = []] = read.results;
  const role = roles[0];
  return {
    state: 'read',
    tasks: tasks.map((row) => ({ name: String(row.name ?? '').split('::').pop() ?? '', overdueSeconds: row.overdue_seconds === null ? null : count(row, 'overdue_seconds') })),
    role: role ? { worker: String(role.worker ?? ''), heldSeconds: role.held_seconds === null ? null : count(role, 'held_seconds') } : null,
  };
}
