import type { CheckDefinition, Evidence, Finding } from '../../core/types.js';
import { canonicalIp } from '../../util/ip.js';
import { spanText } from '../../util/duration.js';
import { mainDbCommand } from '../../knowledge/postal/pool-hostname-fix.js';
import { hostAddresses } from '../../knowledge/postal/outbound-ips.js';
import { DATABASE_READ_MESSAGES, unreadFinding } from '../../knowledge/postal/databases.js';
import { queueLimits, readQueue, type QueueByAddress, type QueueSummary } from '../../knowledge/postal/queue.js';

const MESSAGES = 'queued_messages';
const WEBHOOKS = 'webhook_requests';

/** Locks older than `minutes` released, as Postal's own unlock does (concerns/has_locking.rb unlock). */
function unlockSql(table: string, minutes: number): string {
  return `UPDATE ${table} SET locked_by = NULL, locked_at = NULL WHERE locked_at < UTC_TIMESTAMP() - INTERVAL ${minutes} MINUTE;`;
}

function workerFix(what: string): Finding['fix'] {
  return { kind: 'restart', summary: `Read why the worker does not take ${what} (postal.containers says whether it runs), then restart Postal`, commands: ['postal logs --tail 100 worker', 'postal restart'] };
}

/** Postal's worker ignores these when it lists its host's addresses (process_queued_messages_job.rb local_ip?). */
const IGNORED_BY_POSTAL = /^(127\.|fe80:|::)/i;

function evidenceOf(statements: string[], summary: QueueSummary): Evidence[] {
  const { byAddress, suspended, webhooks, ...messages } = summary;
  return [
    { query: statements[0], answer: { ...messages, byAddress } },
    { query: statements[1], answer: suspended },
    { query: statements[2], answer: webhooks },
  ];
}

function addressText(group: QueueByAddress): string {
  return group.ips.length > 0 ? group.ips.join(' / ') : `ip_addresses id ${group.ipAddressId}`;
}

