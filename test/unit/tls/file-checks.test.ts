import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckDefinition, Result } from '../../../src/core/types.js';
import type { Probes } from '../../../src/probes/types.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { makePki, type PkiFile, type TestPki } from '../../support/pki.js';
import { fileProbes, tlsHost, tlsYaml } from '../../support/tls.js';
import { tlsEnabled } from '../../../src/checks/tls/enabled.js';
import { tlsFilesCheck } from '../../../src/checks/tls/files.js';
import { tlsExpiry } from '../../../src/checks/tls/expiry.js';
import { tlsChain } from '../../../src/checks/tls/chain.js';
import { tlsSan } from '../../../src/checks/tls/san.js';

let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

const CERT = '/opt/postal/config/smtp.cert';
const KEY = '/opt/postal/config/smtp.key';
const DAY = 86_400_000;

interface Deployment {
  cert?: PkiFile;
  key?: PkiFile;
  certMode?: number;
  keyMode?: number;
  owner?: number;
  yaml?: string;
  probes?: Partial<Probes>;
}

/** Runs one check offline against a host tree holding the given certificate and key. */
async function check(definition: CheckDefinition, deployment: Deployment): Promise<Result[]> {
  const host = tlsHost(pki, deployment);
  try {
    return await runCheck(definition, {
      yaml: deployment.yaml ?? tlsYaml(pki),
      probes: fileProbes(pki, host, deployment.probes),
      options: { offline: true },
    });
  } finally {
    host.cleanup();
  }
}

const good = { cert: 'chain.pem', key: 'rsa.key' } as const;

describe('tls.enabled', () => {
  it('fails when STARTTLS is off, with the config change and the restart', async () => {
    const [result] = await runCheck(tlsEnabled, { yaml: tlsYaml(pki, { tlsEnabled: false }) });
    assert.deepEqual(brief([result]), [{ target: null, status: 'fail', messageId: 'disabled' }]);
    assert.deepEqual(result.fix?.configChanges, [{ path: 'smtp_server.tls_enabled', from: false, to: true }]);
    assert.deepEqual(result.fix?.commands, ['docker restart postal-smtp-1']);
  });

  it('fails on the default (off) too; the change adds the key, which the file does not set', async () => {
    const [result] = await runCheck(tlsEnabled, { yaml: 'version: 2\n' });
    assert.deepEqual(brief([result]), [{ target: null, status: 'fail', messageId: 'disabled' }]);
    assert.deepEqual(result.fix?.configChanges, [{ path: 'smtp_server.tls_enabled', to: true }]);
  });

  it('names the environment variable that switches it off; postal.yml needs no edit when it says true', async () => {
    const results = await runCheck(tlsEnabled, { yaml: tlsYaml(pki), env: { SMTP_SERVER_TLS_ENABLED: 'false' } });
    assert.deepEqual(brief(results), [{ target: null, status: 'fail', messageId: 'disabled-by-env' }]);
    assert.deepEqual(results[0].fix?.configChanges, []);
  });

  it('passes when on', async () => {
    assert.deepEqual(brief(await runCheck(tlsEnabled, { yaml: tlsYaml(pki) })), [{ target: null, status: 'pass', messageId: 'enabled' }]);
  });
});

