import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fixtureConfig, FIXTURE_DIRECTORY, fixturesMissing } from '../../support/config.js';
import { runCheck, brief } from '../../support/check-tester.js';
import { configUnknownKeys } from '../../../src/checks/config/unknown-keys.js';
import { configSyntax } from '../../../src/checks/config/syntax.js';
import type { ConfigKey } from '../../../src/config/schema.js';

if (fixturesMissing) console.log(`skipping Postal fixture tests: ${fixturesMissing}`);

const DEFAULT_MX = ['mx1.postal.example.com', 'mx2.postal.example.com'];

/** What Postal 3 uses for the settings that matter most, per fixture (legacy mapping included). */
const EFFECTIVE: Record<string, { format: 1 | 2; values: Partial<Record<ConfigKey, unknown>> }> = {
  'docs-snippet-dns-configuration.yml': {
    format: 1,
    // dns.return_path_domain is a version 2 name: the legacy mapping reads dns.return_path, so the default applies (same text here).
    values: { 'postal.smtp_hostname': 'postal.example.com', 'dns.helo_hostname': null, 'dns.mx_records': DEFAULT_MX, 'dns.return_path_domain': 'rp.postal.example.com' },
  },
  'docs-snippet-ip-pools.yml': {
    format: 1,
    // Without version: 2 the docs' postal.use_ip_pools is ignored.
    values: { 'postal.use_ip_pools': false, 'postal.smtp_hostname': 'postal.example.com', 'smtp_server.default_port': 25 },
  },
  'docs-snippet-smtp-tls.yml': {
    format: 1,
    values: { 'smtp_server.tls_enabled': true, 'smtp_server.tls_certificate_path': '/config/smtp.cert', 'smtp_server.tls_private_key_path': '/config/smtp.key' },
  },
  'install-template-postal.v2-legacy-v1.yml': {
    format: 1,
    values: {
      'postal.smtp_hostname': 'postal.yourdomain.com',
      'postal.web_hostname': 'postal.yourdomain.com',
      'dns.helo_hostname': null,
      'dns.mx_records': ['mx.postal.yourdomain.com'],
      'dns.return_path_domain': 'rp.postal.yourdomain.com',
      'smtp_server.tls_certificate_path': '/config/smtp.cert',
      'smtp_server.tls_private_key_path': '/config/smtp.key',
      'smtp_server.default_port': 25,
      'smtp_server.default_bind_address': '::',
      'smtp.port': 2525,
      'message_db.database_name_prefix': 'postal',
    },
  },
  'install-template-postal.v3.yml': {
    format: 2,
    values: {
      'postal.smtp_hostname': 'postal.yourdomain.com',
      'dns.helo_hostname': null,
      'dns.mx_records': ['mx.postal.yourdomain.com'],
      'smtp_server.tls_certificate_path': '/config/smtp.cert',
      'smtp_server.tls_private_key_path': '/config/smtp.key',
      'smtp_server.default_port': 25,
      'smtp_server.default_bind_address': '::',
      'smtp.port': 2525,
    },
  },
  'legacy-v1-ci-postal-test-2.3.2.yml': {
    format: 1,
    values: {
      'postal.smtp_hostname': 'postal.example.com',
      'dns.helo_hostname': null,
      'dns.mx_records': ['mx.postal.example.com'],
      'smtp_server.tls_certificate_path': '/config/smtp.cert',
      'smtp_server.default_port': 2525,
      'main_db.host': 'mariadb',
      'main_db.password': null,
      'rails.environment': 'test',
    },
  },
  // Postal's own expectations for this file: spec/lib/postal/legacy_config_source_spec.rb.
  'legacy-v1-spec-full-legacy-config-file.yml': {
    format: 1,
    values: {
      'postal.web_hostname': 'postal.llamas.com',
      'postal.web_protocol': 'https',
      'postal.smtp_hostname': 'smtp.postal.llamas.com',
      'postal.use_ip_pools': false,
      'postal.default_maximum_delivery_attempts': 20,
      'postal.default_maximum_hold_expiry_days': 10,
      'postal.default_suppression_list_automatic_removal_days': 60,
      'postal.use_local_ns_for_domain_verification': true,
      'postal.default_spam_threshold': 10,
      'postal.default_spam_failure_threshold': 25,
      'postal.use_resent_sender_header': true,
      'postal.smtp_relays': ['smtp://1.2.3.4:25?ssl_mode=Auto', 'smtp://2.2.2.2:2525?ssl_mode=None'],
      'web_server.default_bind_address': '127.0.0.1',
      'web_server.default_port': 6000,
      'web_server.max_threads': 10,
      'main_db.host': 'localhost',
      'main_db.port': 3306,
      'main_db.username': 'postal',
      'main_db.password': 't35tpassword',
      'main_db.database': 'postal',
      'main_db.pool_size': 20,
      'main_db.encoding': 'utf8mb4',
      'message_db.host': 'localhost',
      'message_db.port': 3306,
      'message_db.username': 'postal',
      'message_db.password': 'p05t41',
      'message_db.database_name_prefix': 'postal',
      'logging.rails_log_enabled': true,
      'logging.sentry_dsn': 'https://sentry.llamas.com/abcdef1234',
      'gelf.host': 'logs.llamas.com',
      'gelf.port': 12201,
      'gelf.facility': 'mailer',
      'smtp_server.default_port': 25,
      'smtp_server.default_bind_address': '127.0.0.1',
      'smtp_server.tls_enabled': true,
      'smtp_server.tls_certificate_path': 'config/smtp.cert',
      'smtp_server.tls_private_key_path': 'config/smtp.key',
      'smtp_server.tls_ciphers': 'abc',
      'smtp_server.ssl_version': 'SSLv23',
      'smtp_server.proxy_protocol': false,
      'smtp_server.log_connections': true,
      'smtp_server.max_message_size': 10,
      'dns.mx_records': ['mx1.postal.llamas.com', 'mx2.postal.llamas.com'],
      'dns.spf_include': 'spf.postal.llamas.com',
      'dns.return_path_domain': 'rp.postal.llamas.com',
      'dns.route_domain': 'routes.postal.llamas.com',
      'dns.track_domain': 'track.postal.llamas.com',
      'dns.helo_hostname': 'helo.postal.llamas.com',
      'dns.dkim_identifier': 'postal',
      'dns.domain_verify_prefix': 'postal-verification',
      'dns.custom_return_path_prefix': 'psrp',
      'smtp.host': '127.0.0.1',
      'smtp.port': 25,
      'smtp.username': 'postalserver',
      'smtp.password': 'llama',
      'smtp.from_name': 'Postal',
      'smtp.from_address': 'postal@llamas.com',
      'rails.environment': 'production',
      'rails.secret_key': 'abcdef123123123123123',
      'rspamd.enabled': true,
      'rspamd.host': 'rspamd.llamas.com',
      'rspamd.port': 11334,
      'rspamd.ssl': false,
      'rspamd.password': 'llama',
      'rspamd.flags': 'abc',
      'spamd.enabled': false,
      'spamd.host': 'spamd.llamas.com',
      'spamd.port': 783,
      'clamav.enabled': false,
      'clamav.host': 'clamav.llamas.com',
      'clamav.port': 2000,
      'smtp_client.open_timeout': 60,
      'smtp_client.read_timeout': 120,
    },
  },
  'postal-v3-config-examples-development.yml': {
    format: 2,
    values: {
      'postal.smtp_hostname': 'postal.example.com',
      'dns.helo_hostname': null,
      'dns.mx_records': DEFAULT_MX,
      'smtp_server.tls_certificate_path': '/config/smtp.cert',
      'smtp_server.tls_private_key_path': '/config/smtp.key',
      'smtp_server.default_port': 25,
      'logging.highlighting_enabled': true,
    },
  },
  'postal-v3-config-examples-test.yml': {
    format: 2,
    // message_db.prefix is the legacy name: Postal uses the default prefix, not postal-test.
    values: { 'postal.smtp_hostname': 'postal.example.com', 'dns.mx_records': DEFAULT_MX, 'smtp_server.default_port': 25, 'message_db.database_name_prefix': 'postal', 'main_db.database': 'postal-test', 'logging.enabled': false },
  },
};

