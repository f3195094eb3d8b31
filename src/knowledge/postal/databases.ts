import type { Context, Evidence, Finding } from '../../core/types.js';
import { unlessOffline } from '../../core/probe-access.js';
import type { DatabaseRow, DatabaseSettings, SelectResult } from '../../probes/types.js';

/** main_db as Postal connects to it (config/database.yml reads these keys). */
export function mainDbSettings(ctx: Context): DatabaseSettings {
  return {
    host: ctx.config.get('main_db.host'),
    port: ctx.config.get('main_db.port'),
    username: ctx.config.get('main_db.username'),
    password: ctx.config.get('main_db.password'),
    database: ctx.config.get('main_db.database'),
    section: 'main_db',
  };
}

/** message_db: no database of its own; Postal creates `<database_name_prefix>-server-<id>` per mail server. */
export function messageDbSettings(ctx: Context): DatabaseSettings {
  return {
    host: ctx.config.get('message_db.host'),
    port: ctx.config.get('message_db.port'),
    username: ctx.config.get('message_db.username'),
    password: ctx.config.get('message_db.password'),
    database: '',
    section: 'message_db',
  };
}

export type DatabaseRead =
  | { state: 'not-read'; reason: 'no-db' | 'offline' }
  | { state: 'failed'; result: Extract<SelectResult, { ok: false }> }
  | { state: 'read'; results: DatabaseRow[][] };

/** SELECT statements against one of Postal's databases, unless --no-db or --offline say not to. */
export async function readDatabase(ctx: Context, settings: DatabaseSettings, statements: string[]): Promise<DatabaseRead> {
  if (!ctx.options.useDatabase) return { state: 'not-read', reason: 'no-db' };
  const result = await unlessOffline(() => ctx.probes.database.select(settings, { statements, timeoutMs: ctx.options.timeoutMs }));
  if (result === null) return { state: 'not-read', reason: 'offline' };
  return result.ok ? { state: 'read', results: result.results } : { state: 'failed', result };
}

/** A number from an aggregate: COUNT/SUM come back as numbers, NULL (no rows) as 0. */
export function count(row: DatabaseRow | undefined, column: string): number {
  const value = row?.[column];
  return value === null || value === undefined ? 0 : Number(value);
}

/** A number that may be missing (MIN over no rows): null stays null. */
export function optionalNumber(row: DatabaseRow | undefined, column: string): number | null {
  const value = row?.[column];
  return value === null || value === undefined ? null : Number(value);
}

/** Messages every check that reads a database shares for a read that did not happen or failed. */
export const DATABASE_READ_MESSAGES = {
  'no-db': { title: '{what}: not read (--no-db)', message: "Postal's database was not read because --no-db was given." },
  offline: { title: '{what}: not read (--offline)', message: "Postal's database was not read because --offline was given." },
  'db-error': { title: '{what}: could not be determined', message: 'Reading {section} failed: {error}. {pointer}' },
} as const;

/**
 * The finding for a read that did not give rows: skipped for --no-db/--offline, unknown for an error. The cause
 * of a connection error is judged by postal.databases; a missing table is this check's own reason.
 */
export function unreadFinding(read: Exclude<DatabaseRead, { state: 'read' }>, what: string, section: string, query: string): Finding {
  if (read.state === 'not-read') return { target: null, status: 'skip', messageId: read.reason, data: { what } };
  const { code, message, statement } = read.result;
  const pointer = code === 'missing-table' ? 'The schema is older or newer than the one this check knows (see postal.databases).' : 'postal.databases says why.';
  const evidence: Evidence[] = [{ query: statement ?? query, answer: `${code}: ${message}` }];
  return { target: null, status: 'unknown', messageId: 'db-error', data: { what, section, error: message, pointer }, evidence };
}