describe('tls.files', () => {
  it('passes a full chain with its PKCS#8 RSA key', async () => {
    assert.deepEqual(brief(await check(tlsFilesCheck, good)), [
      { target: CERT, status: 'pass', messageId: 'certificate-ok' },
      { target: KEY, status: 'pass', messageId: 'key-ok' },
    ]);
  });

  it('reads the files under --host-root when postal.yml was found there, and reports host paths', async () => {
    const host = tlsHost(pki, good);
    try {
      const results = await runCheck(tlsFilesCheck, {
        yaml: tlsYaml(pki),
        path: '/opt/postal/config/postal.yml',
        probes: fileProbes(pki, host),
        options: { offline: true, hostRoot: host.root },
      });
      assert.deepEqual(brief(results), [
        { target: CERT, status: 'pass', messageId: 'certificate-ok' },
        { target: KEY, status: 'pass', messageId: 'key-ok' },
      ]);
    } finally {
      host.cleanup();
    }
  });

  for (const [cert, key] of [
    ['chain.pem', 'rsa-pkcs1.key'],
    ['ec-chain.pem', 'ec.key'],
    ['ec-chain.pem', 'ec-pkcs8.key'],
    ['chain-crlf.pem', 'rsa.key'],
    ['leaf.pem', 'rsa.key'],
    ['self-signed.pem', 'rsa.key'],
  ] as const) {
    it(`passes ${cert} with ${key}`, async () => {
      assert.deepEqual(brief(await check(tlsFilesCheck, { cert, key })).map((result) => result.status), ['pass', 'pass']);
    });
  }

  it('fails a key that belongs to another certificate', async () => {
    assert.deepEqual(brief(await check(tlsFilesCheck, { cert: 'chain.pem', key: 'other-rsa.key' }))[1], { target: KEY, status: 'fail', messageId: 'key-mismatch' });
  });

  it('fails an encrypted key, PKCS#8 or traditional: Postal has no passphrase', async () => {
    for (const key of ['rsa-encrypted.key', 'rsa-encrypted-pkcs1.key'] as const) {
      assert.deepEqual(brief(await check(tlsFilesCheck, { cert: 'chain.pem', key }))[1], { target: KEY, status: 'fail', messageId: 'key-encrypted' });
    }
  });

  it('fails a DER certificate, which Postal does not read, with a conversion command', async () => {
    const [certificate] = await check(tlsFilesCheck, { cert: 'leaf.der', key: 'rsa.key' });
    assert.deepEqual(brief([certificate]), [{ target: CERT, status: 'fail', messageId: 'der' }]);
    assert.ok(certificate.fix?.commands.includes(`openssl x509 -inform der -in ${CERT} -out ${CERT}.pem`));
  });

  it('fails a file whose first block is the intermediate, and says the key matches a later block', async () => {
    assert.deepEqual(brief(await check(tlsFilesCheck, { cert: 'reversed-chain.pem', key: 'rsa.key' })), [
      { target: CERT, status: 'fail', messageId: 'leaf-not-first' },
      { target: KEY, status: 'fail', messageId: 'key-matches-later-block' },
    ]);
  });

  it('fails a certificate file that holds only a key, and a key file that holds a certificate', async () => {
    assert.deepEqual(brief(await check(tlsFilesCheck, { cert: 'rsa.key', key: 'leaf.pem' })), [
      { target: CERT, status: 'fail', messageId: 'no-certificate' },
      { target: KEY, status: 'fail', messageId: 'no-key' },
    ]);
  });

  it('fails missing files when TLS is on and skips them when it is off', async () => {
    assert.deepEqual(brief(await check(tlsFilesCheck, {})), [
      { target: CERT, status: 'fail', messageId: 'missing' },
      { target: KEY, status: 'fail', messageId: 'missing' },
    ]);
    assert.deepEqual(brief(await check(tlsFilesCheck, { yaml: tlsYaml(pki, { tlsEnabled: false }) })), [
      { target: CERT, status: 'skip', messageId: 'tls-off' },
      { target: KEY, status: 'skip', messageId: 'tls-off' },
    ]);
  });

  it('fails a path outside the mounted config directory', async () => {
    const yaml = tlsYaml(pki, { smtpServer: ['tls_certificate_path: /etc/letsencrypt/live/smtp.postal.example/fullchain.pem'] });
    const [certificate] = await check(tlsFilesCheck, { ...good, yaml });
    assert.deepEqual(brief([certificate]), [{ target: '/etc/letsencrypt/live/smtp.postal.example/fullchain.pem', status: 'fail', messageId: 'outside-mount' }]);
  });

  it('fails a key the Postal user (uid 999) cannot read, with the same permission fix as config.secrets', { skip: process.getuid?.() === 0 ? false : 'needs root to give the key to another owner' }, async () => {
    const [, key] = await check(tlsFilesCheck, { ...good, owner: 0, keyMode: 0o600 });
    assert.deepEqual(brief([key]), [{ target: KEY, status: 'fail', messageId: 'not-readable-by-postal' }]);
    // Root keeps the key; group 999 may read it; nobody else. config.secrets prints the same two commands.
    assert.deepEqual(key.fix?.commands, [`chgrp 999 ${KEY}`, `chmod 640 ${KEY}`, 'docker restart postal-smtp-1']);
  });
});

