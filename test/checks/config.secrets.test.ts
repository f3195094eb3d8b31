import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeFiles, fixturesMissing, fixtureText, safeInstallation } from '../support/config.js';
import { configSecrets } from '../../src/checks/config/secrets.js';

const KEY = 'k'.repeat(40);
const GOOD = `version: 2\nrails:\n  secret_key: ${KEY}\n`;
const CONFIG = '/opt/postal/config/postal.yml';
const TLS_KEY = '/opt/postal/config/smtp.key';
const SIGNING_KEY = '/opt/postal/config/signing.key';

const run = (yaml: string, files = safeInstallation(), extra: { env?: Record<string, string>; path?: string; hostRoot?: string } = {}) =>
  runCheck(configSecrets, { yaml, path: extra.path, env: extra.env, probes: { files }, options: extra.hostRoot ? { hostRoot: extra.hostRoot } : {} });

describe('config.secrets: rails.secret_key', () => {
  it('a long random key and safe files: every target passes', async () => {
    assert.deepEqual(brief(await run(GOOD)), [
      { target: 'rails.secret_key', status: 'pass', messageId: 'secret-key-ok' },
      { target: CONFIG, status: 'pass', messageId: 'file-ok' },
      { target: TLS_KEY, status: 'pass', messageId: 'file-ok' },
      { target: SIGNING_KEY, status: 'pass', messageId: 'file-ok' },
    ]);
  });

  it("the installer's {{secretkey}} placeholder fails with the command bootstrap would have run", async () => {
    const [result] = await run('version: 2\nrails:\n  secret_key: {{secretkey}}\n');
    assert.deepEqual(brief([result]), [{ target: 'rails.secret_key', status: 'fail', messageId: 'secret-key-placeholder' }]);
    assert.match(result.message, /written as \{\{secretkey\}\} \(line 3\)/);
    assert.deepEqual(result.fix?.commands, [`sed -i "s/{{secretkey}}/$(openssl rand -hex 128)/" ${CONFIG}`, 'postal restart']);
  });

  it('the placeholder in the file does not matter when the environment sets the key', async () => {
    const [result] = await run('version: 2\nrails:\n  secret_key: {{secretkey}}\n', safeInstallation(), { env: { RAILS_SECRET_KEY: KEY } });
    assert.deepEqual(brief([result]), [{ target: 'rails.secret_key', status: 'pass', messageId: 'secret-key-ok' }]);
    assert.match(result.message, /environment RAILS_SECRET_KEY/);
  });

  it('unset, not a string, short', async () => {
    assert.equal((await run('version: 2\n'))[0].messageId, 'secret-key-unset');
    assert.equal((await run('version: 2\nrails:\n  secret_key: [a, b]\n'))[0].messageId, 'secret-key-not-string');
    const [short] = await run('version: 2\nrails:\n  secret_key: tooshort123\n');
    assert.deepEqual(brief([short]), [{ target: 'rails.secret_key', status: 'warn', messageId: 'secret-key-short' }]);
    assert.match(short.message, /only 11 characters/);
    assert.doesNotMatch(JSON.stringify(short), /tooshort123/);
    assert.deepEqual(short.fix?.commands, ['openssl rand -hex 128', 'postal restart']);
  });

  it("a key published in Postal's repository fails", { skip: fixturesMissing }, async () => {
    const published = /secret_key: (\S+)/.exec(fixtureText('postal-v3-config-examples-development.yml'))![1];
    const [result] = await run(`version: 2\nrails:\n  secret_key: ${published}\n`);
    assert.deepEqual(brief([result]), [{ target: 'rails.secret_key', status: 'fail', messageId: 'secret-key-published' }]);
    assert.doesNotMatch(JSON.stringify(result), new RegExp(published));
  });
});

