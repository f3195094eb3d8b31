import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import type { DatabaseErrorCode, DatabaseRow } from '../../probes/types.js';
import { count, mainDbSettings, messageDbSettings, type DatabaseRead } from '../../knowledge/postal/databases.js';
import { sqlQuote } from '../../knowledge/postal/pool-hostname-fix.js';
import { compareVersions, postalVersion } from '../../knowledge/postal/version.js';
import {
  expectedMigration,
  grantCovers,
  GRANTS_STATEMENT,
  MIGRATIONS_STATEMENT,
  OLDEST_SERVER,
  readDatabaseHealth,
  SERVER_STATEMENT,
  serverVersionNumber,
} from '../../knowledge/postal/database-health.js';

type Section = 'main_db' | 'message_db';

/** The password the installer's prerequisite script gives MariaDB's root (MARIADB_ROOT_PASSWORD=postal). */
const INSTALLER_PASSWORD = 'postal';

/**
 * Connections Postal may hold at once, roughly: each of its processes (web, smtp, worker) keeps a main_db pool of
 * main_db.pool_size (config/database.yml) and as many message_db connections as it has threads
 * (lib/postal/message_db/connection_pool.rb grows on demand), taken here as another pool_size.
 */
const POSTAL_PROCESSES = 3;

/** A login that fails says something about the config; a server that cannot be reached is a fact about it too. */
const ERROR_STATUS: Record<DatabaseErrorCode, 'fail' | 'unknown'> = {
  refused: 'fail',
  'access-denied': 'fail',
  'unknown-database': 'fail',
  'missing-table': 'fail',
  timeout: 'unknown',
  other: 'unknown',
};

function clientCommand(ctx: CheckContext, section: Section): string {
  const settings = section === 'main_db' ? mainDbSettings(ctx) : messageDbSettings(ctx);
  return sh`mysql -h ${settings.host} -P ${settings.port} -u root -p`;
}

function connectionFinding(section: Section, read: Extract<DatabaseRead, { state: 'failed' }>, query: string): Finding {
  const { code, message } = read.result;
  const status = ERROR_STATUS[code];
  const evidence: Evidence[] = [{ query, answer: `${code}: ${message}` }];
  const fixes: Partial<Record<DatabaseErrorCode, Finding['fix']>> = {
    refused: { kind: 'manual', summary: `Start the database server (the installer runs it as the container postal-mariadb), or point ${section}.host and ${section}.port at it`, commands: ['docker start postal-mariadb'] },
    'access-denied': { kind: 'config', summary: `Set ${section}.username and ${section}.password in postal.yml to an account the server accepts, then restart Postal`, commands: ['postal restart'] },
    'unknown-database': { kind: 'database', summary: "Create main_db's database and Postal's tables", commands: ['postal initialize'] },
  };
  return { target: section, status, messageId: 'unreachable', data: { section, error: message }, evidence, ...(fixes[code] ? { fix: fixes[code] } : {}) };
}

function serverFindings(ctx: CheckContext, section: Section, row: DatabaseRow | undefined, evidence: Evidence[]): Finding[] {
  const text = String(row?.version ?? '');
  const version = serverVersionNumber(text);
  const findings: Finding[] = [];
  if (version && compareVersions(version, OLDEST_SERVER) < 0) {
    findings.push({ target: section, status: 'fail', messageId: 'too-old', data: { section, version: text, oldest: OLDEST_SERVER }, evidence });
  }
  const maxConnections = count(row, 'max_connections');
  const maxUsed = count(row, 'max_used_connections');
  const needed = POSTAL_PROCESSES * 2 * ctx.config.get('main_db.pool_size');
  if (section === 'main_db' && maxConnections > 0 && (maxConnections < needed || maxUsed >= 0.9 * maxConnections)) {
    findings.push({
      target: section,
      status: 'warn',
      messageId: 'connections',
      data: { section, max: maxConnections, used: maxUsed, needed },
      evidence,
      fix: { kind: 'manual', summary: `Raise max_connections (for the installer's container: add --max-connections=${Math.max(needed * 2, 151)} to the mariadb command it runs, or SET GLOBAL max_connections = ${Math.max(needed * 2, 151)})`, commands: [] },
    });
  }
  return findings;
}

