import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../../src/config/load.js';
import { describeForDisplay, looksSecret, redactDeep, redactRelayUrl, redactText, secretValues } from '../../../src/config/secrets.js';

/** A config with a distinctive secret in every place a secret can be. */
const YAML = `version: 2
postal:
  smtp_hostname: mail.example.net
  smtp_relays:
    - smtp://relayuser-Q1:relaypass-Q2@relay.example.net:587?ssl_mode=STARTTLS
    - smtp://relay2.example.net:25
main_db:
  password: maindb-Q3
message_db:
  password: 424242424
  pasword: typo-pass-Q4
logging:
  sentry_dsn: https://sentrykey-Q5@sentry.example.net/12
rails:
  secret_key: railskey-Q6-0123456789abcdef0123456789
smtp:
  username: postal-app
  password: "smtp-pass: Q7"
rspamd:
  password: rspamd-Q8
oidc:
  secret: oidc-Q9
extra:
  api_token: token-Q10
smtp_relays:
  - hostname: legacy.example.net
    username: legacyuser-Q11
    password: legacypass-Q12
`;

const ENV = { RAILS_SECRET_KEY: 'env-railskey-Q13', MAIN_DB_PASSWORD: 'env-maindb-Q14', POSTAL_SMTP_HOSTNAME: 'env.example.net' };

const EVERY_SECRET = [
  'relayuser-Q1',
  'relaypass-Q2',
  'maindb-Q3',
  '424242424',
  'typo-pass-Q4',
  'https://sentrykey-Q5@sentry.example.net/12',
  'railskey-Q6-0123456789abcdef0123456789',
  'smtp-pass: Q7',
  'rspamd-Q8',
  'oidc-Q9',
  'token-Q10',
  'legacyuser-Q11',
  'legacypass-Q12',
  'env-railskey-Q13',
  'env-maindb-Q14',
];

const config = loadConfigText(YAML, { path: '/opt/postal/config/postal.yml', env: ENV }).config;

describe('secretValues', () => {
  const secrets = secretValues(config);

  it('finds the secret in every secret place: schema secrets, secret-looking and typo keys, env, relay credentials', () => {
    for (const secret of EVERY_SECRET) assert.ok(secrets.includes(secret), `missing ${secret}`);
  });

  it('does not treat ordinary values as secrets', () => {
    for (const value of ['mail.example.net', 'env.example.net', 'postal-app', 'relay.example.net', 'legacy.example.net', '/config/smtp.key']) {
      assert.ok(!secrets.includes(value), `${value} is not a secret`);
    }
  });

  it('is ordered longest first', () => {
    assert.deepEqual(secrets, [...secrets].sort((a, b) => b.length - a.length || a.localeCompare(b)));
  });

  it('a relay without credentials adds nothing; the installer placeholder is not a secret', () => {
    const plain = loadConfigText('version: 2\npostal:\n  smtp_relays: ["smtp://relay.example.net:25"]\nrails:\n  secret_key: {{secretkey}}\n', { path: '/p/postal.yml' }).config;
    assert.ok(!secretValues(plain).includes('{{secretkey}}'));
    assert.ok(!secretValues(plain).some((value) => value.includes('relay.example.net')));
  });
});