describe('config.secrets: file permissions', () => {
  const fileResult = async (files: ReturnType<typeof fakeFiles>, target: string, yaml = GOOD) => (await run(yaml, files)).find((result) => result.target === target)!;

  it('root-owned mode 600 is unreadable by Postal (uid 999): fail, fixed with chgrp 999 and chmod 640', async () => {
    const result = await fileResult(safeInstallation({ [TLS_KEY]: { mode: 0o600 } }), TLS_KEY);
    assert.deepEqual(brief([result]), [{ target: TLS_KEY, status: 'fail', messageId: 'unreadable' }]);
    assert.deepEqual(result.fix?.commands, [`chgrp 999 ${TLS_KEY}`, `chmod 640 ${TLS_KEY}`, 'postal restart']);
  });

  it('world-readable: a warning for postal.yml and the private keys alike (mail still flows)', async () => {
    const files = safeInstallation({ [CONFIG]: { mode: 0o644 }, [SIGNING_KEY]: { mode: 0o644 } });
    assert.deepEqual(brief([await fileResult(files, CONFIG)]), [{ target: CONFIG, status: 'warn', messageId: 'world-readable' }]);
    const signing = await fileResult(files, SIGNING_KEY);
    assert.deepEqual(brief([signing]), [{ target: SIGNING_KEY, status: 'warn', messageId: 'world-readable' }]);
    assert.match(signing.message, /mode 0644 \(owner 0, group 0\)/);
  });

  it('a file owned by uid 999 only needs chmod 600', async () => {
    const result = await fileResult(safeInstallation({ [TLS_KEY]: { mode: 0o644, uid: 999, gid: 999 } }), TLS_KEY);
    assert.equal(result.messageId, 'world-readable');
    assert.deepEqual(result.fix?.commands, [`chmod 600 ${TLS_KEY}`]);
  });

  it('world-writable fails; group 999 with mode 640 passes', async () => {
    assert.equal((await fileResult(safeInstallation({ [CONFIG]: { mode: 0o666, gid: 999 } }), CONFIG)).messageId, 'world-writable');
    assert.equal((await fileResult(safeInstallation({ [CONFIG]: { mode: 0o640, gid: 999 } }), CONFIG)).status, 'pass');
  });

  it('a config directory uid 999 cannot enter fails', async () => {
    const result = await fileResult(safeInstallation({ '/opt/postal/config': { mode: 0o700, directory: true } }), '/opt/postal/config');
    assert.deepEqual(brief([result]), [{ target: '/opt/postal/config', status: 'fail', messageId: 'directory-closed' }]);
    assert.deepEqual(result.fix?.commands, ['chmod o+x /opt/postal/config', 'postal restart']);
  });

  it('a missing signing key fails; a missing TLS key is left to tls.files; a failed stat is unknown', async () => {
    const files = safeInstallation({ [TLS_KEY]: undefined, [SIGNING_KEY]: undefined, [CONFIG]: 'error' });
    const results = await run(GOOD, files);
    assert.deepEqual(brief(results.slice(1)), [
      { target: CONFIG, status: 'unknown', messageId: 'stat-failed' },
      { target: TLS_KEY, status: 'skip', messageId: 'tls-key-missing' },
      { target: SIGNING_KEY, status: 'fail', messageId: 'missing' },
    ]);
    assert.match(results[2].message, /STARTTLS is switched off/);
    assert.deepEqual(results[3].fix?.commands.slice(0, 1), [`openssl genrsa -out ${SIGNING_KEY} 2048`]);
  });

  it('a key outside the mounted directory is left to config.paths', async () => {
    const results = await run(`${GOOD}smtp_server:\n  tls_private_key_path: /etc/letsencrypt/live/mail.acme.net/privkey.pem\n`);
    assert.deepEqual(brief([results[2]]), [{ target: 'smtp_server.tls_private_key_path', status: 'skip', messageId: 'not-visible' }]);
  });

  it('paths in commands are shell-quoted', async () => {
    const path = "/srv/post'al conf/postal.yml";
    const files = fakeFiles({ "/srv/post'al conf": { mode: 0o755, directory: true }, [path]: { mode: 0o600 } });
    const result = (await run(GOOD, files, { path })).find((item) => item.target === path)!;
    assert.equal(result.messageId, 'unreadable');
    assert.deepEqual(result.fix?.commands, [`chgrp 999 '/srv/post'\\''al conf/postal.yml'`, `chmod 640 '/srv/post'\\''al conf/postal.yml'`, 'postal restart']);
  });

  it('under --host-root the probe and the results use host paths', async () => {
    const asked: string[] = [];
    const inner = safeInstallation();
    const files = { ...inner, stat: (path: string) => (asked.push(path), inner.stat(path)) };
    const results = await run(GOOD, files, { path: '/opt/postal/config/postal.yml', hostRoot: '/tmp/root' });
    assert.deepEqual(asked, ['/opt/postal/config', CONFIG, TLS_KEY, SIGNING_KEY]);
    assert.deepEqual(results.map((result) => result.target), ['rails.secret_key', CONFIG, TLS_KEY, SIGNING_KEY]);
  });
});
