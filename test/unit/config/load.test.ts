import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText, MAX_CONFIG_BYTES } from '../../../src/config/load.js';

const PATH = '/opt/postal/config/postal.yml';
const load = (text: string, env: Record<string, string> = {}) => loadConfigText(text, { path: PATH, env }).config;

describe('loadConfigText: what Postal would refuse to start with', () => {
  it('a YAML list at the top level', () => {
    const config = load('- postal\n- dns\n');
    assert.equal(config.format, null);
    assert.equal(config.syntax.fileProblem?.kind, 'not-mapping');
    assert.match(config.syntax.fileProblem!.message, /a list/);
  });

  it('a plain string at the top level', () => {
    assert.equal(load('just some text\n').syntax.fileProblem?.kind, 'not-mapping');
  });

  it('only comments counts as empty', () => {
    assert.equal(load('# postal.yml\n\n').syntax.fileProblem?.kind, 'empty');
  });

  it('version: 3, and version "2" in quotes (Ruby compares with the number 2)', () => {
    for (const [text, version] of [['version: 3\n', '3'], ['version: "2"\n', '"2"']]) {
      const config = load(text);
      assert.equal(config.format, null);
      assert.equal(config.syntax.fileProblem?.kind, 'bad-version');
      assert.equal(config.syntax.fileProblem?.version, version);
    }
  });

  it('version: false and version: null mean a legacy file, as `yaml["version"] || 1` does', () => {
    for (const text of ['version: false\nweb:\n  host: postal.example.net\n', 'version:\nweb:\n  host: postal.example.net\n']) {
      const config = load(text);
      assert.equal(config.format, 1, text);
      assert.equal(config.get('postal.web_hostname'), 'postal.example.net');
    }
  });

  it('a YAML syntax error gives line and column', () => {
    const config = load('version: 2\npostal:\n  smtp_hostname: "unterminated\n');
    assert.equal(config.format, null);
    assert.equal(config.syntax.errors[0].kind, 'yaml');
    assert.equal(config.syntax.errors[0].line >= 3, true);
  });

  it('an unquoted "::" is an error with the quoted line as the correction', () => {
    const [error] = load('version: 2\nsmtp_server:\n  default_bind_address: ::\n').syntax.errors;
    assert.deepEqual([error.line, error.hint, error.key, error.corrected], [3, 'quote', 'default_bind_address', 'default_bind_address: "::"']);
  });

  it('a password starting with @ gets the quote hint but never a corrected line that would show it', () => {
    const [error] = load('version: 2\nmain_db:\n  password: @S3cret!\n').syntax.errors;
    assert.equal(error.hint, 'quote');
    assert.equal(error.key, 'password');
    assert.equal(error.corrected, undefined);
    assert.doesNotMatch(JSON.stringify(error), /S3cret/);
  });

  it('an alias bomb (billion laughs) ends at once with a refused alias', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 12; level++) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const started = performance.now();
    const config = load(`${levels.join('\n')}\n`);
    assert.ok(performance.now() - started < 1000, 'must not expand the aliases');
    assert.equal(config.format, null);
    assert.equal(config.syntax.errors.length, 1);
    assert.deepEqual([config.syntax.errors[0].kind, config.syntax.errors[0].line], ['alias', 2]);
  });

  it('any alias is refused, as YAML.safe_load refuses it', () => {
    const config = load('version: 2\ndns:\n  mx_records: &mx [mx1.example.net]\nx: *mx\n');
    assert.equal(config.format, null);
    assert.equal(config.syntax.errors[0].kind, 'alias');
  });

  it('unquoted symbols and dates are refused, naming the key', () => {
    const symbol = load('version: 2\nmain_db:\n  password: :hunter2\n').syntax.errors[0];
    assert.deepEqual([symbol.kind, symbol.key, symbol.line], ['symbol', 'main_db.password', 3]);
    const date = load('version: 2\nrails:\n  secret_key: 2024-01-01\n').syntax.errors[0];
    assert.deepEqual([date.kind, date.key], ['date', 'rails.secret_key']);
    assert.equal(load('version: 2\nmain_db:\n  password: ":hunter2"\n').format, 2);
  });

  it('an ERB template is not a config', () => {
    const config = load("web:\n  host: <%= ENV.fetch('POSTAL_HOST', 'postal.example.com') %>\n");
    assert.equal(config.syntax.fileProblem?.kind, 'template');
  });

  it('text over the size limit is not parsed', () => {
    assert.equal(load(`# ${'y'.repeat(MAX_CONFIG_BYTES)}\n`).syntax.fileProblem?.kind, 'too-large');
  });
});

