import type { CheckDefinition, Finding } from '../../core/types.js';
import { threshold } from '../../core/thresholds.js';
import { spanText } from '../../util/duration.js';
import { DATABASE_READ_MESSAGES, unreadFinding } from '../../knowledge/postal/databases.js';
import { readScheduler, SCHEDULER_STATEMENTS } from '../../knowledge/postal/scheduler.js';

export const schedulerCheck: CheckDefinition = {
  id: 'postal.scheduler',
  group: 'postal',
  order: 70,
  title: 'A worker runs the scheduled tasks (retention, DNS rechecks, held-message expiry)',
  targets: '',
  probes: ['database'],
  network: false,
  messages: {
    ...DATABASE_READ_MESSAGES,
    'on-time': { title: 'Scheduled tasks run on time', message: '{count} scheduled tasks, none more than {minutes} min past its time; the tasks role is held by {worker}.' },
    overdue: {
      title: 'Scheduled tasks have not run for {age}',
      message:
        '{tasks} should have run {age} ago (limit {minutes} min); {role}. Without them Postal keeps every message past its retention, stops rechecking DNS, never expires held messages and never clears dead queue locks.',
    },
    'never-ran': {
      title: 'No worker has ever run the scheduled tasks',
      message: 'scheduled_tasks is empty: the worker creates a row for each task the first time it runs the tasks, so none has run on this database.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const read = await readScheduler(ctx);
    if (read.state !== 'read') return [unreadFinding(read, 'Scheduled tasks', 'main_db', SCHEDULER_STATEMENTS[0])];
    const minutes = threshold(ctx.options, 'scheduler.overdue-minutes');
    const evidence = [
      { query: SCHEDULER_STATEMENTS[0], answer: read.tasks.map((task) => `${task.name}: ${task.overdueSeconds === null ? 'never set' : `${task.overdueSeconds} s past`}`) },
      { query: SCHEDULER_STATEMENTS[1], answer: read.role },
    ];
    const fix = { kind: 'restart' as const, summary: 'Read why the worker does not run its tasks thread, then restart Postal', commands: ['postal logs --tail 100 worker', 'postal restart'] };
    if (read.tasks.length === 0) return [{ target: null, status: 'warn', messageId: 'never-ran', evidence, fix }];
    const overdue = read.tasks.filter((task) => task.overdueSeconds === null || task.overdueSeconds > minutes * 60);
    if (overdue.length > 0) {
      const worst = Math.max(...overdue.map((task) => task.overdueSeconds ?? 0));
      const role = read.role
        ? `the tasks role was last renewed by ${read.role.worker} ${spanText(read.role.heldSeconds ?? 0)} ago${(read.role.heldSeconds ?? 0) > 300 ? ', so no worker holds it now' : ''}`
        : 'no worker holds the tasks role';
      return [{ target: null, status: 'fail', messageId: 'overdue', data: { tasks: overdue.map((task) => task.name).join(', '), age: spanText(worst), minutes, role }, evidence, fix }];
    }
    return [{ target: null, status: 'pass', messageId: 'on-time', data: { count: read.tasks.length, minutes, worker: read.role?.worker ?? 'no worker at the moment' }, evidence }];
  },
};
