import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brief, runCheck } from '../../support/check-tester.js';
import { configSecrets } from '../../../src/checks/config/secrets.js';
import { createFileProbe } from '../../../src/probes/files.js';
import { loadConfigFile } from '../../../src/config/load.js';

const isRoot = process.getuid?.() === 0;

/** config.secrets against a real directory tree through the real files probe and --host-root. */
describe('config.secrets on real files', { skip: isRoot ? undefined : 'needs root to give files to uid/gid 999' }, () => {
  let root: string;
  let configDir: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'postal-doctor-perms-'));
    configDir = join(root, 'opt/postal/config');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'postal.yml'), `version: 2\nrails:\n  secret_key: ${'f'.repeat(64)}\n`);
    await writeFile(join(configDir, 'smtp.key'), 'not really a key\n');
    await writeFile(join(configDir, 'signing.key'), 'not really a key\n');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function check() {
    // postal.yml is a host path, read under --host-root; results and commands name host paths.
    const { config } = await loadConfigFile('/opt/postal/config/postal.yml', { hostRoot: root });
    return runCheck(configSecrets, { config, probes: { files: createFileProbe(root) }, options: { hostRoot: root } });
  }

  it('the installer state: root-owned 644 files (signing.key as bootstrap leaves it)', async () => {
    for (const name of ['postal.yml', 'smtp.key', 'signing.key']) await chmod(join(configDir, name), 0o644);
    assert.deepEqual(brief(await check()), [
      { target: 'rails.secret_key', status: 'pass', messageId: 'secret-key-ok' },
      { target: '/opt/postal/config/postal.yml', status: 'warn', messageId: 'world-readable' },
      { target: '/opt/postal/config/smtp.key', status: 'warn', messageId: 'world-readable' },
      { target: '/opt/postal/config/signing.key', status: 'warn', messageId: 'world-readable' },
    ]);
  });

  it('root-owned 600: Postal cannot read it', async () => {
    await chmod(join(configDir, 'smtp.key'), 0o600);
    const result = (await check()).find((item) => item.target === '/opt/postal/config/smtp.key')!;
    assert.equal(result.messageId, 'unreadable');
    assert.deepEqual(result.fix?.commands, ['chgrp 999 /opt/postal/config/smtp.key', 'chmod 640 /opt/postal/config/smtp.key', 'postal restart']);
  });

  it('after the suggested commands (group 999, mode 640) every file passes', async () => {
    for (const name of ['postal.yml', 'smtp.key', 'signing.key']) {
      await chown(join(configDir, name), 0, 999);
      await chmod(join(configDir, name), 0o640);
    }
    assert.deepEqual(
      (await check()).map((result) => result.status),
      ['pass', 'pass', 'pass', 'pass'],
    );
  });

  it('a config directory closed to uid 999', async () => {
    await chmod(configDir, 0o700);
    try {
      const result = (await check()).find((item) => item.messageId === 'directory-closed');
      assert.equal(result?.target, '/opt/postal/config');
    } finally {
      await chmod(configDir, 0o755);
    }
  });
});
