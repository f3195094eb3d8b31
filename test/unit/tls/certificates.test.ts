import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { makePki, type TestPki } from '../../support/pki.js';
import {
  asciiHostname,
  buildChain,
  coveringName,
  formatSan,
  pemBlocks,
  readCertificateFile,
  readKeyFile,
  subjectAltNames,
} from '../../../src/knowledge/tls/certificates.js';

let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

const cert = (name: Parameters<TestPki['read']>[0]) => new X509Certificate(pki.read(name));
const certs = (name: Parameters<TestPki['read']>[0]) => {
  const content = readCertificateFile(readFileSync(pki.path(name)));
  assert.equal(content.kind, 'pem');
  return content.kind === 'pem' ? content.certificates : [];
};

describe('certificate files as Postal reads them', () => {
  it('reads a PEM bundle with comments and CRLF line ends, leaf first', () => {
    const chain = certs('chain-crlf.pem');
    assert.equal(chain.length, 2);
    assert.equal(chain[0].subject, `CN=${pki.names.smtp}`);
    assert.equal(chain[1].subject, 'CN=Postal Doctor Test Intermediate');
  });

  it('recognises a DER certificate, which Postal cannot read', () => {
    const content = readCertificateFile(readFileSync(pki.path('leaf.der')));
    assert.equal(content.kind, 'der');
  });

  it('reports a file without a certificate block, and what it holds instead', () => {
    const content = readCertificateFile(readFileSync(pki.path('rsa.key')));
    assert.deepEqual(content, { kind: 'no-certificate', otherLabels: ['PRIVATE KEY'], binary: false });
  });

  it('reports a certificate block that does not parse, by position', () => {
    const broken = `${pki.read('leaf.pem')}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`;
    const content = readCertificateFile(Buffer.from(broken));
    assert.equal(content.kind, 'invalid-block');
    assert.equal(content.kind === 'invalid-block' && content.index, 1);
  });

  it('keeps RFC 1421 headers apart from the base64 body', () => {
    const [block] = pemBlocks(pki.read('rsa-encrypted-pkcs1.key'));
    assert.equal(block.label, 'RSA PRIVATE KEY');
    assert.ok(block.headers.some((header) => header.startsWith('Proc-Type: 4,ENCRYPTED')));
  });
});

describe('private keys in every form Postal accepts', () => {
  const cases: Array<[Parameters<TestPki['read']>[0], string, string]> = [
    ['rsa.key', 'PKCS#8', 'RSA 2048-bit'],
    ['rsa-pkcs1.key', 'PKCS#1', 'RSA 2048-bit'],
    ['ec.key', 'SEC1', 'EC prime256v1'],
    ['ec-pkcs8.key', 'PKCS#8', 'EC prime256v1'],
  ];
  for (const [file, format, description] of cases) {
    it(`${file}: ${format}, ${description}`, () => {
      const content = readKeyFile(readFileSync(pki.path(file)));
      assert.equal(content.kind, 'key');
      assert.equal(content.kind === 'key' && content.format, format);
      assert.equal(content.kind === 'key' && content.description, description);
    });
  }

  it('reads DER keys, PKCS#8 and SEC1', () => {
    const pkcs8 = readKeyFile(derOf(pki.read('rsa.key')));
    const sec1 = readKeyFile(derOf(pki.read('ec.key')));
    assert.equal(pkcs8.kind === 'key' && pkcs8.format, 'DER PKCS8');
    assert.equal(sec1.kind === 'key' && sec1.format, 'DER SEC1');
  });

  it('recognises encrypted keys, PKCS#8 and traditional', () => {
    assert.deepEqual(readKeyFile(readFileSync(pki.path('rsa-encrypted.key'))), { kind: 'encrypted', format: 'PKCS#8' });
    assert.deepEqual(readKeyFile(readFileSync(pki.path('rsa-encrypted-pkcs1.key'))), { kind: 'encrypted', format: 'PKCS#1' });
  });

  it('says what a key file holds when it holds no key', () => {
    assert.deepEqual(readKeyFile(readFileSync(pki.path('leaf.pem'))), { kind: 'no-key', labels: ['CERTIFICATE'] });
  });
});

function derOf(pem: string): Buffer {
  return pemBlocks(pem)[0].der;
}

describe('names a certificate covers', () => {
  it('lists SANs with a quote-aware tokenizer: a value holding ", DNS:" stays one entry', () => {
    const entries = subjectAltNames(cert('comma-san-chain.pem'));
    assert.deepEqual(entries, [
      { type: 'DNS', value: pki.names.smtp },
      { type: 'DNS', value: `${pki.names.mx1}, DNS:${pki.names.mx2}` },
    ]);
    assert.equal(formatSan(entries[1]), `DNS:"${pki.names.mx1}, DNS:${pki.names.mx2}"`);
    assert.equal(coveringName(cert('comma-san-chain.pem'), pki.names.mx2), undefined);
  });

  it('applies wildcards to one whole label only', () => {
    const wildcard = cert('wildcard-chain.pem');
    assert.equal(coveringName(wildcard, 'mx1.postal.example'), '*.postal.example');
    assert.equal(coveringName(wildcard, 'a.b.postal.example'), undefined);
    assert.equal(coveringName(wildcard, 'postal.example'), undefined);
  });

  it('matches IDNs in A-label form', () => {
    assert.equal(asciiHostname('Bücher.Postal.Example.'), 'xn--bcher-kva.postal.example');
    assert.equal(coveringName(cert('wildcard-chain.pem'), asciiHostname('bücher.postal.example')!), '*.postal.example');
    assert.equal(asciiHostname('not a host'), null);
  });
});

describe('chain building', () => {
  it('follows the file to a trusted root', () => {
    const verdict = buildChain(certs('chain.pem'), [cert('root.pem')]);
    assert.equal(verdict.kind, 'trusted');
    assert.equal(verdict.kind === 'trusted' && verdict.outOfOrder, false);
  });

  it('finds the missing intermediate of a bare leaf', () => {
    assert.equal(buildChain(certs('leaf.pem'), [cert('root.pem')]).kind, 'incomplete');
  });

  it('tells a self-signed certificate from an incomplete chain', () => {
    assert.equal(buildChain(certs('self-signed.pem'), [cert('root.pem')]).kind, 'untrusted-root');
    assert.equal(buildChain(certs('chain.pem'), []).kind, 'incomplete');
  });

  it('notices intermediates out of issuing order', () => {
    const [leaf, intermediate] = certs('chain.pem');
    const verdict = buildChain([leaf, cert('root.pem'), intermediate], [cert('root.pem')]);
    assert.equal(verdict.kind, 'trusted');
    assert.equal(verdict.kind === 'trusted' && verdict.outOfOrder, true);
  });
});
