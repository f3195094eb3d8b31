import type { RunOptions } from './types.js';

/**
 * The limits checks judge against, with their defaults; each is documented on its check's page and set with
 * `--threshold <name>=<value>`. Names are permanent, like check ids.
 */
export const THRESHOLDS = {
  'queue.ready-minutes': { default: 30, unit: 'minutes', description: 'a queued message ready to send that no worker has taken for this long means the workers are not working the queue' },
  'queue.lock-minutes': { default: 60, unit: 'minutes', description: 'a queue lock held this long belongs to a worker that died while sending' },
  'queue.retry-hours': { default: 12, unit: 'hours', description: 'a retry scheduled this far ahead is longer than any back-off Postal computes' },
  'scheduler.overdue-minutes': { default: 60, unit: 'minutes', description: 'a scheduled task this far past its next_run_after means no worker runs scheduled tasks' },
  'health.queue-latency-seconds': { default: 600, unit: 'seconds', description: "the worker's mean queue latency (seconds from queueing to each dequeue, retries included) above this since it started is a warning" },
  'health.worker-error-percent': { default: 5, unit: '%', description: "worker errors above this share of its completed jobs since it started (and at least 10) is a warning" },
  'disk.warn-percent': { default: 30, unit: '%', description: 'free space or free inodes below this share of the filesystem is a warning' },
  'disk.fail-percent': { default: 15, unit: '%', description: 'free space or free inodes below this share of the filesystem is a failure' },
  'disk.fail-mib': { default: 1024, unit: 'MiB', description: 'free space below this size is a failure, whatever the share' },
  'web.expiry-days': { default: 14, unit: 'days', description: "the web interface's certificate expiring within this many days is a warning" },
} as const satisfies Record<string, { default: number; unit: string; description: string }>;

export type ThresholdName = keyof typeof THRESHOLDS;

export function isThresholdName(name: string): name is ThresholdName {
  return Object.hasOwn(THRESHOLDS, name);
}

/** The limit in force: the one given with --threshold, else the default. */
export function threshold(options: RunOptions, name: ThresholdName): number {
  return options.thresholds?.[name] ?? THRESHOLDS[name].default;
}
