import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { postalVersionCheck } from '../../../src/checks/postal/version.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { installedVersion } from '../../support/installed-version.js';
import { deploymentConfig } from '../../support/deployment.js';
import { restorePath } from '../../support/docker.js';

const V2 = 'version: 2\npostal:\n  smtp_hostname: postal.example.net\n';
const LEGACY = 'web:\n  host: postal.example.net\ndns:\n  smtp_server_hostname: mail.example.net\n';

async function versionCheck(yaml: string, version: string) {
  const [result] = await runCheck(postalVersionCheck, { yaml, probes: installedVersion(version) });
  return result;
}

describe('postal.version: each known bug exactly within its releases (checked against the tags)', () => {
  it('a version 2 file without smtp_server.default_bind_address listens on 127.0.0.1 in 3.0.0-3.0.2, not from 3.1.0', async () => {
    for (const version of ['3.0.0', '3.0.2']) {
      const result = await versionCheck(V2, version);
      assert.deepEqual(brief([result]), [{ target: null, status: 'warn', messageId: 'known-bugs' }], version);
      assert.match(result.message, /smtp_server\.default_bind_address, whose default before 3\.1\.0 is 127\.0\.0\.1/);
      assert.deepEqual(result.fix?.configChanges, [{ path: 'smtp_server.default_bind_address', to: '::' }]);
    }
    assert.equal((await versionCheck(V2, '3.1.0')).messageId, 'version');
    assert.equal((await versionCheck(`${V2}smtp_server:\n  default_bind_address: "::"\n`, '3.0.2')).messageId, 'version');
  });

  it('nor when BIND_ADDRESS in the smtp container says where it listens', async (t) => {
    t.after(restorePath);
    const config = await deploymentConfig(V2, { smtp: ['BIND_ADDRESS=::'] });
    const [result] = await runCheck(postalVersionCheck, { config, probes: installedVersion('3.0.2') });
    assert.equal(result.messageId, 'version');
  });

  it('a legacy file without smtp_server.bind_address listens on loopback in 3.0.0-3.0.1, not from 3.0.2', async () => {
    assert.match((await versionCheck(LEGACY, '3.0.1')).message, /legacy-format postal\.yml that has no smtp_server\.bind_address/);
    assert.equal((await versionCheck(LEGACY, '3.0.2')).messageId, 'version');
  });

  it('`postal version` fails on 3.3.2 and 3.3.3 only', async () => {
    for (const version of ['3.3.2', '3.3.3']) assert.match((await versionCheck(V2, version)).message, /`postal version` fails with a LoadError/, version);
    for (const version of ['3.3.1', '3.3.4']) assert.doesNotMatch((await versionCheck(V2, version)).message, /postal version/, version);
  });

  it('relays fail on 3.0.0-3.3.0 and work from 3.3.1; the note points to network.smtp-relays', async () => {
    const withRelay = `${V2}  smtp_relays:\n    - smtp://relay.example.net:25?ssl_mode=Auto\n`;
    for (const version of ['3.1.0', '3.3.0']) assert.match((await versionCheck(withRelay, version)).message, /postal\.smtp_relays is set, and before 3\.3\.1 Postal fails on every relay \(see network\.smtp-relays\)/, version);
    assert.doesNotMatch((await versionCheck(withRelay, '3.3.1')).message, /smtp_relays/);
    assert.doesNotMatch((await versionCheck(V2, '3.3.0')).message, /smtp_relays/);
  });
});