export const databasesCheck: CheckDefinition = {
  id: 'postal.databases',
  group: 'postal',
  order: 55,
  title: 'main_db and message_db accept Postal\'s credentials, and message_db may create databases',
  targets: 'main_db or message_db',
  probes: ['database', 'files', 'commands'],
  network: false,
  messages: {
    'no-db': { title: 'Databases: not read (--no-db)', message: "Postal's databases were not read because --no-db was given." },
    offline: { title: 'Databases: not read (--offline)', message: "Postal's databases were not read because --offline was given." },
    unreachable: { title: '{section}: Postal cannot use it', message: 'Connecting as {section} failed: {error}.' },
    ok: { title: '{section}: {version}', message: '{section} logs in to {version}; max_connections {max} (at most {used} used since it started). {detail}' },
    'too-old': { title: '{section}: {version} is too old for Postal', message: '{section} runs {version}; Rails, which Postal is built on, refuses servers older than {oldest}.' },
    connections: {
      title: '{section}: max_connections is {max}',
      message: 'Postal may hold about {needed} connections at once (3 processes, each with main_db.pool_size connections to main_db and as many to message_db); the server allows {max} and has had {used} at once since it started.',
    },
    'migrations-pending': {
      title: 'main_db lacks migrations of Postal {release}',
      message: 'The newest migration run on main_db is {newest}; Postal {release} expects {expected}. Parts of Postal fail until the database is upgraded.',
    },
    'no-migrations-table': { title: 'main_db has no schema_migrations table', message: 'main_db has no record of migrations ({error}): it was never initialised for Postal.' },
    'cannot-create': {
      title: 'message_db cannot create the mail servers\' databases',
      message: '{account} has no CREATE right on {example} (grants: {grants}): Postal creates one database per mail server, named {prefix}-server-<id>, so creating a mail server fails.',
    },
    'default-password': {
      title: '{section} uses the installer\'s well-known password',
      message: '{section}.password is the password the installer\'s prerequisite script gives MariaDB\'s root account; anyone who reaches the database server can log in.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    if (!ctx.options.useDatabase) return [{ target: null, status: 'skip', messageId: 'no-db', data: {} }];
    const health = await readDatabaseHealth(ctx);
    if (health.main.server.state === 'not-read') return [{ target: null, status: 'skip', messageId: health.main.server.reason, data: {} }];
    const findings: Finding[] = [];

    // main_db: the server, then the migrations Rails recorded.
    const { server, migrations } = health.main;
    if (server.state === 'failed') findings.push(connectionFinding('main_db', server, SERVER_STATEMENT));
    else if (server.state === 'read') {
      const row = server.results[0]?.[0];
      const evidence: Evidence[] = [{ query: SERVER_STATEMENT, answer: row ?? null }];
      const problems = serverFindings(ctx, 'main_db', row, evidence);
      let detail = '';
      if (migrations?.state === 'failed') {
        findings.push({ target: 'main_db', status: 'fail', messageId: 'no-migrations-table', data: { error: migrations.result.message }, evidence, fix: { kind: 'database', summary: "Create Postal's tables in main_db", commands: ['postal initialize'] } });
      } else if (migrations?.state === 'read') {
        const newest = String(migrations.results[0]?.[0]?.newest ?? '');
        evidence.push({ query: MIGRATIONS_STATEMENT, answer: migrations.results[0]?.[0] ?? null });
        const release = (await postalVersion(ctx)).version;
        const expected = release ? expectedMigration(release) : null;
        if (expected && newest < expected) {
          problems.push({
            target: 'main_db',
            status: 'fail',
            messageId: 'migrations-pending',
            data: { newest: newest || 'none', expected, release: release! },
            evidence,
            fix: { kind: 'database', summary: "Run the release's migrations on main_db", commands: ['postal upgrade-db'] },
          });
        }
        detail = expected ? `Migrations are current for Postal ${release} (${newest}).` : `The newest migration run is ${newest || 'none'}.`;
      }
      findings.push(...problems);
      if (problems.length === 0 && migrations?.state !== 'failed') {
        findings.push({
          target: 'main_db',
          status: 'pass',
          messageId: 'ok',
          data: { section: 'main_db', version: String(row?.version ?? '?'), max: count(row, 'max_connections'), used: count(row, 'max_used_connections'), detail },
          evidence,
        });
      }
    }

    // message_db: its own login, and the right to create a database per mail server.
    const message = health.message;
    if (message.state === 'failed') findings.push(connectionFinding('message_db', message, message.result.statement ?? SERVER_STATEMENT));
    else if (message.state === 'read') {
      const [[row] = [], grants = []] = message.results;
      const evidence: Evidence[] = [
        { query: SERVER_STATEMENT, answer: row ?? null },
        { query: GRANTS_STATEMENT, answer: grants },
      ];
      const problems = serverFindings(ctx, 'message_db', row, evidence);
      const prefix = ctx.config.get('message_db.database_name_prefix');
      // lib/postal/message_db/database.rb: database_name = "#{prefix}-server-#{id}".
      const example = `${prefix}-server-1`;
      if (!grants.some((grant) => grantCovers(String(grant.scope ?? ''), example))) {
        const settings = messageDbSettings(ctx);
        // CURRENT_USER() is the account the server matched the login to: user@host as granted.
        const matched = String(row?.account ?? `${settings.username}@%`);
        const at = matched.lastIndexOf('@');
        const account = `${sqlQuote(matched.slice(0, at))}@${sqlQuote(matched.slice(at + 1))}`;
        const grant = `GRANT ALL ON \`${prefix.replace(/[\\_%`]/g, (char) => (char === '`' ? '``' : `\\${char}`))}-server-%\`.* TO ${account};`;
        problems.push({
          target: 'message_db',
          status: 'fail',
          messageId: 'cannot-create',
          data: { account: settings.username, example, prefix, grants: grants.map((entry) => `CREATE on ${entry.scope}`).join(', ') || 'no CREATE right at all' },
          evidence,
          fix: { kind: 'database', summary: `As the database's root, give message_db's account the databases Postal creates: ${grant}`, commands: [`${clientCommand(ctx, 'message_db')} -e ${sh`${grant}`}`] },
        });
      }
      findings.push(...problems);
      if (problems.length === 0) {
        findings.push({
          target: 'message_db',
          status: 'pass',
          messageId: 'ok',
          data: { section: 'message_db', version: String(row?.version ?? '?'), max: count(row, 'max_connections'), used: count(row, 'max_used_connections'), detail: `It may create ${example} and the other mail server databases.` },
          evidence,
        });
      }
    }

    for (const section of ['main_db', 'message_db'] as const) {
      if (ctx.config.get(`${section}.password`) !== INSTALLER_PASSWORD) continue;
      findings.push({
        target: section,
        status: 'warn',
        messageId: 'default-password',
        data: { section },
        fix: {
          kind: 'manual',
          summary: `Give the database account a password of its own (ALTER USER … IDENTIFIED BY …, as root; openssl rand -hex 24 makes one), set it as ${section}.password in postal.yml, then restart Postal`,
          commands: [clientCommand(ctx, section), 'postal restart'],
        },
      });
    }
    return findings;
  },
};
