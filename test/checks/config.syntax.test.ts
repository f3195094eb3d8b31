import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brief, runCheck } from '../support/check-tester.js';
import { configSyntax } from '../../src/checks/config/syntax.js';
import { loadConfigText } from '../../src/config/load.js';

const FILE = '/opt/postal/config/postal.yml';
const run = (yaml: string) => runCheck(configSyntax, { yaml });

describe('config.syntax', () => {
  it('a clean version 2 file gives one pass', async () => {
    const results = await run('version: 2\npostal:\n  smtp_hostname: mail.example.net\nsmtp_server:\n  tls_enabled: yes\n');
    assert.deepEqual(brief(results), [{ target: FILE, status: 'pass', messageId: 'ok' }]);
  });

  it('a YAML error gives its line and column and a command to look at it', async () => {
    const [result] = await run('version: 2\npostal:\n  smtp_hostname: mail.example.net\n   web_hostname: x\n');
    assert.deepEqual(brief([result]), [{ target: FILE, status: 'fail', messageId: 'yaml-error' }]);
    assert.match(result.title, /\(line 3, column 18\)/);
    assert.match(result.message, /1 more error may follow from this one/);
    assert.deepEqual(result.fix?.commands, [`sed -n 1,5p ${FILE}`]);
  });

  it('an unquoted "::" says to quote it and gives the exact sed', async () => {
    const [result] = await run('version: 2\nsmtp_server:\n  default_bind_address: ::\n');
    assert.deepEqual(brief([result]), [{ target: FILE, status: 'fail', messageId: 'unquoted-value' }]);
    assert.match(result.message, /write default_bind_address: "::"/);
    assert.equal(result.fix?.commands[0], `sed -i '3s/::/"::"/' ${FILE}`);
  });

  it('a password starting with a reserved character: quote advice that never shows the password', async () => {
    const [result] = await run('version: 2\nmain_db:\n  password: @Sup3rSecret\n');
    assert.equal(result.messageId, 'unquoted-value');
    assert.match(result.title, /value of password on line 3/);
    assert.doesNotMatch(JSON.stringify(result), /Sup3rSecret/);
  });

  it('aliases, symbols and dates: Postal refuses them', async () => {
    assert.deepEqual(brief(await run('a: &x 1\nb: *x\n')), [{ target: FILE, status: 'fail', messageId: 'alias' }]);
    const [symbol] = await run('version: 2\nsmtp:\n  password: :abc123\n');
    assert.deepEqual(brief([symbol]), [{ target: FILE, status: 'fail', messageId: 'refused-value' }]);
    assert.match(symbol.title, /smtp\.password on line 3/);
    assert.doesNotMatch(JSON.stringify(symbol), /abc123/);
    assert.equal((await run('version: 2\nrails:\n  environment: 2024-05-01\n'))[0].messageId, 'refused-value');
  });

  it('whole-file problems: empty, list, version 3, docker-compose, Caddyfile, ERB', async () => {
    const cases: Array<[string, string]> = [
      ['', 'empty'],
      ['- a\n- b\n', 'not-mapping'],
      ['version: 3\npostal:\n  smtp_hostname: x\n', 'bad-version'],
      ['version: "3.9"\nservices:\n  web:\n    image: ghcr.io/postalserver/postal:3.3.6\n', 'docker-compose'],
      ['services:\n  smtp:\n    image: ghcr.io/postalserver/postal:3.3.6\n', 'docker-compose'],
      ['postal.example.net {\n  reverse_proxy 127.0.0.1:5000\n}\n', 'caddyfile'],
      ["web:\n  host: <%= ENV.fetch('POSTAL_HOST', 'x') %>\n", 'template'],
    ];
    for (const [yaml, messageId] of cases) assert.deepEqual(brief(await run(yaml)), [{ target: FILE, status: 'fail', messageId }], messageId);
    const [version] = await run('version: 3\n');
    assert.deepEqual(version.fix?.configChanges, [{ path: 'version', from: '3', to: 2 }]);
  });

  it('binary and too-large files', async () => {
    for (const kind of ['binary', 'too-large'] as const) {
      const config = loadConfigText(null, { path: FILE }, { kind, message: 'the file is not text' }).config;
      assert.deepEqual(brief(await runCheck(configSyntax, { config })), [{ target: FILE, status: 'fail', messageId: kind }]);
    }
  });

  it("the installer's unreplaced {{secretkey}} is named as a placeholder, never fixed by quoting it", async () => {
    const [result] = await run('version: 2\nrails:\n  secret_key: {{secretkey}}\n');
    assert.deepEqual(brief([result]), [{ target: FILE, status: 'fail', messageId: 'template-placeholder' }]);
    assert.match(result.fix!.summary, /replace \{\{secretkey\}\} with the real value of rails\.secret_key/);
    assert.doesNotMatch(result.fix!.summary, /quotes/);
  });

  it('wrong types: one fail per key, naming key, line, expected type and what was found', async () => {
    const results = await run('version: 2\npostal:\n  smtp_hostname: 42\ndns:\n  mx_records: "a string"\nsmtp_server:\n  tls_enabled: "yes"\n');
    assert.deepEqual(brief(results), [
      { target: FILE, status: 'fail', messageId: 'type' },
      { target: FILE, status: 'fail', messageId: 'type' },
      { target: FILE, status: 'fail', messageId: 'type' },
    ]);
    const byKey = Object.fromEntries(results.map((result) => [result.title.split(' ')[0], result]));
    assert.equal(byKey['postal.smtp_hostname'].message, 'postal.smtp_hostname on line 3 should be a string, but it is a number (42): Postal reads it as "42".');
    assert.match(byKey['dns.mx_records'].message, /line 5 should be a list, but it is a string \("a string"\)/);
    assert.match(byKey['smtp_server.tls_enabled'].message, /Postal reads it as false/);
    assert.match(byKey['smtp_server.tls_enabled'].fix!.summary, /true or false/);
  });

  it('a duplicate key warns, naming both lines', async () => {
    const results = await run('version: 2\npostal:\n  smtp_hostname: a.example.net\n  web_hostname: w.example.net\n  smtp_hostname: b.example.net\n');
    assert.deepEqual(brief(results), [{ target: FILE, status: 'warn', messageId: 'duplicate' }]);
    assert.match(results[0].message, /line 3 and again on line 5/);
  });

  it('a legacy file warns, with the renames for this file and secrets kept out of the changes', async () => {
    const results = await run('general:\n  exception_url: https://key123@sentry.example.net/1\ndns:\n  smtp_server_hostname: mail.example.net\nmain_db:\n  host: 127.0.0.1\nrabbitmq:\n  host: 127.0.0.1\n');
    assert.deepEqual(brief(results), [{ target: FILE, status: 'warn', messageId: 'legacy-format' }]);
    const [result] = results;
    assert.match(result.message, /rename general\.exception_url → logging\.sentry_dsn, dns\.smtp_server_hostname → postal\.smtp_hostname; remove rabbitmq\.host/);
    assert.doesNotMatch(result.message, /main_db/);
    assert.deepEqual(result.fix?.configChanges, [
      { path: 'version', to: 2 },
      { path: 'general.exception_url', from: '[redacted]' },
      { path: 'logging.sentry_dsn', to: '[redacted]' },
      { path: 'dns.smtp_server_hostname', from: 'mail.example.net' },
      { path: 'postal.smtp_hostname', to: 'mail.example.net' },
      { path: 'rabbitmq.host', from: '127.0.0.1' },
    ]);
    assert.doesNotMatch(JSON.stringify(result), /key123/);
  });

  it('under --host-root the target and commands name the host path', async () => {
    const results = await runCheck(configSyntax, { yaml: 'version: 2\nsmtp_server:\n  default_bind_address: ::\n', path: '/opt/postal/config/postal.yml', options: { hostRoot: '/tmp/root' } });
    assert.equal(results[0].target, FILE);
    assert.equal(results[0].fix?.commands[0], `sed -i '3s/::/"::"/' ${FILE}`);
  });
});
