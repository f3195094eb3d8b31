import { createPrivateKey, createPublicKey } from 'node:crypto';

export type DkimKeyCheck =
  | { ok: true; keyType: 'rsa' | 'ed25519'; bits: number; testing: boolean }
  | { ok: false; problem: string };

/**
 * Whether a DKIM key record (RFC 6376 §3.6.1) is usable: `v=DKIM1` first when present, a known
 * `k=`, and a `p=` whose base64 decodes to a public key of that type (DER SubjectPublicKeyInfo for RSA).
 */
export function checkDkimRecord(text: string): DkimKeyCheck {
  const tags = new Map<string, string>();
  const parts = text.split(';').map((part) => part.trim()).filter((part) => part !== '');
  for (const [index, part] of parts.entries()) {
    const match = /^([a-z][a-z0-9_]*)\s*=\s*(.*)$/i.exec(part);
    if (!match) return { ok: false, problem: `"${part}" is not a tag=value pair` };
    const name = match[1].toLowerCase();
    if (tags.has(name)) return { ok: false, problem: `the tag ${name}= appears twice` };
    if (name === 'v' && index !== 0) return { ok: false, problem: 'v= must be the first tag' };
    tags.set(name, match[2].trim());
  }
  const version = tags.get('v');
  if (version !== undefined && version !== 'DKIM1') return { ok: false, problem: `v=${version} is not v=DKIM1` };
  const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
  if (keyType !== 'rsa' && keyType !== 'ed25519') return { ok: false, problem: `unknown key type k=${keyType}` };
  const publicKey = tags.get('p');
  if (publicKey === undefined) return { ok: false, problem: 'there is no p= (public key) tag' };
  const base64 = publicKey.replace(/\s+/g, '');
  if (base64 === '') return { ok: false, problem: 'p= is empty, which means the key has been revoked' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 === 1) return { ok: false, problem: 'p= is not valid base64' };
  const der = Buffer.from(base64, 'base64');
  const testing = (tags.get('t') ?? '').split(':').map((flag) => flag.trim()).includes('y');
  if (keyType === 'ed25519') {
    if (der.length !== 32) return { ok: false, problem: `p= holds ${der.length} bytes, an Ed25519 key has 32` };
    return { ok: true, keyType, bits: 256, testing };
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      if (key.asymmetricKeyType !== 'rsa') return { ok: false, problem: `p= holds a ${key.asymmetricKeyType} key, not RSA` };
      return { ok: true, keyType, bits: key.asymmetricKeyDetails?.modulusLength ?? 0, testing };
    } catch {
      // Not this encoding; the next one may fit.
    }
  }
  return { ok: false, problem: 'p= does not decode to an RSA public key' };
}

/** A DER element: its tag, where it begins, where its content starts and where it ends. */
interface DerElement {
  tag: number;
  offset: number;
  start: number;
  end: number;
}

function derElement(der: Buffer, offset: number): DerElement | null {
  if (offset + 2 > der.length) return null;
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > der.length) return null;
    length = 0;
    for (let index = 0; index < bytes; index++) length = length * 256 + der[start + index];
    start += bytes;
  }
  return start + length <= der.length ? { tag: der[offset], offset, start, end: start + length } : null;
}

function derOf(tag: number, content: Buffer): Buffer {
  const length: number[] = [];
  for (let rest = content.length; rest > 0; rest = Math.floor(rest / 256)) length.unshift(rest % 256);
  const header = content.length < 0x80 ? [tag, content.length] : [tag, 0x80 | length.length, ...length];
  return Buffer.concat([Buffer.from(header), content]);
}

/** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const RSA_ALGORITHM = Buffer.from('300d06092a864886f70d0101010500', 'hex');
const PKCS1_PEM = /^-----BEGIN RSA PRIVATE KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END RSA PRIVATE KEY-----\s*$/;

/**
 * The DER SubjectPublicKeyInfo of a PKCS#1 RSA private key (RFC 8017 A.1.2: a SEQUENCE of version 0 and eight
 * INTEGERs, modulus and public exponent first), read without OpenSSL: OpenSSL 3 takes about a millisecond to
 * decode each key, and Postal keeps one per domain (app/models/domain.rb:85 `OpenSSL::PKey::RSA.new(1024).to_s`,
 * PKCS#1 PEM), so thousands of domains would spend seconds on it. Null for any other form.
 */
function pkcs1PublicKeyInfo(pem: string): Buffer | null {
  const body = PKCS1_PEM.exec(pem.trim())?.[1];
  if (!body) return null;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const sequence = derElement(der, 0);
  if (!sequence || sequence.tag !== 0x30 || sequence.end !== der.length) return null;
  const integers: DerElement[] = [];
  for (let offset = sequence.start; offset < sequence.end; offset = integers[integers.length - 1].end) {
    const element = derElement(der, offset);
    if (!element || element.tag !== 0x02 || element.end === element.start) return null;
    integers.push(element);
  }
  const [version, modulus, exponent] = integers;
  if (integers.length !== 9 || version.end - version.start !== 1 || der[version.start] !== 0) return null;
  const publicKey = derOf(0x30, der.subarray(modulus.offset, exponent.end));
  return derOf(0x30, Buffer.concat([RSA_ALGORITHM, derOf(0x03, Buffer.concat([Buffer.from([0]), publicKey]))]));
}

/**
 * The record Postal publishes for a private key (lib/postal/config.rb:116 rp_dkim_dns_record for the signing key,
 * app/models/domain.rb:110-114 dkim_record for a domain's): the public half as base64 DER SubjectPublicKeyInfo. Null when
 * the PEM is not a private key.
 */
export function dkimRecordFor(privateKeyPem: Buffer | string): string | null {
  let publicKeyInfo = pkcs1PublicKeyInfo(privateKeyPem.toString());
  if (!publicKeyInfo) {
    try {
      publicKeyInfo = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
    } catch {
      return null;
    }
  }
  return `v=DKIM1; t=s; h=sha256; p=${publicKeyInfo.toString('base64')};`;
}

/** The base64 public key of a DKIM record, whitespace removed; null when it has no p= tag. */
export function dkimPublicKey(text: string): string | null {
  const match = /(?:^|;)\s*p\s*=\s*([^;]*)/i.exec(text);
  return match ? match[1].replace(/\s+/g, '') : null;
}