describe('tls.expiry', () => {
  const cases: Array<[PkiFile, string, string]> = [
    ['chain.pem', 'pass', 'valid'],
    ['ten-days-chain.pem', 'warn', 'expiring'],
    ['expired-chain.pem', 'fail', 'expired'],
    ['future-chain.pem', 'fail', 'not-yet-valid'],
    ['leaf.der', 'pass', 'valid'],
  ];
  for (const [cert, status, messageId] of cases) {
    it(`${cert}: ${status} ${messageId}`, async () => {
      assert.deepEqual(brief(await check(tlsExpiry, { cert, key: 'rsa.key' })), [{ target: CERT, status, messageId }]);
    });
  }

  it('with STARTTLS off, what would fail is a warning: nobody is served the certificate yet', async () => {
    const off = tlsYaml(pki, { tlsEnabled: false });
    assert.deepEqual(brief(await check(tlsExpiry, { cert: 'expired-chain.pem', key: 'rsa.key', yaml: off })), [{ target: CERT, status: 'warn', messageId: 'expired' }]);
    assert.deepEqual(brief(await check(tlsFilesCheck, { cert: 'chain.pem', key: 'other-rsa.key', yaml: off }))[1], { target: KEY, status: 'warn', messageId: 'key-mismatch' });
    assert.deepEqual(brief(await check(tlsSan, { cert: 'wildcard-chain.pem', key: 'rsa.key', yaml: tlsYaml(pki, { tlsEnabled: false, smtpHostname: 'postal.example' }) }))[0], {
      target: 'postal.example',
      status: 'warn',
      messageId: 'not-covered',
    });
  });

  it('skips when there is no certificate to read, or a CA certificate stands where the server certificate belongs', async () => {
    assert.deepEqual(brief(await check(tlsExpiry, {})), [{ target: CERT, status: 'skip', messageId: 'no-certificate' }]);
    assert.deepEqual(brief(await check(tlsExpiry, { cert: 'reversed-chain.pem', key: 'rsa.key' })), [{ target: CERT, status: 'skip', messageId: 'no-certificate' }]);
  });
});

describe('tls.chain', () => {
  it('passes leaf + intermediate up to the trusted root, with CRLF and comments too', async () => {
    for (const cert of ['chain.pem', 'chain-crlf.pem'] as const) {
      assert.deepEqual(brief(await check(tlsChain, { cert, key: 'rsa.key' })), [{ target: CERT, status: 'pass', messageId: 'trusted' }]);
    }
  });

  it('fails a bare leaf: the intermediate is missing', async () => {
    const [result] = await check(tlsChain, { cert: 'leaf.pem', key: 'rsa.key' });
    assert.deepEqual(brief([result]), [{ target: CERT, status: 'fail', messageId: 'incomplete' }]);
    assert.equal(result.fix?.kind, 'file');
  });

  it('warns about a self-signed certificate', async () => {
    assert.deepEqual(brief(await check(tlsChain, { cert: 'self-signed.pem', key: 'rsa.key' })), [{ target: CERT, status: 'warn', messageId: 'untrusted-root' }]);
  });

  it('fails a chain whose intermediate has expired', async () => {
    const later = new Date(pki.now.getTime() + 4000 * DAY);
    assert.deepEqual(brief(await check(tlsChain, { ...good, probes: { clock: { now: () => later } } })), [{ target: CERT, status: 'fail', messageId: 'expired-link' }]);
  });

  it('reports a broken trust store as unknown with its reason, not as a pass', async () => {
    const probes = { trust: { roots: async () => Promise.reject(new Error('NODE_EXTRA_CA_CERTS=/nowhere.pem: ENOENT')) } };
    const [result] = await check(tlsChain, { ...good, probes });
    assert.equal(result.status, 'unknown');
    assert.match(result.message, /NODE_EXTRA_CA_CERTS=\/nowhere\.pem/);
  });
});