describe('loadConfigText: values as Postal reads them', () => {
  it('yes/on/True are booleans as in Ruby; y/n are strings, which Postal reads as false', () => {
    const config = load('version: 2\nsmtp_server:\n  tls_enabled: yes\n  proxy_protocol: On\n  log_connections: y\npostal:\n  use_ip_pools: TRUE\n  batch_queued_messages: no\n');
    assert.equal(config.get('smtp_server.tls_enabled'), true);
    assert.equal(config.get('smtp_server.proxy_protocol'), true);
    assert.equal(config.get('postal.use_ip_pools'), true);
    assert.equal(config.get('postal.batch_queued_messages'), false);
    assert.equal(config.get('smtp_server.log_connections'), false);
    assert.deepEqual(config.syntax.typeProblems.map(({ key, reads }) => [key, reads]), [['smtp_server.log_connections', 'false']]);
  });

  it('"true" and 1 are true; a quoted "yes" is false with a type problem', () => {
    const config = load('version: 2\nsmtp_server:\n  tls_enabled: "true"\n  proxy_protocol: 1\n  log_connections: "yes"\n');
    assert.equal(config.get('smtp_server.tls_enabled'), true);
    assert.equal(config.get('smtp_server.proxy_protocol'), true);
    assert.equal(config.get('smtp_server.log_connections'), false);
    assert.deepEqual(config.syntax.typeProblems.map(({ key }) => key), ['smtp_server.log_connections']);
  });

  it('0755 is octal (493), as in Ruby; "25" in quotes is 25', () => {
    const config = load('version: 2\nsmtp_server:\n  default_port: 0755\n  max_message_size: "25"\n');
    assert.equal(config.get('smtp_server.default_port'), 493);
    assert.equal(config.get('smtp_server.max_message_size'), 25);
    assert.deepEqual(config.syntax.typeProblems, []);
  });

  it('wrong types are recorded with the key, line, expected type and what Postal reads', () => {
    const config = load('version: 2\npostal:\n  smtp_hostname: 42\ndns:\n  mx_records: "a string"\nsmtp_server:\n  max_message_size: 20MB\n  default_port: [25, 587]\n');
    const problems = Object.fromEntries(config.syntax.typeProblems.map((problem) => [problem.key, problem]));
    assert.deepEqual(problems['postal.smtp_hostname'], { key: 'postal.smtp_hostname', path: 'postal.smtp_hostname', line: 3, expected: 'string', actual: 'a number (42)', reads: '"42"' });
    assert.equal(config.get('postal.smtp_hostname'), '42');
    assert.deepEqual([problems['dns.mx_records'].expected, problems['dns.mx_records'].line], ['list', 5]);
    assert.deepEqual(config.get('dns.mx_records'), ['a string']);
    assert.deepEqual([problems['smtp_server.max_message_size'].reads, config.get('smtp_server.max_message_size')], ['20', 20]);
    assert.equal(problems['smtp_server.default_port'].actual, 'a list');
    assert.equal(config.get('smtp_server.default_port'), 25);
  });

  it('a secret of the wrong type is recorded without its value', () => {
    const config = load('version: 2\nmain_db:\n  password: [hunter2]\nmessage_db:\n  password: 123456\n');
    const text = JSON.stringify(config.syntax.typeProblems);
    assert.doesNotMatch(text, /hunter2|123456/);
    assert.equal(config.get('message_db.password'), '123456');
  });

  it('duplicate keys: the later one wins and both lines are recorded', () => {
    const config = load('version: 2\npostal:\n  smtp_hostname: a.example.net\n  smtp_hostname: b.example.net\n');
    assert.equal(config.get('postal.smtp_hostname'), 'b.example.net');
    assert.deepEqual(config.syntax.duplicates, [{ path: 'postal.smtp_hostname', line: 4, firstLine: 3 }]);
    assert.deepEqual(config.writtenKeys().filter((key) => key.path === 'postal.smtp_hostname').map((key) => key.line), [4]);
  });

  it('environment variables override the file; lists are split on commas; an empty variable leaves the default', () => {
    const config = load('version: 2\npostal:\n  smtp_hostname: file.example.net\ndns:\n  helo_hostname: file-helo.example.net\n', {
      POSTAL_SMTP_HOSTNAME: 'env.example.net',
      DNS_MX_RECORDS: 'mx1.example.net, mx2.example.net',
      DNS_HELO_HOSTNAME: '',
      SMTP_SERVER_TLS_ENABLED: 'true',
      UNRELATED: 'x',
    });
    assert.deepEqual(config.entry('postal.smtp_hostname'), { key: 'postal.smtp_hostname', value: 'env.example.net', origin: 'env', source: 'POSTAL_SMTP_HOSTNAME' });
    assert.deepEqual(config.get('dns.mx_records'), ['mx1.example.net', 'mx2.example.net']);
    assert.equal(config.entry('dns.helo_hostname').origin, 'env');
    assert.equal(config.get('dns.helo_hostname'), null);
    assert.equal(config.get('smtp_server.tls_enabled'), true);
    assert.deepEqual(Object.keys(config.env).sort(), ['DNS_HELO_HOSTNAME', 'DNS_MX_RECORDS', 'POSTAL_SMTP_HOSTNAME', 'SMTP_SERVER_TLS_ENABLED']);
  });

  it('a legacy file maps its keys and gets "::" as the SMTP bind address when it sets none', () => {
    const config = load('dns:\n  smtp_server_hostname: mail.example.net\nsmtp_server:\n  port: 2525\n');
    assert.equal(config.format, 1);
    assert.deepEqual(config.entry('postal.smtp_hostname'), { key: 'postal.smtp_hostname', value: 'mail.example.net', origin: 'legacy', source: 'dns.smtp_server_hostname', line: 2 });
    assert.equal(config.get('smtp_server.default_port'), 2525);
    assert.equal(config.get('smtp_server.default_bind_address'), '::');
    assert.equal(config.get('message_db.encoding'), 'utf8mb4');
  });

  it('a legacy file cannot set message_db.encoding (the legacy mapping has no such key)', () => {
    const config = load('message_db:\n  encoding: latin1\n');
    assert.equal(config.get('message_db.encoding'), 'utf8mb4');
  });

  it('$config-file-root in a written path becomes /config, as Postal substitutes it', () => {
    const config = load('version: 2\npostal:\n  signing_key_path: $config-file-root/signing.key\n');
    assert.equal(config.get('postal.signing_key_path'), '/config/signing.key');
  });

  it('written keys keep their line and the text as written; a value that is a mapping is one key', () => {
    const config = load('version: 2\n\nrails:\n  secret_key: {{secretkey}}\npostal:\n  smtp_hostname: "mail.example.net"\n');
    assert.deepEqual(
      config.writtenKeys().map(({ path, line, source }) => ({ path, line, source })),
      [
        { path: 'version', line: 1, source: '2' },
        { path: 'rails.secret_key', line: 4, source: '{{secretkey}}' },
        { path: 'postal.smtp_hostname', line: 6, source: '"mail.example.net"' },
      ],
    );
  });
});