describe('redaction', () => {
  const secrets = secretValues(config);

  it('redactDeep copies only what held a secret: the rest is the value given', () => {
    const clean = { check: 'dns.ptr', evidence: [{ query: 'PTR 192.0.2.1', answer: ['mta.example.com'] }] };
    const leaky = { check: 'config.secrets', message: 'password s3cret-pw-123 is weak', evidence: [] };
    const report = { results: [clean, leaky] };
    const redacted = redactDeep(report, ['s3cret-pw-123']);
    assert.equal(redacted.results[0], clean);
    assert.notEqual(redacted.results[1], leaky);
    assert.equal(leaky.message, 'password s3cret-pw-123 is weak', 'the input is left as it was');
    assert.ok(!JSON.stringify(redacted).includes('s3cret-pw-123'));
    assert.equal(redactDeep(clean, ['s3cret-pw-123']), clean);
  });

  it('redactDeep removes every secret from every string of a report-like value, keeping its shape', () => {
    const report = {
      check: 'config.secrets',
      results: [
        { title: `password maindb-Q3 leaked`, message: `dsn https://sentrykey-Q5@sentry.example.net/12 and relaypass-Q2`, evidence: [{ query: 'q', answer: ['token-Q10', 42, null, true] }] },
        { fix: { commands: ["mysql -p'maindb-Q3'", 'echo railskey-Q6-0123456789abcdef0123456789'], configChanges: [{ path: 'smtp.password', from: 'smtp-pass: Q7' }] } },
      ],
      error: new Error('connect failed for legacyuser-Q11:legacypass-Q12'),
      nested: { 'env-maindb-Q14': 'oidc-Q9 and env-railskey-Q13 and 424242424' },
    };
    const redacted = redactDeep(report, secrets);
    const text = JSON.stringify(redacted) + redacted.error.message;
    for (const secret of EVERY_SECRET) assert.ok(!text.includes(secret), `leaked ${secret}: ${text}`);
    assert.equal(redacted.results[0].title, 'password [redacted] leaked');
    assert.deepEqual(redacted.results[0].evidence![0].answer, ['[redacted]', 42, null, true]);
    assert.equal(redacted.check, 'config.secrets');
    assert.equal(report.results[0].title, 'password maindb-Q3 leaked', 'the input is not modified');
  });

  it('keeps the doctor\'s own identifiers even when a secret is a substring of them', () => {
    const redacted = redactDeep({ check: 'config.secrets', group: 'config', messageId: 'secret-key-ok', key: 'config.x', title: 'config is fine' }, ['config']);
    assert.deepEqual(redacted, { check: 'config.secrets', group: 'config', messageId: 'secret-key-ok', key: 'config.x', title: '[redacted] is fine' });
  });

  it('redactText replaces every occurrence, longest secret first, overlapping ones entirely', () => {
    assert.equal(redactText('a=hunter2 b=hunter2', ['hunter2']), 'a=[redacted] b=[redacted]');
    assert.equal(redactText('pw: abcdef', ['abcdef', 'abc']), 'pw: [redacted]');
    assert.equal(redactText('xxabcdefyy', ['abcd', 'cdef']), 'xx[redacted]yy');
  });

  it('ignores secrets shorter than 3 characters but never leaks a longer one', () => {
    assert.equal(redactText('id 12 and abc', ['12', 'abc']), 'id 12 and [redacted]');
    assert.equal(redactText('x', []), 'x');
  });

  it("the installer's public default password (postal) does not wreck every \"postal\" in a report", () => {
    const installer = loadConfigText('version: 2\nmain_db:\n  password: postal\nmessage_db:\n  password: hunter22\n', { path: '/opt/postal/config/postal.yml' }).config;
    const secrets = secretValues(installer);
    assert.ok(secrets.includes('postal'));
    assert.equal(redactText('/opt/postal/config/postal.yml and hunter22', secrets), '/opt/postal/config/postal.yml and [redacted]');
    assert.equal(describeForDisplay(installer.entry('main_db.password')).value, '[redacted]');
  });
});

describe('display', () => {
  it('secret settings show [redacted] or (not set); relay URLs hide their credentials', () => {
    assert.deepEqual(describeForDisplay(config.entry('main_db.password')), { key: 'main_db.password', value: '[redacted]', origin: 'env', source: 'MAIN_DB_PASSWORD', secret: true });
    assert.equal(describeForDisplay(config.entry('smtp.password')).value, '[redacted]');
    assert.equal(describeForDisplay(config.entry('gelf.host')).value, '(not set)');
    assert.equal(describeForDisplay(config.entry('oidc.secret')).value, '[redacted]');
    assert.equal(
      describeForDisplay(config.entry('postal.smtp_relays')).value,
      '[smtp://[redacted]@relay.example.net:587?ssl_mode=STARTTLS, smtp://relay2.example.net:25]',
    );
    assert.deepEqual(describeForDisplay(config.entry('postal.smtp_hostname')), { key: 'postal.smtp_hostname', value: 'env.example.net', origin: 'env', source: 'POSTAL_SMTP_HOSTNAME', secret: false });
    assert.equal(describeForDisplay(config.entry('dns.mx_records')).value, '[mx1.postal.example.com, mx2.postal.example.com]');
  });

  it('redactRelayUrl keeps the host, port and options', () => {
    assert.equal(redactRelayUrl('smtp://u:p@h.example.net:2525?ssl_mode=TLS'), 'smtp://[redacted]@h.example.net:2525?ssl_mode=TLS');
    assert.equal(redactRelayUrl('smtp://h.example.net'), 'smtp://h.example.net');
  });

  it('secret names, typos included, but not paths to key files', () => {
    for (const name of ['main_db.password', 'x.pasword', 'x.passwrod', 'rails.secret_key', 'oidc.secret', 'logging.sentry_dsn', 'general.exception_url', 'api.token', 'x.secert']) assert.ok(looksSecret(name), name);
    for (const name of ['smtp_server.tls_private_key_path', 'postal.signing_key_path', 'smtp.username', 'postal.smtp_hostname', 'dns.dkim_identifier']) assert.ok(!looksSecret(name), name);
  });
});
