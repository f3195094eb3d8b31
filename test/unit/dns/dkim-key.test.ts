import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
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
});
