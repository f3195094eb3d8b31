import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away PKI made with openssl: root → intermediate → leaves, dated relative to `now`.
 * Made once per test file (about half a second), removed with `cleanup()`.
 */
export interface TestPki {
  dir: string;
  /** The time the checks should see (give it to the clock probe): every leaf is dated relative to it. */
  now: Date;
  names: { smtp: string; mx1: string; mx2: string };
  rootPem: string;
  /** Absolute paths of the files below, by name. */
  path(name: PkiFile): string;
  read(name: PkiFile): string;
  cleanup(): void;
}

export type PkiFile =
  | 'root.pem'
  | 'int.pem'
  | 'rsa.key' // PKCS#8
  | 'rsa-pkcs1.key'
  | 'rsa-encrypted.key' // PKCS#8, encrypted
  | 'rsa-encrypted-pkcs1.key' // traditional PEM encryption (Proc-Type header)
  | 'other-rsa.key'
  | 'ec.key' // SEC1
  | 'ec-pkcs8.key'
  | 'leaf.pem' // leaf only
  | 'chain.pem' // leaf + intermediate
  | 'older-chain.pem' // an earlier certificate for the same names and key
  | 'no-mx2-chain.pem'
  | 'wildcard-chain.pem'
  | 'expired-chain.pem'
  | 'future-chain.pem'
  | 'ten-days-chain.pem'
  | 'ec-chain.pem'
  | 'comma-san-chain.pem' // one SAN whose value is "mx1…, DNS:mx2…": covers neither
  | 'leaf.der'
  | 'chain-crlf.pem' // comments between blocks, CRLF line ends
  | 'reversed-chain.pem' // intermediate first
  | 'self-signed.pem';

const DAY = 86_400_000;

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** openssl ca wants dates as YYYYMMDDHHMMSSZ. */
function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'postal-doctor-pki-'));
  const now = new Date(Date.now() + 5 * 60_000);
  const names = { smtp: 'smtp.postal.example', mx1: 'mx1.postal.example', mx2: 'mx2.postal.example' };
  const run = (...args: string[]) => openssl(dir, args);
  const file = (name: string, text: string) => writeFileSync(join(dir, name), text);

  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem',
    '-days', '3650', '-subj', '/CN=Postal Doctor Test Root', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'int.key', '-out', 'int.csr',
    '-subj', '/CN=Postal Doctor Test Intermediate');
  file('int.ext', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  run('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '3650', '-extfile', 'int.ext');

  run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key');
  run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'other-rsa.key');
  run('pkey', '-in', 'rsa.key', '-traditional', '-out', 'rsa-pkcs1.key');
  run('pkey', '-in', 'rsa.key', '-aes256', '-passout', 'pass:not-for-postal', '-out', 'rsa-encrypted.key');
  run('pkey', '-in', 'rsa.key', '-traditional', '-aes256', '-passout', 'pass:not-for-postal', '-out', 'rsa-encrypted-pkcs1.key');
  run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec-pkcs8.key');
  run('ec', '-in', 'ec-pkcs8.key', '-out', 'ec.key');

  mkdirSync(join(dir, 'ca', 'newcerts'), { recursive: true });
  file('ca/index.txt', '');
  file('ca/serial', '1000\n');
  file('ca.cnf', [
    '[ca]', 'default_ca=tca', '[tca]', `dir=${join(dir, 'ca')}`, 'database=$dir/index.txt', 'new_certs_dir=$dir/newcerts',
    'serial=$dir/serial', 'default_md=sha256', 'policy=pany', 'unique_subject=no', '[pany]', 'commonName=supplied', '',
  ].join('\n'));

  // SANs go through a section so a value may hold a comma, as a hostile certificate's can.
  const leaf = (out: string, key: string, sans: string[], fromDays: number, toDays: number) => {
    file(`${out}.ext`, [
      'subjectAltName=@alt',
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'basicConstraints=CA:FALSE',
      '[alt]',
      ...sans.map((name, index) => `DNS.${index + 1}=${name}`),
      '',
    ].join('\n'));
    run('req', '-new', '-key', key, '-out', `${out}.csr`, '-subj', `/CN=${sans[0].replace(/[^a-z0-9.*-]/g, '')}`);
    run('ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'int.pem', '-keyfile', 'int.key', '-in', `${out}.csr`, '-out', `${out}.pem`,
      '-startdate', asn1Time(new Date(now.getTime() + fromDays * DAY)), '-enddate', asn1Time(new Date(now.getTime() + toDays * DAY)),
      '-extfile', `${out}.ext`);
    file(`${out}-chain.pem`, readFileSync(join(dir, `${out}.pem`), 'utf8') + readFileSync(join(dir, 'int.pem'), 'utf8'));
  };
  const all = [names.smtp, names.mx1, names.mx2];
  leaf('leaf', 'rsa.key', all, -1, 89);
  file('chain.pem', readFileSync(join(dir, 'leaf-chain.pem'), 'utf8'));
  leaf('older', 'rsa.key', all, -60, 30);
  leaf('no-mx2', 'rsa.key', [names.smtp, names.mx1], -1, 89);
  leaf('wildcard', 'rsa.key', ['*.postal.example'], -1, 89);
  leaf('expired', 'rsa.key', all, -120, -30);
  leaf('future', 'rsa.key', all, 10, 100);
  leaf('ten-days', 'rsa.key', all, -80, 10);
  leaf('ec', 'ec.key', all, -1, 89);
  leaf('comma-san', 'rsa.key', [names.smtp, `${names.mx1}, DNS:${names.mx2}`], -1, 89);
  run('x509', '-in', 'leaf.pem', '-outform', 'der', '-out', 'leaf.der');
  run('req', '-x509', '-key', 'rsa.key', '-out', 'self-signed.pem', '-days', '30', '-subj', `/CN=${names.smtp}`,
    '-addext', `subjectAltName=${all.map((name) => `DNS:${name}`).join(',')}`);

  const leafPem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
  const intPem = readFileSync(join(dir, 'int.pem'), 'utf8');
  const commented = `# ${names.smtp}\nsubject=CN = ${names.smtp}\n${leafPem}\n# intermediate, issuer=CN = Postal Doctor Test Root\n${intPem}`;
  file('chain-crlf.pem', commented.replace(/\n/g, '\r\n'));
  file('reversed-chain.pem', intPem + leafPem);

  const path = (name: PkiFile) => join(dir, name);
  return {
    dir,
    now,
    names,
    rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
    path,
    read: (name) => readFileSync(path(name), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
