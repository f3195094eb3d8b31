import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './knot.js';

const run = promisify(execFile);

/** Runs a command with `input` on its stdin; its stdout, or an error with its stderr. */
function runWithInput(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited ${code}: ${stderr.trim()}`))));
    child.stdin.end(input);
  });
}

export interface MariaDb {
  host: '127.0.0.1';
  port: number;
  readyMs: number;
  /** Runs SQL as root over the socket. */
  sql(statements: string, database?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Why MariaDB tests cannot run here, or null when they can. */
export function mariadbMissing(): string | null {
  try {
    execFileSync('mariadbd', ['--version'], { stdio: 'ignore' });
    // mariadb-install-db has no harmless flag to run; only check that it is there.
    execFileSync('sh', ['-c', 'for tool in mariadb-install-db mariadb mariadb-admin; do command -v "$tool" || exit 1; done'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'mariadbd not installed (apt-get install mariadb-server)';
  }
}

/** Postal's ip_pools and ip_addresses tables (db/schema.rb), as far as the doctor reads them. */
export const POSTAL_POOL_TABLES = `
CREATE TABLE ip_pools (
  id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255), uuid VARCHAR(255),
  created_at DATETIME(6), updated_at DATETIME(6), \`default\` TINYINT(1) DEFAULT 0,
  KEY index_ip_pools_on_uuid (uuid(8))
) CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE ip_addresses (
  id INT AUTO_INCREMENT PRIMARY KEY, ip_pool_id INT, ipv4 VARCHAR(255), ipv6 VARCHAR(255),
  created_at DATETIME(6), updated_at DATETIME(6), hostname VARCHAR(255), priority INT
) CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
`;

/**
 * A private MariaDB server: a fresh data directory in a temp dir, its own port and socket,
 * started as a child process and ready when it answers a ping.
 */
export async function startMariaDb(): Promise<MariaDb> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'pd-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    '--innodb-log-file-size=4M',
    '--innodb-buffer-pool-size=32M',
  ]);
  const child = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--innodb-log-file-size=4M',
      '--innodb-buffer-pool-size=32M',
      `--socket=${socket}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      '--skip-name-resolve',
      '--skip-log-bin',
      `--log-error=${join(dir, 'error.log')}`,
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const errorLog = async () => (await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };

  for (let tries = 0; ; tries++) {
    if (exited) {
      const log = await errorLog();
      await stop();
      throw new Error(`mariadbd exited before it was ready: ${log}`);
    }
    try {
      await run('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping']);
      break;
    } catch {
      if (tries >= 500) {
        const log = await errorLog();
        await stop();
        throw new Error(`mariadbd did not become ready: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  return {
    host: '127.0.0.1',
    port,
    readyMs: Math.round(performance.now() - started),
    async sql(statements, database) {
      // On stdin: a generated deployment's SQL is larger than the kernel allows for one argument.
      const args = ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch'];
      if (database) args.push(database);
      return runWithInput('mariadb', args, statements);
    },
    stop,
  };
}

/**
 * The statements clients other than root sent while `work` ran, each with its account (`postal[postal] @ …`), from
 * the server's general log.
 */
export async function statementsSentDuring(db: MariaDb, work: () => Promise<unknown>): Promise<Array<{ account: string; statement: string }>> {
  await db.sql("TRUNCATE mysql.general_log; SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1;");
  try {
    await work();
  } finally {
    await db.sql('SET GLOBAL general_log = 0;');
  }
  const log = await db.sql("SELECT user_host, argument FROM mysql.general_log WHERE command_type = 'Query' AND user_host NOT LIKE 'root[root]%';");
  return log
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .map(([account, statement]) => ({ account, statement }));
}
