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

/**
 * The record Postal's `postal default-dkim-record` prints for a signing key (lib/postal/config.rb
 * rp_dkim_dns_record): the public half as base64 DER SubjectPublicKeyInfo. Null when the PEM is not a private key.
 */
export function dkimRecordFor(privateKeyPem: Buffer | string): string | null {
  try {
    const publicKey = createPublicKey(createPrivateKey(privateKeyPem));
    return `v=DKIM1; t=s; h=sha256; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')};`;
  } catch {
    return null;
  }
}

/** The base64 public key of a DKIM record, whitespace removed; null when it has no p= tag. */
export function dkimPublicKey(text: string): string | null {
  const match = /(?:^|;)\s*p\s*=\s*([^;]*)/i.exec(text);
  return match ? match[1].replace(/\s+/g, '') : null;
}
