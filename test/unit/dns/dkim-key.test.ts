import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { checkDkimRecord, dkimRecordFor } from '../../../src/knowledge/dns/dkim-key.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const signingKey = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const expectedDkim = dkimRecordFor(signingKey) as string;

describe('DKIM key records', () => {
  it('accepts RSA (SPKI or PKCS#1) and Ed25519 keys, rejects revoked, misplaced v= and bad base64', () => {
    assert.deepEqual(checkDkimRecord(expectedDkim), { ok: true, keyType: 'rsa', bits: 1024, testing: false });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
    assert.equal(checkDkimRecord(`v=DKIM1; k=ed25519; p=${ed}`).ok, true);
    assert.deepEqual(checkDkimRecord('v=DKIM1; p='), { ok: false, problem: 'p= is empty, which means the key has been revoked' });
    assert.equal(checkDkimRecord(`k=rsa; v=DKIM1; p=${ed}`).ok, false);
    assert.equal(checkDkimRecord('v=DKIM1; p=not*base64').ok, false);
    assert.equal(checkDkimRecord('v=DKIM2; p=AAAA').ok, false);
  });

  it("gives the record Postal publishes for PKCS#1, PKCS#8 and 4096-bit keys, read as OpenSSL reads them", () => {
    for (const bits of [1024, 2048, 4096]) {
      const key = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: bits === 4096 ? 3 : 65537 }).privateKey;
      const expected = `v=DKIM1; t=s; h=sha256; p=${createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64')};`;
      assert.equal(dkimRecordFor(key.export({ type: 'pkcs1', format: 'pem' }).toString()), expected, `${bits}-bit PKCS#1`);
      assert.equal(dkimRecordFor(`${key.export({ type: 'pkcs1', format: 'pem' })}\n`.replace(/\n/g, '\r\n')), expected, `${bits}-bit PKCS#1, CRLF`);
      assert.equal(dkimRecordFor(key.export({ type: 'pkcs8', format: 'pem' }).toString()), expected, `${bits}-bit PKCS#8`);
    }
  });

  it('gives no record for a truncated or altered key, or for something that is not a private key', () => {
    const lines = signingKey.trim().split('\n');
    assert.equal(dkimRecordFor([...lines.slice(0, 5), lines[lines.length - 1]].join('\n')), null);
    assert.equal(dkimRecordFor(signingKey.replace('MII', 'MIA')), null);
    assert.equal(dkimRecordFor('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n'), null);
    assert.equal(dkimRecordFor(createPublicKey(createPrivateKey(signingKey)).export({ type: 'pkcs1', format: 'pem' })), null);
    assert.equal(dkimRecordFor('not a key'), null);
  });
});
