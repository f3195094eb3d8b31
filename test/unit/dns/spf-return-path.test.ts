import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { spfCheck } from '../../../src/checks/dns/spf.js';
import { returnPathCheck } from '../../../src/checks/dns/return-path.js';
import { checkDkimRecord, dkimRecordFor } from '../../../src/knowledge/dns/dkim-key.js';
import type { Probes } from '../../../src/probes/types.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { fakeDns } from '../../support/fakes.js';
import { hostWith, postalYaml } from '../../support/sending.js';

const host = hostWith('203.0.113.7');
const options = { ips: ['203.0.113.8'] };

describe('dns.spf', () => {
  it('passes when the spf_include record authorises every outbound IP, and explains what Postal checks', async () => {
    const dns = fakeDns({ 'TXT spf.example.net': ['v=spf1 ip4:203.0.113.0/24 ~all'] });
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns, host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'pass', messageId: 'authorised' }]);
    assert.match(results[0].message, /include:spf\.example\.net/);
    assert.match(results[0].message, /v=spf1 a mx include:spf\.example\.net ~all/);
  });

  it('fails for an IP the record leaves out, with the record completed', async () => {
    const dns = fakeDns({ 'TXT spf.example.net': ['v=spf1 ip4:203.0.113.7 include:_b.example.net ~all'], 'TXT _b.example.net': ['v=spf1 ip4:198.51.100.1 -all'] });
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns, host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'fail', messageId: 'not-authorised' }]);
    assert.match(results[0].message, /203\.0\.113\.8 \(softfail\)/);
    assert.deepEqual(results[0].fix?.records, ['spf.example.net. 3600 IN TXT "v=spf1 ip4:203.0.113.7 include:_b.example.net ip4:203.0.113.8 ~all"']);
  });

  it('fails without a record, with one that lists the outbound IPs', async () => {
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: fakeDns({}), host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'fail', messageId: 'missing' }]);
    assert.deepEqual(results[0].fix?.records, ['spf.example.net. 3600 IN TXT "v=spf1 ip4:203.0.113.8 ~all"']);
  });

  it('fails on two SPF records (permerror), is unknown on a timeout, warns on +all', async () => {
    const two = fakeDns({ 'TXT spf.example.net': ['v=spf1 ip4:203.0.113.0/24 ~all', 'v=spf1 -all'] });
    assert.deepEqual(brief(await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: two, host }, options })), [
      { target: 'spf.example.net', status: 'fail', messageId: 'permerror' },
    ]);
    const slow = fakeDns({ 'TXT spf.example.net': { error: 'timeout' } });
    assert.deepEqual(brief(await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: slow, host }, options })), [
      { target: 'spf.example.net', status: 'unknown', messageId: 'lookup-failed' },
    ]);
    const open = fakeDns({ 'TXT spf.example.net': ['v=spf1 +all'] });
    const results = await runCheck(spfCheck, { yaml: postalYaml(), probes: { dns: open, host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.example.net', status: 'warn', messageId: 'too-permissive' }]);
    assert.deepEqual(results[0].fix?.records, ['spf.example.net. 3600 IN TXT "v=spf1 ~all"']);
  });

  it('fails the placeholder spf_include and suggests spf.<smtp_hostname>', async () => {
    const yaml = postalYaml().replace('spf_include: spf.example.net', 'spf_include: spf.postal.example.com');
    const results = await runCheck(spfCheck, { yaml, probes: { dns: fakeDns({}), host }, options });
    assert.deepEqual(brief(results), [{ target: 'spf.postal.example.com', status: 'fail', messageId: 'placeholder' }]);
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'dns.spf_include', from: 'spf.postal.example.com', to: 'spf.postal.example.net' }]);
  });
});

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const signingKey = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const expectedDkim = dkimRecordFor(signingKey) as string;
const otherDkim = dkimRecordFor(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })) as string;

function filesWith(contents: Record<string, string>): Probes['files'] {
  return {
    stat: async () => ({ ok: false, code: 'ENOENT', message: 'not faked' }),
    statfs: async () => ({ ok: false, code: 'ENOENT', message: 'not faked' }),
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

describe('dns.return-path placeholder', () => {
  it('fails the default return_path_domain and suggests rp.<smtp_hostname>', async () => {
    const results = await runCheck(returnPathCheck, { yaml: 'version: 2\npostal:\n  smtp_hostname: postal.example.net\n', probes: { dns: fakeDns({}), host, files }, options });
    assert.deepEqual(brief(results), [{ target: 'rp.postal.example.com', status: 'fail', messageId: 'placeholder' }]);
    assert.deepEqual(results[0].fix?.configChanges, [{ path: 'dns.return_path_domain', from: 'rp.postal.example.com', to: 'rp.postal.example.net' }]);
  });
});
