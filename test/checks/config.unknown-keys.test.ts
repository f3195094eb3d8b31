import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brief, runCheck } from '../support/check-tester.js';
import { configUnknownKeys } from '../../src/checks/config/unknown-keys.js';
import { classifyKey } from '../../src/config/keys.js';

const run = (yaml: string, env: Record<string, string> = {}) => runCheck(configUnknownKeys, { yaml, env });

describe('config.unknown-keys', () => {
  it('a legacy key in a version 2 file that hides a different value is a fail with the move as the fix', async () => {
    const [result] = await run('version: 2\ndns:\n  smtp_server_hostname: mail.example.net\n');
    assert.deepEqual(brief([result]), [{ target: 'dns.smtp_server_hostname', status: 'fail', messageId: 'legacy-in-v2' }]);
    assert.match(result.message, /Postal 3 ignores it in a version 2 file; use postal\.smtp_hostname\. Postal uses postal\.smtp_hostname = postal\.example\.com \(the default\), not mail\.example\.net\./);
    assert.equal(result.fix?.kind, 'config');
    assert.deepEqual(result.fix?.configChanges, [
      { path: 'dns.smtp_server_hostname', from: 'mail.example.net' },
      { path: 'postal.smtp_hostname', to: 'mail.example.net' },
    ]);
  });

  it('legacy names with the same value as what Postal uses only warn', async () => {
    const results = await run('version: 2\nmessage_db:\n  prefix: postal\ndns:\n  return_path: rp.postal.example.com\n');
    assert.deepEqual(brief(results), [
      { target: 'message_db.prefix', status: 'warn', messageId: 'legacy-in-v2' },
      { target: 'dns.return_path', status: 'warn', messageId: 'legacy-in-v2' },
    ]);
    assert.match(results[0].message, /use message_db\.database_name_prefix/);
    assert.match(results[1].message, /use dns\.return_path_domain/);
  });

  it('a legacy name beside the right key warns and only removes the stale line', async () => {
    const [result] = await run('version: 2\npostal:\n  smtp_hostname: a.example.net\ndns:\n  smtp_server_hostname: b.example.net\n');
    assert.deepEqual(brief([result]), [{ target: 'dns.smtp_server_hostname', status: 'warn', messageId: 'legacy-in-v2' }]);
    assert.deepEqual(result.fix?.configChanges, [{ path: 'dns.smtp_server_hostname', from: 'b.example.net' }]);
  });

  it('a key whose setting comes from the environment warns', async () => {
    const [result] = await run('version: 2\nsmtp_server:\n  port: 2525\n', { SMTP_SERVER_DEFAULT_PORT: '25' });
    assert.equal(result.status, 'warn');
    assert.match(result.message, /smtp_server\.default_port = 25 \(environment SMTP_SERVER_DEFAULT_PORT\); this line has no effect/);
  });

  it('a version 2 key in a legacy file: the legacy name to write, or convert', async () => {
    const [moved] = await run('postal:\n  smtp_hostname: mail.example.net\n');
    assert.deepEqual(brief([moved]), [{ target: 'postal.smtp_hostname', status: 'fail', messageId: 'v2-in-legacy' }]);
    assert.deepEqual(moved.fix?.configChanges, [
      { path: 'postal.smtp_hostname', from: 'mail.example.net' },
      { path: 'dns.smtp_server_hostname', to: 'mail.example.net' },
    ]);
    const [v2Only] = await run('postal:\n  signing_key_path: /config/other.key\n');
    assert.deepEqual(brief([v2Only]), [{ target: 'postal.signing_key_path', status: 'fail', messageId: 'v2-in-legacy' }]);
    assert.match(v2Only.message, /cannot set it at all: convert the file to version 2/);
    assert.equal(v2Only.fix?.configChanges, undefined);
  });

  it('a key in the wrong group', async () => {
    const [result] = await run('version: 2\npostal:\n  helo_hostname: helo.example.net\n');
    assert.deepEqual(brief([result]), [{ target: 'postal.helo_hostname', status: 'fail', messageId: 'wrong-group' }]);
    assert.match(result.message, /the setting is dns\.helo_hostname/);
    assert.deepEqual(result.fix?.configChanges, [
      { path: 'postal.helo_hostname', from: 'helo.example.net' },
      { path: 'dns.helo_hostname', to: 'helo.example.net' },
    ]);
  });

  it('typos get "did you mean", in the key and in the group', async () => {
    const results = await run('version: 2\nsmtp_server:\n  tls_enable: true\nsmtp_sever:\n  tls_certificate_path: /config/a.pem\npostal:\n  use_resent_sender_heder: true\n');
    assert.deepEqual(brief(results), [
      { target: 'smtp_server.tls_enable', status: 'fail', messageId: 'typo' },
      { target: 'smtp_sever.tls_certificate_path', status: 'fail', messageId: 'typo' },
      { target: 'postal.use_resent_sender_heder', status: 'warn', messageId: 'typo' },
    ]);
    assert.equal(results[0].title, 'smtp_server.tls_enable is not a Postal setting: did you mean smtp_server.tls_enabled?');
    assert.match(results[1].title, /did you mean smtp_server\.tls_certificate_path\?/);
  });

  it('several candidates: ambiguous, listing them', async () => {
    const [result] = await run('version: 2\npostal:\n  username: postal\n');
    assert.deepEqual(brief([result]), [{ target: 'postal.username', status: 'warn', messageId: 'ambiguous' }]);
    assert.match(result.message, /main_db\.username, message_db\.username, smtp\.username/);
  });

  it('retired Postal 2 keys, unknown groups and unknown keys warn with a removal', async () => {
    const results = await run('version: 2\nrabbitmq:\n  host: 127.0.0.1\nworkers:\n  threads: 4\nmystuff:\n  colour: blue\npostal:\n  frobnicate: true\n');
    assert.deepEqual(brief(results), [
      { target: 'rabbitmq.host', status: 'warn', messageId: 'retired' },
      { target: 'workers.threads', status: 'warn', messageId: 'retired' },
      { target: 'mystuff.colour', status: 'warn', messageId: 'unknown-group' },
      { target: 'postal.frobnicate', status: 'warn', messageId: 'unknown' },
    ]);
    assert.match(results[0].message, /does not use RabbitMQ/);
    assert.deepEqual(results[2].fix?.configChanges, [{ path: 'mystuff.colour', from: 'blue' }]);
  });

  it('a typo of a secret key never shows the secret', async () => {
    const [result] = await run('version: 2\nmain_db:\n  pasword: Hunter2-secret\n');
    assert.deepEqual(brief([result]), [{ target: 'main_db.pasword', status: 'fail', messageId: 'typo' }]);
    assert.doesNotMatch(JSON.stringify(result), /Hunter2-secret/);
    assert.deepEqual(result.fix?.configChanges, [
      { path: 'main_db.pasword', from: '[redacted]' },
      { path: 'main_db.password', to: '[redacted]' },
    ]);
  });

  it('legacy relay entries in a version 2 file: the fix writes them as URLs', async () => {
    const [result] = await run('version: 2\nsmtp_relays:\n  - hostname: relay.example.net\n    port: 587\n    ssl_mode: STARTTLS\n');
    assert.deepEqual(brief([result]), [{ target: 'smtp_relays', status: 'fail', messageId: 'legacy-in-v2' }]);
    assert.deepEqual(result.fix?.configChanges?.[1], { path: 'postal.smtp_relays', to: ['smtp://relay.example.net:587?ssl_mode=STARTTLS'] });
  });

  it('relay credentials never appear in messages or config changes', async () => {
    const results = await run('version: 2\nsmtp_relays:\n  - hostname: relay.example.net\n    username: relayUser77\n    password: RelayPass88\npostl:\n  smtp_relays: ["smtp://urlUser66:UrlPass55@relay.example.net:587"]\n');
    assert.deepEqual(brief(results), [
      { target: 'smtp_relays', status: 'fail', messageId: 'legacy-in-v2' },
      { target: 'postl.smtp_relays', status: 'fail', messageId: 'typo' },
    ]);
    assert.doesNotMatch(JSON.stringify(results), /relayUser77|RelayPass88|urlUser66|UrlPass55/);
    assert.deepEqual(results[1].fix?.configChanges?.[1], { path: 'postal.smtp_relays', to: ['smtp://[redacted]@relay.example.net:587'] });
  });

  it('a big file of thousands of unknown keys ends in seconds, one result per key', async () => {
    let yaml = 'version: 2\n';
    for (let group = 0; group < 100; group++) yaml += `section${group}:\n${Array.from({ length: 100 }, (_, key) => `  option_number_${key}: value\n`).join('')}`;
    const started = performance.now();
    const results = await run(yaml);
    assert.equal(results.length, 10000);
    assert.ok(results.every((result) => result.status === 'warn'));
    assert.ok(performance.now() - started < 10000, `took ${Math.round(performance.now() - started)} ms`);
  });

  it('a file of known keys gives one pass', async () => {
    assert.deepEqual(brief(await run('version: 2\npostal:\n  smtp_hostname: mail.example.net\ndns:\n')), [{ target: null, status: 'pass', messageId: 'ok' }]);
  });
});

describe('classifyKey', () => {
  it('classifies by file format', () => {
    assert.deepEqual(classifyKey('dns.smtp_server_hostname', 2), { kind: 'legacy-in-v2', target: 'postal.smtp_hostname', writeAs: 'postal.smtp_hostname' });
    assert.deepEqual(classifyKey('dns.smtp_server_hostname', 1), { kind: 'known' });
    assert.deepEqual(classifyKey('logging.graylog.host', 2), { kind: 'legacy-in-v2', target: 'gelf.host', writeAs: 'gelf.host' });
    assert.deepEqual(classifyKey('general.helo_hostname', 1), { kind: 'wrong-group', target: 'dns.helo_hostname', writeAs: 'dns.helo_hostname' });
    assert.deepEqual(classifyKey('postal.smtp_server_hostname', 2), { kind: 'wrong-group', target: 'postal.smtp_hostname', writeAs: 'postal.smtp_hostname' });
    assert.deepEqual(classifyKey('dns.smtp_server_hostnme', 1), { kind: 'typo', target: 'postal.smtp_hostname', writeAs: 'dns.smtp_server_hostname' });
    assert.deepEqual(classifyKey('fast_server.port', 2), { kind: 'retired' });
  });
});
