import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { spawnSync } from 'node:child_process';
import { cli, binary, BIN, REPO, SHARED_FIXTURES } from '../../support/cli.js';
import { CATALOGUE, loadChecks } from '../../../src/core/catalogue.js';
import type { Report } from '../../../src/core/types.js';

const schema = JSON.parse(readFileSync(join(REPO, 'schema/report.v1.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const SAMPLE = join(REPO, 'examples/postal.yml');

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'postal-doctor-cli-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

async function jsonReport(args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const run = await cli(['check', '--offline', '--format', 'json', ...args]);
  const report = JSON.parse(run.stdout) as Report;
  assert.ok(validate(report), JSON.stringify(validate.errors));
  return { code: run.code, report, stderr: run.stderr };
}

describe('postal-doctor (the built command)', () => {
  it('prints help without loading the SMTP, TLS, DNS or database code', () => {
    const loads = join(scratch, 'loads.txt');
    writeFileSync(loads, '');
    const run = binary(['--help'], { NODE_IMPORT: join(REPO, 'test/support/record-loads.mjs'), RECORD_LOADS_FILE: loads });
    assert.equal(run.code, 0, run.stderr);
    for (const command of ['check', 'report', 'fix', 'explain', 'list', 'config']) assert.match(run.stdout, new RegExp(`\\n  ${command}\\b`));
    const loaded = readFileSync(loads, 'utf8');
    assert.match(loaded, /dist\/cli\/main\.js/, 'the hook saw the CLI load');
    for (const heavy of ['mysql2', 'node:tls', 'node:dns', 'probes/smtp', 'probes/database', 'probes/dns', '/checks/']) {
      assert.ok(!loaded.includes(heavy), `--help loaded ${heavy}`);
    }
  });

  it('checks the sample deployment offline with a grouped report and a summary line, no colour on a pipe', () => {
    const run = binary(['check', '--offline', '--config', 'examples/postal.yml']);
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    assert.equal(run.stderr, '');
    for (const heading of ['Config', 'Network', 'DNS', 'TLS', 'Postal']) assert.match(run.stdout, new RegExp(`^${heading}\\b`, 'm'));
    assert.match(run.stdout, /\d+ passed, \d+ warnings?, \d+ failed, \d+ unknown, \d+ skipped in [\d.]+ s/);
    assert.doesNotMatch(run.stdout, /\x1b\[/);
  });
});

describe('postal-doctor check', () => {
  it('reports the sample in catalogue order as schema-valid JSON, with every network check skipped offline', async () => {
    const { report, code } = await jsonReport(['--config', SAMPLE]);
    assert.equal(report.config.format, 2);
    assert.equal(code, report.exitCode);
    const order = CATALOGUE.map((check) => check.id);
    const positions = report.results.map((result) => order.indexOf(result.check));
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
    for (const check of (await loadChecks(CATALOGUE)).filter((definition) => definition.network)) {
      assert.ok(report.results.filter((result) => result.check === check.id).every((result) => result.status === 'skip'), check.id);
    }
    assert.equal(
      Object.values(report.summary).reduce((sum, count) => sum + count, 0),
      report.results.length,
    );
  });

  it('exits 1 on a failure and, with --fail-on warn, on a warning too', async () => {
    const broken = file('broken-hostname.yml', 'version: 2\npostal:\n  smtp_hostname: "not a hostname"\n');
    const failing = await cli(['check', '--offline', '--only', 'config.hostnames', '--config', broken]);
    assert.equal(failing.code, 1);
    const warnOnly = file('default-helo.yml', 'version: 2\npostal:\n  smtp_hostname: mail.example.net\n  web_hostname: web.example.net\ndns:\n  mx_records: [mx.example.net]\n');
    const relaxed = await jsonReport(['--only', 'config.hostnames', '--config', warnOnly]);
    const strict = await cli(['check', '--offline', '--only', 'config.hostnames', '--fail-on', 'warn', '--config', warnOnly]);
    const hasWarn = relaxed.report.summary.warn > 0;
    assert.equal(relaxed.code, relaxed.report.summary.fail > 0 ? 1 : 0);
    assert.equal(strict.code, hasWarn || relaxed.report.summary.fail > 0 ? 1 : 0);
  });

  it('maps the worst result to the Nagios exit code', async () => {
    const run = await cli(['check', '--offline', '--format', 'nagios', '--config', SAMPLE]);
    const state = /^POSTAL-DOCTOR (OK|WARNING|CRITICAL|UNKNOWN)/.exec(run.stdout)?.[1];
    assert.equal(run.code, { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 }[state ?? 'UNKNOWN']);
  });

  it('writes the report to --output and keeps the human summary on the terminal unless --quiet', async () => {
    const target = join(scratch, 'report.prom');
    const loud = await cli(['check', '--offline', '--format', 'prometheus', '--output', target, '--config', SAMPLE]);
    assert.match(readFileSync(target, 'utf8'), /^# HELP postal_doctor_/m);
    assert.match(loud.stdout, /\d+ passed/);
    const quiet = await cli(['check', '--offline', '--format', 'json', '--output', target, '--quiet', '--config', SAMPLE]);
    assert.equal(quiet.stdout, '');
    assert.ok(validate(JSON.parse(readFileSync(target, 'utf8'))));
  });

  it('leaves no temporary file behind when --output cannot be written', async () => {
    const directory = join(scratch, 'a-directory');
    mkdirSync(directory);
    const run = await cli(['check', '--offline', '--output', directory, '--quiet', '--config', SAMPLE]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^postal-doctor: .*a-directory: cannot write the report: it is a directory\n$/);
    assert.deepEqual(readdirSync(scratch).filter((name) => name.endsWith('.tmp')), []);
  });

  it('with --quiet and no --output, the human report shows only the problems', async () => {
    const full = await cli(['check', '--offline', '--config', SAMPLE]);
    const quiet = await cli(['check', '--offline', '--quiet', '--config', SAMPLE]);
    assert.equal(quiet.code, full.code);
    assert.match(full.stdout, /^ {2}✔ 6 passed: config\.syntax, /m);
    assert.doesNotMatch(quiet.stdout, /^ {2}[✔-] /m, 'no pass or skip line');
    const problemLines = (text: string) => text.split('\n').filter((line) => /^ {2}[✖▲?] /.test(line));
    assert.deepEqual(problemLines(quiet.stdout), problemLines(full.stdout));
    const counts = (text: string) => /\d+ passed, .* skipped/.exec(text)?.[0];
    assert.equal(counts(quiet.stdout), counts(full.stdout));
  });

  it('a Nagios run that cannot do its job is UNKNOWN (exit 3) with a status line', async () => {
    const missing = await cli(['check', '--format', 'nagios', '--config', join(scratch, 'absent.yml')]);
    assert.equal(missing.code, 3);
    assert.match(missing.stdout, /^POSTAL-DOCTOR UNKNOWN - .*absent\.yml: no such file/);
    const usage = await cli(['check', '--format=nagios', '--timeout', 'soon']);
    assert.equal(usage.code, 3);
    assert.match(usage.stdout, /^POSTAL-DOCTOR UNKNOWN - option '--timeout <ms>'/);
    assert.equal((await cli(['check', '--format', 'json', '--config', join(scratch, 'absent.yml')])).code, 2, 'other formats keep exit 2');
  });

  it('makes report a redacted Markdown ticket', async () => {
    const run = await cli(['report', '--offline', '--config', SAMPLE]);
    assert.match(run.stdout, /^# postal-doctor report/m);
    assert.doesNotMatch(run.stdout, /sample-main-db-password|5b0c6f1d8e2a47f3a9c1e6d4b7f2a8c3/);
  });
});

describe('bad input', () => {
  const resultOnly = async (path: string) => {
    const started = performance.now();
    const { report, code, stderr } = await jsonReport(['--config', path]);
    assert.ok(performance.now() - started < 15000, 'answers quickly');
    assert.equal(stderr, '');
    assert.equal(code, 1);
    const syntax = report.results.find((result) => result.check === 'config.syntax');
    assert.equal(syntax?.status, 'fail');
    return report;
  };

  it('a missing file is a one-line error naming the path, exit 2', async () => {
    const run = await cli(['check', '--offline', '--config', join(scratch, 'nope.yml')]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^postal-doctor: .*nope\.yml: no such file.*\n$/);
  });

  it('--host-root is the prefix of the config path, and results name the host path', async () => {
    const root = join(scratch, 'host-root');
    mkdirSync(join(root, 'opt/postal/config'), { recursive: true });
    writeFileSync(join(root, 'opt/postal/config/postal.yml'), 'version: 2\n');
    const { report } = await jsonReport(['--host-root', root, '--only', 'config.syntax']);
    assert.equal(report.config.path, '/opt/postal/config/postal.yml');
    assert.deepEqual(report.results.map((result) => [result.target, result.status]), [['/opt/postal/config/postal.yml', 'pass']]);
    const missing = await cli(['check', '--offline', '--host-root', join(scratch, 'empty-root')]);
    assert.equal(missing.code, 2);
    assert.ok(missing.stderr.includes(join(scratch, 'empty-root/opt/postal/config/postal.yml')), missing.stderr);
  });

  it('a directory is a one-line error naming the path, exit 2', async () => {
    const run = await cli(['check', '--offline', '--config', scratch]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.ok(run.stderr.includes(scratch));
  });

  // Covers the permission-denied path of the loader for root and non-root runs alike.
  it('an unreadable file is a one-line error, exit 2', () => {
    const path = file('unreadable.yml', 'version: 2\n');
    chmodSync(path, 0o000);
    // Root reads any file, so the built command runs as nobody for this one.
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const run = spawnSync(asNobody[0] ?? process.execPath, [...asNobody.slice(1), ...(asNobody.length ? [process.execPath] : []), BIN, 'check', '--offline', '--config', path], {
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^postal-doctor: .*unreadable\.yml: permission denied.*\n$/);
  });

  const cases: Array<[string, string | Buffer]> = [
    ['empty file', ''],
    ['binary garbage', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0xff, 0xfe, 0x00, 0x12])],
    ['a YAML list', '- postal\n- smtp\n'],
    ['version 3', 'version: 3\npostal:\n  smtp_hostname: mail.example.net\n'],
    ['an alias bomb', `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\n`],
    ['a multi-megabyte file', `version: 2\n${'# padding line to make the file large\n'.repeat(150000)}`],
    ['invalid YAML', 'version: 2\npostal:\n  smtp_hostname: [unclosed\n'],
  ];
  for (const [name, content] of cases) {
    it(`${name} is a config.syntax failure, not a crash`, async () => {
      await resultOnly(file(`${name.replace(/\W+/g, '-')}.yml`, content));
    });
  }

  it('wrong types are reported per key with their line', async () => {
    const report = await resultOnly(file('types.yml', 'version: 2\npostal:\n  smtp_hostname: 42\ndns:\n  mx_records: "a string"\n'));
    const targets = report.results.filter((result) => result.check === 'config.syntax' && result.status === 'fail').map((result) => `${result.target} ${result.message}`);
    assert.ok(targets.some((text) => text.includes('postal.smtp_hostname') || text.includes('line 3')), targets.join('\n'));
    assert.ok(targets.some((text) => text.includes('dns.mx_records') || text.includes('line 5')), targets.join('\n'));
  });

  it('unknown flags, check names and malformed values are usage errors, exit 2', async () => {
    for (const args of [['check', '--nope'], ['check', '--only', 'dns.fcrnds'], ['check', '--ip', 'not-an-ip'], ['check', '--format', 'xml'], ['check', '--timeout', 'soon'], ['check', '--smtp-target', 'mx.example.com:smtp'], ['check', '--probe-target', 'mx.example.com;id'], ['explain', 'dns.fcrnds']]) {
      const run = await cli(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^postal-doctor: /);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.match((await cli(['explain', 'dns.fcrnds'])).stderr, /did you mean dns\.fcrdns/);
  });
});

describe('secrets never reach any output', () => {
  const SECRETS = {
    main: 'MainDbS3cret-1b9f',
    message: 'MsgDbS3cret-7c2e',
    rails: 'RailsSecretKey-0d8a6b4c2e9f1a3b5c7d9e0f2a4b6c8d',
    smtp: 'AppSmtpS3cret-55aa',
    rspamd: 'RspamdS3cret-91ff',
    oidc: 'OidcS3cret-3c3c',
    sentry: 'https://sentrykey0123@sentry.example.net/42',
    relayUser: 'relayUserX9',
    relayPass: 'RelayPassY8z',
    typo: 'TypoPassw0rd-4242',
  };
  let config: string;
  before(() => {
    mkdirSync(join(scratch, 'secret-deployment'), { recursive: true });
    config = join(scratch, 'secret-deployment', 'postal.yml');
    writeFileSync(
      config,
      `version: 2
postal:
  smtp_hostname: mail.example.net
  web_hostname: web.example.net
  smtp_relays:
    - smtp://${SECRETS.relayUser}:${SECRETS.relayPass}@relay.example.net:587?ssl_mode=STARTTLS
main_db:
  password: ${SECRETS.main}
  pasword: ${SECRETS.typo}
message_db:
  password: ${SECRETS.message}
smtp:
  password: ${SECRETS.smtp}
rspamd:
  password: ${SECRETS.rspamd}
oidc:
  secret: ${SECRETS.oidc}
logging:
  sentry_dsn: ${SECRETS.sentry}
rails:
  secret_key: ${SECRETS.rails}
`,
    );
    for (const name of ['smtp.cert', 'smtp.key']) copyFileSync(join(REPO, 'examples', name), join(scratch, 'secret-deployment', name));
  });

  const assertClean = (text: string, where: string) => {
    for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!text.includes(secret), `${where} shows the ${name} secret`);
    assert.ok(!text.includes('sentrykey0123'), `${where} shows the sentry key`);
  };

  for (const format of ['human', 'json', 'markdown', 'junit', 'nagios', 'prometheus']) {
    it(`in --format ${format}, also with --verbose`, async () => {
      for (const extra of [[], ['--verbose']]) {
        const run = await cli(['check', '--offline', '--format', format, '--config', config, ...extra]);
        assertClean(run.stdout + run.stderr, `${format} ${extra.join(' ')}`);
      }
    });
  }

  it('in postal-doctor config, human and JSON', async () => {
    for (const format of ['human', 'json']) {
      const run = await cli(['config', '--format', format, '--config', config]);
      assert.equal(run.code, 0, run.stderr);
      assertClean(run.stdout + run.stderr, `config --format ${format}`);
      assert.match(run.stdout, /\[redacted\]/);
    }
  });

  it('in the fix script', async () => {
    const run = await cli(['fix', '--offline', '--config', config]);
    assertClean(run.stdout + run.stderr, 'fix');
  });
});

describe('real Postal config files', { skip: !existsSync(SHARED_FIXTURES) && `${SHARED_FIXTURES} is not present` }, () => {
  const files = existsSync(SHARED_FIXTURES) ? readdirSync(SHARED_FIXTURES).filter((name) => !name.endsWith('.md')) : [];
  for (const name of files) {
    it(`${name} gives a complete, schema-valid report`, async () => {
      const { report, code, stderr } = await jsonReport(['--config', join(SHARED_FIXTURES, name)]);
      assert.equal(stderr, '');
      assert.ok(code === 0 || code === 1);
      assert.ok(report.results.some((result) => result.check === 'config.syntax'));
    });
  }

  it("Postal's own doc/config/yaml.yml fails config.syntax at line 105 with the column", async () => {
    const { report } = await jsonReport(['--config', join(SHARED_FIXTURES, 'postal-v3-doc-config-yaml.yml')]);
    const syntax = report.results.find((result) => result.check === 'config.syntax' && result.status === 'fail');
    assert.match(`${syntax?.title} ${syntax?.message}`, /line 105, column \d+/i);
  });
});

describe('list and explain', () => {
  it('list shows every check', async () => {
    const run = await cli(['list']);
    for (const check of CATALOGUE) assert.match(run.stdout, new RegExp(`^${check.id.replace('.', '\\.')}\\s+${check.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  it('explain prints the page of a check', async () => {
    const run = await cli(['explain', 'dns.fcrdns']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^# dns\.fcrdns\n/);
    assert.match(run.stdout, /## How to fix/);
  });
});