/** Files Postal cannot use as its config: config.syntax reports each, and no other check runs on them. */
const NOT_CONFIGS: Record<string, string> = {
  'postal-v3-doc-config-yaml.yml': 'unquoted-value',
  'install-template-docker-compose.v2.yml': 'docker-compose',
  'install-template-docker-compose.v3.yml': 'docker-compose',
  'install-template-Caddyfile': 'caddyfile',
  'legacy-v1-postal-defaults-2.3.2.yml.erb': 'template',
};

/**
 * config.unknown-keys per fixture: the number of keys written and the ones Postal ignores
 * (key → [status, messageId]); every other written key must be reported as read (no result).
 */
const IGNORED: Record<string, { keys: number; ignored: Record<string, [string, string]> }> = {
  'docs-snippet-dns-configuration.yml': { keys: 5, ignored: { 'dns.return_path_domain': ['warn', 'v2-in-legacy'] } },
  'docs-snippet-ip-pools.yml': { keys: 1, ignored: { 'postal.use_ip_pools': ['fail', 'v2-in-legacy'] } },
  'docs-snippet-smtp-tls.yml': { keys: 1, ignored: {} },
  'install-template-postal.v2-legacy-v1.yml': {
    keys: 32,
    ignored: {
      'logging.stdout': ['warn', 'retired'],
      'rabbitmq.host': ['warn', 'retired'],
      'rabbitmq.username': ['warn', 'retired'],
      'rabbitmq.password': ['warn', 'retired'],
      'rabbitmq.vhost': ['warn', 'retired'],
    },
  },
  'install-template-postal.v3.yml': { keys: 25, ignored: { 'message_db.prefix': ['warn', 'legacy-in-v2'] } },
  'legacy-v1-ci-postal-test-2.3.2.yml': {
    keys: 31,
    ignored: {
      'logging.stdout': ['warn', 'retired'],
      'rabbitmq.host': ['warn', 'retired'],
      'rabbitmq.username': ['warn', 'retired'],
      'rabbitmq.password': ['warn', 'retired'],
      'rabbitmq.vhost': ['warn', 'retired'],
    },
  },
  'legacy-v1-spec-full-legacy-config-file.yml': { keys: 74, ignored: {} },
  'postal-v3-config-examples-development.yml': { keys: 16, ignored: { 'message_db.prefix': ['warn', 'legacy-in-v2'] } },
  // postal-test differs from the prefix Postal uses (postal): the test databases are not the ones named.
  'postal-v3-config-examples-test.yml': { keys: 13, ignored: { 'message_db.prefix': ['fail', 'legacy-in-v2'] } },
};

