import type { Context, Evidence } from '../../core/types.js';
import { dockerFailure } from './containers.js';

/** Lines of a stopped container's log shown as evidence. */
export const LOG_TAIL_LINES = 20;

/** Causes of a Postal process exiting that its last log lines name, most specific first. */
const KNOWN_CAUSES: ReadonlyArray<{ pattern: RegExp; cause: string }> = [
  { pattern: /Access denied for user/i, cause: 'the database refuses Postal\'s user name or password (main_db.username, main_db.password)' },
  { pattern: /Unknown database/i, cause: 'the database named in main_db.database does not exist' },
  {
    pattern: /Can't connect to (local )?(MySQL|MariaDB) server|Unknown (MySQL|MariaDB) server host|Mysql2::Error::ConnectionError|connect\(2\) for .*port 3306/i,
    cause: 'the database server cannot be reached (main_db.host, main_db.port)',
  },
  { pattern: /PendingMigrationError|Migrations are pending/i, cause: 'the database schema is not migrated to this release (postal upgrade-db)' },
  { pattern: /Address already in use|EADDRINUSE/i, cause: 'the port it listens on is already in use by another process' },
];

/** Values that look secret inside a log line: `password=…`, `PASSWORD: …`, credentials in a URL. */
const SECRET_IN_LINE: ReadonlyArray<[RegExp, string]> = [
  [/((?:password|passwd|secret|token|key)\w*\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1[redacted]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^@\s/]+@/gi, '$1[redacted]@'],
];

export function redactLogLine(line: string): string {
  return SECRET_IN_LINE.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), line);
}

export interface ContainerLog {
  /** The last lines, redacted; empty when the log could not be read. */
  lines: string[];
  /** The known cause the lines name, or null. */
  cause: string | null;
  evidence: Evidence;
}

/**
 * The last lines a container wrote (`docker logs --tail`, stdout and stderr), with secrets redacted, and the
 * known cause of an exit they name. Secrets from the config are redacted again with the whole report.
 */
export async function containerLog(ctx: Context, name: string): Promise<ContainerLog> {
  const args = ['logs', '--tail', String(LOG_TAIL_LINES), name];
  const run = await ctx.probes.commands.run('docker', args, { timeoutMs: ctx.options.timeoutMs });
  const query = `docker ${args.join(' ')}`;
  const failure = dockerFailure(run, ctx.options.timeoutMs);
  if (failure) return { lines: [], cause: null, evidence: { query, answer: failure.reason } };
  const lines = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-LOG_TAIL_LINES)
    .map(redactLogLine);
  const cause = KNOWN_CAUSES.find(({ pattern }) => lines.some((line) => pattern.test(line)))?.cause ?? null;
  return { lines, cause, evidence: { query, answer: lines } };
}
