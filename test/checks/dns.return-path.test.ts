import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { returnPathCheck } from '../../src/checks/dns/return-path.js';
import { dkimRecordFor } from '../../src/knowledge/dns/dkim-key.js';
import type { Probes } from '../../src/probes/types.js';
import { brief, runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7');
const options = { ips: ['203.0.113.8'] };

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const signingKey = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const expectedDkim = dkimRecordFor(signingKey) as string;
const otherDkim = dkimRecordFor(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })) as string;

function filesWith(contents: Record<string, string>): Probes['files'] {
  return {
    stat: async () => ({ ok: false, code: 'ENOENT', message: 'not faked' }),
    read: async (path) => (path in contents ? { ok: true, value: Buffer.from(contents[path]) } : { ok: false, code: 'ENOENT', message: `${path}: no such file` }),
  };
}

const files = filesWith({ '/opt/postal/config/signing.key': signingKey });
const completeReturnPath = {
  'A rp.example.net': ['203.0.113.7'],
  'MX rp.example.net': ['10 postal.example.net'],
  'TXT rp.example.net': ['v=spf1 a mx include:spf.example.net ~all'],
  'TXT spf.example.net': ['v=spf1 ip4:203.0.113.0/24 ~all'],
  'A postal.example.net': ['203.0.113.7'],
  'TXT postal._domainkey.rp.example.net': [expectedDkim],
};

describe('dns.return-path', () => {
  it('passes with A, MX, an SPF that authorises the outbound IPs and the signing.key DKIM record', async () => {
    const results = await runCheck(returnPathCheck, { yaml: postalYaml(), probes: { dns: fakeDns(completeReturnPath), host, files }, options });
    assert.deepEqual(brief(results), [{ target: 'rp.example.net', status: 'pass', messageId: 'complete' }]);
  });

  it('lists every missing part and the exact records, DKIM computed from signing.key', async () => {
    const results = await runCheck(returnPathCheck, { yaml: postalYaml(), probes: { dns: fakeDns({ 'A rp.example.net': ['203.0.113.7'] }), host, files }, options });
    assert.deepEqual(brief(results), [{ target: 'rp.example.net', status: 'fail', messageId: 'incomplete' }]);
    assert.match(results[0].message, /no MX record/);
    assert.match(results[0].message, /no SPF record/);
    assert.match(results[0].message, /postal\._domainkey\.rp\.example\.net has no DKIM key record/);
    const records = results[0].fix?.records ?? [];
    assert.ok(records.includes('rp.example.net. 3600 IN MX 10 postal.example.net.'));
    assert.ok(records.includes('rp.example.net. 3600 IN TXT "v=spf1 a mx include:spf.example.net ~all"'));
    assert.ok(records.some((record) => record.startsWith('postal._domainkey.rp.example.net. 3600 IN TXT "v=DKIM1; t=s; h=sha256; p=')));
  });

  it('fails a DKIM record that is not the public half of signing.key, or not a key at all', async () => {
    const stale = await runCheck(returnPathCheck, {
      yaml: postalYaml(),
      probes: { dns: fakeDns({ ...completeReturnPath, 'TXT postal._domainkey.rp.example.net': [otherDkim] }), host, files },
      options,
    });
    assert.deepEqual(brief(stale), [{ target: 'rp.example.net', status: 'fail', messageId: 'incomplete' }]);
    assert.match(stale[0].message, /not the public half of signing\.key/);
    const garbage = await runCheck(returnPathCheck, {
      yaml: postalYaml(),
      probes: { dns: fakeDns({ ...completeReturnPath, 'TXT postal._domainkey.rp.example.net': ['v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCAAAABBBBCCCC'] }), host, files: filesWith({}) },
      options,
    });
    assert.deepEqual(brief(garbage), [{ target: 'rp.example.net', status: 'fail', messageId: 'incomplete' }]);
    assert.match(garbage[0].message, /invalid: p= does not decode to an RSA public key/);
    assert.deepEqual(garbage[0].fix?.commands, ['postal default-dkim-record']);
  });

  it('fails when the return-path SPF does not authorise an outbound IP, is unknown on a timeout', async () => {
    const narrow = fakeDns({ ...completeReturnPath, 'TXT spf.example.net': ['v=spf1 ip4:203.0.113.7 -all'] });
    const results = await runCheck(returnPathCheck, { yaml: postalYaml(), probes: { dns: narrow, host, files }, options });
    assert.deepEqual(brief(results), [{ target: 'rp.example.net', status: 'fail', messageId: 'incomplete' }]);
    assert.match(results[0].message, /does not authorise 203\.0\.113\.8/);
    // It includes spf_include: the address belongs in that record (dns.spf's fix), not in a second one here.
    assert.deepEqual(results[0].fix?.records, []);
    assert.match(results[0].fix?.summary ?? '', /^Authorise the outbound IPs in the SPF record of spf\.example\.net/);
    const own = await runCheck(returnPathCheck, { yaml: postalYaml(), probes: { dns: fakeDns({ ...completeReturnPath, 'TXT rp.example.net': ['v=spf1 ip4:203.0.113.7 -all'] }), host, files }, options });
    assert.deepEqual(brief(own), [{ target: 'rp.example.net', status: 'fail', messageId: 'incomplete' }]);
    assert.deepEqual(own[0].fix?.records, ['rp.example.net. 3600 IN TXT "v=spf1 ip4:203.0.113.7 ip4:203.0.113.8 -all"']);
    const slow = fakeDns({ ...completeReturnPath, 'MX rp.example.net': { error: 'timeout' } });
    assert.deepEqual(brief(await runCheck(returnPathCheck, { yaml: postalYaml(), probes: { dns: slow, host, files }, options })), [
      { target: 'rp.example.net', status: 'unknown', messageId: 'lookup-failed' },
    ]);
  });
});

describe('dns.return-path placeholder', () => {
  it('fails the default return_path_domain and suggests rp.<smtp_hostname>', async () => {
    const results = await runCheck(returnPathCheck, { yaml: 'version: 2\npostal:\n  smtp_hostname: postal.example.net\n', probes: { dns: fakeDns({}), host, files }, options });
    assert.deepEqual(brief(results), [{ target: 'rp.postal.example.com', status: 'fail', messageId: 'placeholder' }]);
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'dns.return_path_domain', to: 'rp.postal.example.net' }]);
  });

  it('in a legacy-format file, edits the key that format reads (dns.return_path), from the value written there', async () => {
    const yaml = 'dns:\n  smtp_server_hostname: postal.example.net\n  return_path: rp.postal.example.com\n';
    const results = await runCheck(returnPathCheck, { yaml, probes: { dns: fakeDns({}), host, files }, options });
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'dns.return_path', from: 'rp.postal.example.com', to: 'rp.postal.example.net' }]);
  });
});