describe('tls.san (files only, as with --offline)', () => {
  const { smtp, mx1, mx2 } = { smtp: 'smtp.postal.example', mx1: 'mx1.postal.example', mx2: 'mx2.postal.example' };

  it('passes every required name, and does not ask for the HELO name of outbound-only IPs', async () => {
    const yaml = tlsYaml(pki, { dns: ['helo_hostname: out.mailer.example'] });
    assert.deepEqual(brief(await check(tlsSan, { ...good, yaml })), [
      { target: smtp, status: 'pass', messageId: 'covered' },
      { target: mx1, status: 'pass', messageId: 'covered' },
      { target: mx2, status: 'pass', messageId: 'covered' },
    ]);
  });

  it('warns about an MX name the certificate lacks, showing SANs and required names side by side', async () => {
    const results = await check(tlsSan, { cert: 'no-mx2-chain.pem', key: 'rsa.key' });
    assert.deepEqual(brief(results).at(-1), { target: mx2, status: 'warn', messageId: 'not-covered' });
    assert.deepEqual(results.at(-1)?.evidence[0], { query: `subjectAltName of ${CERT}`, answer: [`DNS:${smtp}`, `DNS:${mx1}`] });
    assert.deepEqual((results.at(-1)?.evidence[1].answer as Array<{ name: string }>).map((entry) => entry.name), [smtp, mx1, mx2]);
    assert.ok(results.at(-1)?.fix?.summary.includes(`certbot certonly -d ${smtp} -d ${mx1} -d ${mx2}`), 'the fix names every name the certificate needs');
  });

  it('fails when smtp_hostname is not covered', async () => {
    const yaml = tlsYaml(pki, { smtpHostname: 'postal.example' });
    const results = await check(tlsSan, { cert: 'wildcard-chain.pem', key: 'rsa.key', yaml });
    assert.deepEqual(brief(results)[0], { target: 'postal.example', status: 'fail', messageId: 'not-covered' });
  });

  it('applies a wildcard to one label only and matches IDN names in A-label form', async () => {
    const yaml = tlsYaml(pki, { mx: ['a.b.postal.example', 'bücher.postal.example'] });
    assert.deepEqual(brief(await check(tlsSan, { cert: 'wildcard-chain.pem', key: 'rsa.key', yaml })), [
      { target: smtp, status: 'pass', messageId: 'covered' },
      { target: 'a.b.postal.example', status: 'warn', messageId: 'not-covered' },
      { target: 'xn--bcher-kva.postal.example', status: 'pass', messageId: 'covered' },
    ]);
  });

  it('is not fooled by a SAN value that contains ", DNS:"', async () => {
    const results = await check(tlsSan, { cert: 'comma-san-chain.pem', key: 'rsa.key' });
    assert.deepEqual(brief(results), [
      { target: smtp, status: 'pass', messageId: 'covered' },
      { target: mx1, status: 'warn', messageId: 'not-covered' },
      { target: mx2, status: 'warn', messageId: 'not-covered' },
    ]);
    assert.deepEqual(results[1].evidence[0].answer, [`DNS:${smtp}`, `DNS:"${mx1}, DNS:${mx2}"`]);
  });

  it('does not look at banners offline, and says so', async () => {
    const [result] = await check(tlsSan, good);
    assert.deepEqual(result.evidence[2], { query: 'names in the live SMTP banners', answer: 'not looked at (--offline)' });
  });
});
