import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { signingKeyCheck } from '../../../src/checks/postal/signing-key.js';
import type { FileProbe } from '../../../src/probes/types.js';
import { brief, runCheck } from '../../support/check-tester.js';

const KEY_PATH = '/opt/postal/config/signing.key';

function filesWith(text: string | null): FileProbe {
  return {
    stat: async () => ({ ok: false, code: 'ENOENT', message: 'no such file' }),
    statfs: async () => ({ ok: false, code: 'ENOENT', message: 'no such file' }),
    read: async (path) => (path === KEY_PATH && text !== null ? { ok: true, value: Buffer.from(text) } : { ok: false, code: 'ENOENT', message: 'no such file' }),
  };
}

const run = (text: string | null) => runCheck(signingKeyCheck, { yaml: 'version: 2\n', probes: { files: filesWith(text) } });

describe('postal.signing-key', () => {
  it('passes an RSA key in PKCS#1 or PKCS#8', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    for (const type of ['pkcs1', 'pkcs8'] as const) {
      const results = await run(privateKey.export({ type, format: 'pem' }).toString());
      assert.deepEqual(brief(results), [{ target: KEY_PATH, status: 'pass', messageId: 'rsa' }], type);
    }
  });

  it('fails an EC key, which OpenSSL::PKey::RSA.new refuses, and never shows the key', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const results = await run(pem);
    assert.deepEqual(brief(results), [{ target: KEY_PATH, status: 'fail', messageId: 'not-rsa' }]);
    assert.match(results[0].message, /EC prime256v1 key/);
    assert.deepEqual(results[0].fix?.commands.slice(0, 1), [`openssl genrsa -out ${KEY_PATH} 2048`]);
    assert.doesNotMatch(JSON.stringify(results), new RegExp(pem.split('\n')[1].slice(0, 30).replace(/[+/]/g, '.')));
  });

  it('fails a file that is no private key, and skips one that is not there', async () => {
    assert.deepEqual(brief(await run('not a key\n')), [{ target: KEY_PATH, status: 'fail', messageId: 'unusable' }]);
    assert.deepEqual(brief(await run(null)), [{ target: KEY_PATH, status: 'skip', messageId: 'not-here' }]);
  });
});