export const queueCheck: CheckDefinition = {
  id: 'postal.queue',
  group: 'postal',
  order: 60,
  title: 'The message and webhook queues are being worked',
  targets: 'table or IP',
  probes: ['database', 'host'],
  network: false,
  messages: {
    ...DATABASE_READ_MESSAGES,
    empty: { title: 'The message queue is empty', message: 'No message is waiting in queued_messages.' },
    ok: {
      title: 'The queue is moving ({total} queued, none stuck)',
      message: 'Queued messages: {total}, the oldest for {oldest}; none has waited more than {minutes} min for a worker once it was due.',
    },
    stuck: {
      title: 'Queued messages are not being sent ({count} due for over {minutes} min)',
      message:
        'Messages due for more than {minutes} min that no worker has taken: {count}, the longest for {longest}; queued in all: {total}. A worker takes a due message within seconds, so no worker is working the queue.',
    },
    'stale-locks': {
      title: 'Queued messages locked by a worker that stopped: {count}',
      message:
        'Messages locked for more than {minutes} min: {count}, the oldest lock {age} old. The worker that took them died while sending. No worker takes a locked message, and Postal deletes it unsent once its lock is {staleDays} day(s) old (postal.queued_message_lock_stale_days).',
    },
    'address-elsewhere': {
      title: 'Queued messages wait for {ip}, which this host does not have: {count}',
      message: 'Messages to be sent from {ip} (ip_addresses id {id}): {count}. That is not an address of this host. Only a worker on a host that has it sends them; without one they wait forever.',
    },
    'address-gone': {
      title: 'Queued messages wait for an IP address that no longer exists: {count}',
      message: 'Messages to be sent from ip_addresses id {id}, which was deleted: {count}. A worker takes only messages for an address it has, so no worker ever sends them.',
    },
    suspended: {
      title: 'Queued messages of the suspended server {server}: {count}',
      message: 'Postal does not send mail of a suspended server: when a worker reaches these messages ({count}) it holds them (Held) and removes them from the queue.',
    },
    'far-retry': {
      title: 'Queued messages held back by a retry time far ahead: {count}',
      message: "Messages not to be tried for more than {hours} h: {count}, the furthest in {furthest}. Postal's own back-off stays under 8 h, so something set these times.",
    },
    'webhooks-ok': { title: 'Webhook requests are moving ({total} queued, none stuck)', message: 'No webhook request due for more than {minutes} min waits for a worker, and none is locked for more than {lockMinutes} min.' },
    'webhooks-stuck': {
      title: 'Webhook requests are not being sent ({count} due for over {minutes} min)',
      message: 'Webhook requests due for more than {minutes} min that no worker has taken: {count}; queued in all: {total}, the oldest for {oldest}.',
    },
    'webhooks-stale-locks': {
      title: 'Webhook requests locked by a worker that stopped: {count}',
      message: 'Webhook requests locked for more than {minutes} min: {count}. No worker takes them while they are locked.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const read = await readQueue(ctx);
    if (read.state !== 'read') return [unreadFinding(read, 'Message queue', 'main_db', read.statements[0])];
    const { summary, statements } = read;
    const limits = queueLimits(ctx);
    const evidence = evidenceOf(statements, summary);
    const local = new Set((await hostAddresses(ctx)).map((address) => canonicalIp(address.address)).filter((ip) => !IGNORED_BY_POSTAL.test(ip)));
    const onThisHost = (group: QueueByAddress) => group.ips.some((ip) => local.has(canonicalIp(ip)));
    const findings: Finding[] = [];

    // Due messages this host's worker would take: those without an address, or with one of this host's.
    const takenHere = summary.byAddress.filter((group) => group.ipAddressId === null || onThisHost(group));
    const waiting = takenHere.reduce((sum, group) => sum + group.waiting, 0);
    if (waiting > 0) {
      const longest = Math.max(...takenHere.map((group) => group.longestWaitSeconds ?? 0));
      findings.push({
        target: MESSAGES,
        status: 'fail',
        messageId: 'stuck',
        data: { count: waiting, minutes: limits.readyMinutes, longest: spanText(longest), total: summary.total },
        evidence,
        fix: workerFix('messages'),
      });
    }
    if (summary.staleLocks > 0) {
      const sql = unlockSql(MESSAGES, limits.lockMinutes);
      findings.push({
        target: MESSAGES,
        status: 'warn',
        messageId: 'stale-locks',
        data: { count: summary.staleLocks, minutes: limits.lockMinutes, age: spanText(summary.oldestLockSeconds ?? 0), staleDays: ctx.config.get('postal.queued_message_lock_stale_days') },
        evidence,
        fix: { kind: 'database', summary: `Release the dead locks so a worker sends these messages: ${sql}`, commands: [mainDbCommand(ctx, sql)] },
      });
    }
    for (const group of summary.byAddress) {
      if (group.ipAddressId === null) continue;
      if (!group.exists) {
        const sql = `UPDATE queued_messages SET ip_address_id = NULL WHERE ip_address_id = ${group.ipAddressId};`;
        findings.push({
          target: `ip_address_id ${group.ipAddressId}`,
          status: 'fail',
          messageId: 'address-gone',
          data: { count: group.messages, id: group.ipAddressId },
          evidence,
          fix: { kind: 'database', summary: `Let them be sent from the address the host chooses: ${sql}`, commands: [mainDbCommand(ctx, sql)] },
        });
      } else if (!onThisHost(group)) {
        findings.push({
          target: group.ips[0] ?? `ip_address_id ${group.ipAddressId}`,
          status: 'warn',
          messageId: 'address-elsewhere',
          data: { count: group.messages, ip: addressText(group), id: group.ipAddressId },
          evidence,
          fix: { kind: 'manual', summary: `Run a worker on the host that has ${addressText(group)}, or add the address to this host (network.pool-ips-bound shows how)`, commands: [] },
        });
      }
    }
    for (const server of summary.suspended) {
      findings.push({ target: server.name, status: 'warn', messageId: 'suspended', data: { count: server.messages, server: server.name }, evidence });
    }
    if (summary.farRetries > 0) {
      // QueuedMessage#retry_now (app/models/queued_message.rb) does the same: retry_after = NULL.
      const sql = `UPDATE queued_messages SET retry_after = NULL WHERE retry_after > UTC_TIMESTAMP() + INTERVAL ${limits.retryHours} HOUR;`;
      findings.push({
        target: MESSAGES,
        status: 'warn',
        messageId: 'far-retry',
        data: { count: summary.farRetries, hours: limits.retryHours, furthest: spanText(summary.furthestRetrySeconds ?? 0) },
        evidence,
        fix: { kind: 'database', summary: `Retry them now (what "Retry now" in the web interface does): ${sql}`, commands: [mainDbCommand(ctx, sql)] },
      });
    }
    if (findings.length === 0) {
      if (summary.total === 0) findings.push({ target: MESSAGES, status: 'pass', messageId: 'empty', evidence });
      else findings.push({ target: MESSAGES, status: 'pass', messageId: 'ok', data: { total: summary.total, oldest: spanText(summary.oldestSeconds ?? 0), minutes: limits.readyMinutes }, evidence });
    }

    const { webhooks } = summary;
    const webhookFindings: Finding[] = [];
    if (webhooks.waiting > 0) {
      webhookFindings.push({
        target: WEBHOOKS,
        status: 'fail',
        messageId: 'webhooks-stuck',
        data: { count: webhooks.waiting, minutes: limits.readyMinutes, total: webhooks.total, oldest: spanText(webhooks.oldestSeconds ?? 0) },
        evidence,
        fix: workerFix('webhook requests'),
      });
    }
    if (webhooks.staleLocks > 0) {
      const sql = unlockSql(WEBHOOKS, limits.lockMinutes);
      webhookFindings.push({
        target: WEBHOOKS,
        status: 'warn',
        messageId: 'webhooks-stale-locks',
        data: { count: webhooks.staleLocks, minutes: limits.lockMinutes },
        evidence,
        fix: { kind: 'database', summary: `Release the dead locks: ${sql}`, commands: [mainDbCommand(ctx, sql)] },
      });
    }
    if (webhookFindings.length === 0) {
      webhookFindings.push({ target: WEBHOOKS, status: 'pass', messageId: 'webhooks-ok', data: { total: webhooks.total, minutes: limits.readyMinutes, lockMinutes: limits.lockMinutes }, evidence });
    }
    return [...findings, ...webhookFindings];
  },
};