describe('Postal config fixtures', { skip: fixturesMissing }, () => {
  it('every fixture file is covered by a table here', () => {
    const files = readdirSync(FIXTURE_DIRECTORY).filter((name) => name !== 'SOURCES.md').sort();
    assert.deepEqual(files, [...Object.keys(EFFECTIVE), ...Object.keys(NOT_CONFIGS)].sort());
    assert.deepEqual(Object.keys(IGNORED).sort(), Object.keys(EFFECTIVE).sort());
  });

  for (const [name, expected] of Object.entries(EFFECTIVE)) {
    it(`${name}: the values Postal uses`, () => {
      const config = fixtureConfig(name);
      assert.equal(config.format, expected.format);
      for (const [key, value] of Object.entries(expected.values)) assert.deepEqual(config.get(key as ConfigKey), value, key);
    });

    it(`${name}: config.unknown-keys classifies every written key`, async () => {
      const config = fixtureConfig(name);
      const { keys, ignored } = IGNORED[name];
      assert.equal(config.writtenKeys().length, keys);
      const results = await runCheck(configUnknownKeys, { config });
      if (Object.keys(ignored).length === 0) {
        assert.deepEqual(brief(results), [{ target: null, status: 'pass', messageId: 'ok' }]);
      } else {
        const expectedResults = Object.entries(ignored).map(([target, [status, messageId]]) => ({ target, status, messageId }));
        assert.deepEqual(brief(results).sort((a, b) => a.target!.localeCompare(b.target!)), expectedResults.sort((a, b) => a.target.localeCompare(b.target)));
      }
    });
  }

  for (const [name, messageId] of Object.entries(NOT_CONFIGS)) {
    it(`${name}: Postal cannot load it; config.syntax says why`, async () => {
      const config = fixtureConfig(name);
      assert.equal(config.format, null);
      assert.deepEqual(config.writtenKeys(), []);
      assert.deepEqual(brief(await runCheck(configSyntax, { config })), [{ target: '/opt/postal/config/postal.yml', status: 'fail', messageId }]);
      const unknownKeys = await runCheck(configUnknownKeys, { config });
      assert.deepEqual(brief(unknownKeys), [{ target: null, status: 'skip', messageId: 'runner.config-unusable' }]);
    });
  }

  it("Postal's doc/config/yaml.yml fails at line 105 with the advice to quote \"::\"", async () => {
    const [result] = await runCheck(configSyntax, { config: fixtureConfig('postal-v3-doc-config-yaml.yml') });
    assert.equal(result.status, 'fail');
    assert.match(result.title, /line 105/);
    assert.match(result.message, /default_bind_address: "::"/);
    assert.ok(result.fix?.commands.includes(`sed -i '105s/::/"::"/' /opt/postal/config/postal.yml`), JSON.stringify(result.fix));
  });
});
