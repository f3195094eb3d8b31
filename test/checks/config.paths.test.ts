import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brief, runCheck } from '../support/check-tester.js';
import { configPaths } from '../../src/checks/config/paths.js';

const run = (yaml: string, env: Record<string, string> = {}) => runCheck(configPaths, { yaml, env });
const LE = '/etc/letsencrypt/live/mail.acme.net';

describe('config.paths', () => {
  it('the defaults are under /config: three passes naming the host paths', async () => {
    const results = await run('version: 2\n');
    assert.deepEqual(brief(results), [
      { target: 'smtp_server.tls_certificate_path', status: 'pass', messageId: 'ok' },
      { target: 'smtp_server.tls_private_key_path', status: 'pass', messageId: 'ok' },
      { target: 'postal.signing_key_path', status: 'pass', messageId: 'ok' },
    ]);
    assert.match(results[0].message, /on the host it is \/opt\/postal\/config\/smtp\.cert/);
  });

  it('certbot paths outside the mount fail with TLS on: the exact cp, permissions, config change and restart', async () => {
    const results = await run(`version: 2\nsmtp_server:\n  tls_enabled: true\n  tls_certificate_path: ${LE}/fullchain.pem\n  tls_private_key_path: ${LE}/privkey.pem\n`);
    assert.deepEqual(brief(results.slice(0, 2)), [
      { target: 'smtp_server.tls_certificate_path', status: 'fail', messageId: 'outside-mount' },
      { target: 'smtp_server.tls_private_key_path', status: 'fail', messageId: 'outside-mount' },
    ]);
    const [cert, key] = results;
    assert.deepEqual(cert.fix?.commands, [`cp ${LE}/fullchain.pem /opt/postal/config/smtp.cert`, 'chmod 644 /opt/postal/config/smtp.cert', 'postal restart']);
    assert.deepEqual(key.fix?.commands, [`cp ${LE}/privkey.pem /opt/postal/config/smtp.key`, 'chgrp 999 /opt/postal/config/smtp.key', 'chmod 640 /opt/postal/config/smtp.key', 'postal restart']);
    assert.deepEqual(cert.fix?.configChanges, [{ path: 'smtp_server.tls_certificate_path', from: `${LE}/fullchain.pem`, to: '/config/smtp.cert' }]);
    assert.match(cert.fix!.summary, /deploy-hook/);
    assert.match(cert.fix!.summary, /\/etc\/letsencrypt:\/etc\/letsencrypt:ro/);
    assert.match(cert.message, /STARTTLS fails for every client/);
  });

  it('with TLS off the TLS paths only warn; the signing key path always fails', async () => {
    const results = await run(`version: 2\nsmtp_server:\n  tls_certificate_path: ${LE}/fullchain.pem\npostal:\n  signing_key_path: /root/signing.key\n`);
    assert.deepEqual(brief(results), [
      { target: 'smtp_server.tls_certificate_path', status: 'warn', messageId: 'outside-mount' },
      { target: 'smtp_server.tls_private_key_path', status: 'pass', messageId: 'ok' },
      { target: 'postal.signing_key_path', status: 'fail', messageId: 'outside-mount' },
    ]);
    assert.match(results[0].message, /as soon as smtp_server\.tls_enabled is switched on/);
  });

  it('a host path written instead of the container path fails, with the corrected value', async () => {
    const [cert] = await run('version: 2\nsmtp_server:\n  tls_enabled: true\n  tls_certificate_path: /opt/postal/config/certs/smtp.cert\n');
    assert.deepEqual(brief([cert]), [{ target: 'smtp_server.tls_certificate_path', status: 'fail', messageId: 'host-path' }]);
    assert.deepEqual(cert.fix?.configChanges, [{ path: 'smtp_server.tls_certificate_path', from: '/opt/postal/config/certs/smtp.cert', to: '/config/certs/smtp.cert' }]);
  });

  it('the legacy relative config/smtp.cert resolves inside the app directory', async () => {
    const [cert] = await run('smtp_server:\n  tls_enabled: true\n  tls_certificate_path: config/smtp.cert\n');
    assert.deepEqual(brief([cert]), [{ target: 'smtp_server.tls_certificate_path', status: 'fail', messageId: 'relative' }]);
    assert.match(cert.message, /Postal looks for \/opt\/postal\/app\/config\/smtp\.cert/);
    assert.deepEqual(cert.fix?.configChanges, [{ path: 'smtp_server.tls_certificate_path', from: 'config/smtp.cert', to: '/config/smtp.cert' }]);
  });

  it('odd characters in a path are shell-quoted in the cp', async () => {
    const [cert] = await run(`version: 2\nsmtp_server:\n  tls_enabled: true\n  tls_certificate_path: "/etc/ssl/it's here; rm -rf x.pem"\n`);
    assert.equal(cert.fix?.commands[0], `cp '/etc/ssl/it'\\''s here; rm -rf x.pem' /opt/postal/config/smtp.cert`);
  });

  it('a path from an environment variable: change it there', async () => {
    const [cert] = await run('version: 2\nsmtp_server:\n  tls_enabled: true\n', { SMTP_SERVER_TLS_CERTIFICATE_PATH: '/opt/postal/config/smtp.cert' });
    assert.equal(cert.messageId, 'host-path');
    assert.equal(cert.fix?.kind, 'manual');
    assert.match(cert.fix!.summary, /environment variable SMTP_SERVER_TLS_CERTIFICATE_PATH/);
  });
});
