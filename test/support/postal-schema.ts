/**
 * The tables of Postal's main_db that the queue, scheduler, database and message database checks read, translated from
 * postalserver/postal db/schema.rb at 3.3.6 (commit 8ef89606bc34146fffba77a604dd824e6b1cdcc2, schema version
 * 2024_03_11_205229) as Rails 7.0 creates them on MariaDB: `string` → VARCHAR(255), `datetime` → DATETIME(6)
 * (DATETIME with `precision: nil`), `integer` → INT, `boolean` → TINYINT(1), `id: :integer` → INT AUTO_INCREMENT,
 * the default id → BIGINT AUTO_INCREMENT; charset utf8mb4, collation utf8mb4_general_ci.
 */
import { POSTAL_POOL_TABLES } from './mariadb.js';

const TABLE_OPTIONS = 'CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci';

export const POSTAL_QUEUE_TABLES = `
CREATE TABLE queued_messages (
  id INT AUTO_INCREMENT PRIMARY KEY, server_id INT, message_id INT, domain VARCHAR(255), locked_by VARCHAR(255),
  locked_at DATETIME(6), retry_after DATETIME, created_at DATETIME(6), updated_at DATETIME(6), ip_address_id INT,
  attempts INT DEFAULT 0, route_id INT, manual TINYINT(1) DEFAULT 0, batch_key VARCHAR(255),
  KEY index_queued_messages_on_domain (domain(8)), KEY index_queued_messages_on_message_id (message_id),
  KEY index_queued_messages_on_server_id (server_id)
) ${TABLE_OPTIONS};
CREATE TABLE servers (
  id INT AUTO_INCREMENT PRIMARY KEY, organization_id INT, uuid VARCHAR(255), name VARCHAR(255), mode VARCHAR(255),
  ip_pool_id INT, created_at DATETIME(6), updated_at DATETIME(6), permalink VARCHAR(255), send_limit INT,
  deleted_at DATETIME(6), message_retention_days INT, raw_message_retention_days INT, raw_message_retention_size INT,
  allow_sender TINYINT(1) DEFAULT 0, token VARCHAR(255), send_limit_approaching_at DATETIME(6),
  send_limit_approaching_notified_at DATETIME(6), send_limit_exceeded_at DATETIME(6), send_limit_exceeded_notified_at DATETIME(6),
  spam_threshold DECIMAL(8,2), spam_failure_threshold DECIMAL(8,2), postmaster_address VARCHAR(255), suspended_at DATETIME(6),
  outbound_spam_threshold DECIMAL(8,2), domains_not_to_click_track TEXT, suspension_reason VARCHAR(255),
  log_smtp_data TINYINT(1) DEFAULT 0, privacy_mode TINYINT(1) DEFAULT 0,
  KEY index_servers_on_organization_id (organization_id), KEY index_servers_on_permalink (permalink(6)),
  KEY index_servers_on_token (token(6)), KEY index_servers_on_uuid (uuid(8))
) ${TABLE_OPTIONS};
CREATE TABLE webhook_requests (
  id INT AUTO_INCREMENT PRIMARY KEY, server_id INT, webhook_id INT, url VARCHAR(255), event VARCHAR(255), uuid VARCHAR(255),
  payload TEXT, attempts INT DEFAULT 0, retry_after DATETIME(6), error TEXT, created_at DATETIME(6), locked_by VARCHAR(255),
  locked_at DATETIME, KEY index_webhook_requests_on_locked_by (locked_by)
) ${TABLE_OPTIONS};
CREATE TABLE worker_roles (
  id BIGINT AUTO_INCREMENT PRIMARY KEY, role VARCHAR(255), worker VARCHAR(255), acquired_at DATETIME,
  UNIQUE KEY index_worker_roles_on_role (role)
) ${TABLE_OPTIONS};
CREATE TABLE scheduled_tasks (
  id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255), next_run_after DATETIME,
  UNIQUE KEY index_scheduled_tasks_on_name (name)
) ${TABLE_OPTIONS};
`;

export const POSTAL_ORGANIZATION_TABLES = `
CREATE TABLE organizations (
  id INT AUTO_INCREMENT PRIMARY KEY, uuid VARCHAR(255), name VARCHAR(255), permalink VARCHAR(255), time_zone VARCHAR(255),
  created_at DATETIME(6), updated_at DATETIME(6), ip_pool_id INT, owner_id INT, deleted_at DATETIME(6), suspended_at DATETIME(6),
  suspension_reason VARCHAR(255),
  KEY index_organizations_on_permalink (permalink(8)), KEY index_organizations_on_uuid (uuid(8))
) ${TABLE_OPTIONS};
`;

/** Every main_db table the doctor reads. */
export const POSTAL_MAIN_TABLES = `${POSTAL_POOL_TABLES}${POSTAL_QUEUE_TABLES}${POSTAL_ORGANIZATION_TABLES}`;

/**
 * A message database's raw message table for one UTC day, as Postal's provisioner creates it
 * (lib/postal/message_db/provisioner.rb create_raw_table and create_table_query at 3.3.6).
 */
export function rawTableSql(database: string, table: string): string {
  return `CREATE TABLE \`${database}\`.\`${table}\` (\`id\` int(11) NOT NULL AUTO_INCREMENT, \`data\` longblob DEFAULT NULL, \`next\` int(11) DEFAULT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB AUTO_INCREMENT=1 DEFAULT CHARSET=utf8mb4;`;
}

/** The task classes Postal 3.3.6 schedules (app/lib/worker/process.rb TASKS). */
export const POSTAL_TASKS = [
  'ActionDeletionsScheduledTask',
  'CheckAllDNSScheduledTask',
  'CleanupAuthieSessionsScheduledTask',
  'ExpireHeldMessagesScheduledTask',
  'ProcessMessageRetentionScheduledTask',
  'PruneSuppressionListsScheduledTask',
  'PruneWebhookRequestsScheduledTask',
  'SendNotificationsScheduledTask',
  'TidyQueuedMessagesTask',
];
