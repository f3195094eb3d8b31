import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { domainToASCII } from 'node:url';

/** One `-----BEGIN <label>-----` … `-----END <label>-----` block of a PEM file. */
export interface PemBlock {
  label: string;
  /** RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED`, as written. */
  headers: string[];
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in file order; text between blocks (comments, `subject=` lines) is ignored, CRLF or LF. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const lines = match[2].split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    const headers = lines.filter((line) => line.includes(':'));
    const body = lines.filter((line) => !line.includes(':')).join('');
    blocks.push({ label: match[1], headers, der: Buffer.from(body, 'base64') });
  }
  return blocks;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/**
 * A certificate file read the way Postal reads it: every PEM `CERTIFICATE` block, the first
 * being the leaf and the rest the chain it sends. Postal reads nothing else, so a DER file is
 * parsed (to say what it is) but reported as unusable.
 */
export type CertificateFileContent =
  | { kind: 'pem'; certificates: X509Certificate[]; otherLabels: string[] }
  | { kind: 'der'; certificate: X509Certificate }
  | { kind: 'invalid-block'; index: number; error: string }
  | { kind: 'no-certificate'; otherLabels: string[]; binary: boolean };

export function readCertificateFile(data: Buffer): CertificateFileContent {
  const text = data.toString('latin1');
  const blocks = pemBlocks(text);
  const certificateBlocks = blocks.filter((block) => block.label === 'CERTIFICATE');
  const otherLabels = blocks.filter((block) => block.label !== 'CERTIFICATE').map((block) => block.label);
  if (certificateBlocks.length > 0) {
    const certificates: X509Certificate[] = [];
    for (const [index, block] of certificateBlocks.entries()) {
      try {
        certificates.push(new X509Certificate(block.der));
      } catch (error) {
        return { kind: 'invalid-block', index, error: firstLine(error) };
      }
    }
    return { kind: 'pem', certificates, otherLabels };
  }
  if (blocks.length === 0 && data[0] === 0x30) {
    try {
      return { kind: 'der', certificate: new X509Certificate(data) };
    } catch {
      // not a DER certificate either
    }
  }
  return { kind: 'no-certificate', otherLabels, binary: !/^[\x09\x0a\x0d\x20-\x7e]*$/.test(text) };
}

/** The certificates of a readable file, leaf first; null when it holds none. */
export function certificatesOf(content: CertificateFileContent): X509Certificate[] | null {
  if (content.kind === 'pem') return content.certificates;
  if (content.kind === 'der') return [content.certificate];
  return null;
}

/**
 * Where the server certificate stands when a CA certificate was put before it (index of the
 * first non-CA certificate); null when the first block is the server certificate. A lone
 * self-signed certificate often carries CA:TRUE and is its own server certificate.
 */
export function misplacedLeaf(certificates: X509Certificate[]): number | null {
  if (!certificates[0].ca) return null;
  const leaf = certificates.findIndex((certificate) => !certificate.ca);
  return leaf > 0 ? leaf : null;
}

/** Postal reads the key with `OpenSSL::PKey.read` and no passphrase: PEM or DER, PKCS#8, PKCS#1 or SEC1, RSA or EC. */
export type KeyFileContent =
  | { kind: 'key'; key: KeyObject; format: string; description: string }
  | { kind: 'encrypted'; format: string }
  | { kind: 'invalid'; format: string; error: string }
  | { kind: 'no-key'; labels: string[] };

const KEY_FORMATS: Record<string, { format: string; type: 'pkcs8' | 'pkcs1' | 'sec1' }> = {
  'PRIVATE KEY': { format: 'PKCS#8', type: 'pkcs8' },
  'RSA PRIVATE KEY': { format: 'PKCS#1', type: 'pkcs1' },
  'EC PRIVATE KEY': { format: 'SEC1', type: 'sec1' },
};

export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  const type = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  if (details.namedCurve) return `${type} ${details.namedCurve}`;
  if (details.modulusLength) return `${type} ${details.modulusLength}-bit`;
  return type;
}

export function readKeyFile(data: Buffer): KeyFileContent {
  const blocks = pemBlocks(data.toString('latin1'));
  if (blocks.length === 0) {
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        const key = createPrivateKey({ key: data, format: 'der', type });
        return { kind: 'key', key, format: `DER ${type.toUpperCase()}`, description: describeKey(key) };
      } catch {
        // try the next encoding
      }
    }
    return { kind: 'no-key', labels: [] };
  }
  if (blocks.some((block) => block.label === 'ENCRYPTED PRIVATE KEY')) return { kind: 'encrypted', format: 'PKCS#8' };
  const block = blocks.find((candidate) => candidate.label in KEY_FORMATS);
  if (!block) return { kind: 'no-key', labels: blocks.map((candidate) => candidate.label) };
  const { format, type } = KEY_FORMATS[block.label];
  if (block.headers.some((header) => /^Proc-Type:.*ENCRYPTED/i.test(header))) return { kind: 'encrypted', format };
  try {
    const key = createPrivateKey({ key: block.der, format: 'der', type });
    return { kind: 'key', key, format, description: describeKey(key) };
  } catch (error) {
    return { kind: 'invalid', format, error: firstLine(error) };
  }
}

/** Whether the private key belongs to the certificate; false for keys of another type. */
export function keyMatches(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(key);
  } catch {
    return false;
  }
}

export interface SanEntry {
  /** `DNS`, `IP Address`, `email`, `URI` … as Node names them. */
  type: string;
  value: string;
}

/**
 * The entries of a subjectAltName. Node prints the extension as one string in which a value
 * holding `,` or `:` is JSON-quoted, so it is tokenized, never split on ", ".
 */
export function subjectAltNames(certificate: X509Certificate): SanEntry[] {
  const text = certificate.subjectAltName ?? '';
  const entries: SanEntry[] = [];
  let position = 0;
  while (position < text.length) {
    const colon = text.indexOf(':', position);
    if (colon < 0) break;
    const type = text.slice(position, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        value = text.slice(colon + 2, end);
      }
      next = end + 1;
    } else {
      const separator = text.indexOf(', ', colon + 1);
      next = separator < 0 ? text.length : separator;
      value = text.slice(colon + 1, next);
    }
    entries.push({ type, value });
    position = text.startsWith(', ', next) ? next + 2 : next + 1;
  }
  return entries;
}

/** `DNS:name`, with a value that holds separators or quotes shown JSON-quoted so it cannot pass for two entries. */
export function formatSan({ type, value }: SanEntry): string {
  return `${type}:${/[,"\s\\]/.test(value) ? JSON.stringify(value) : value}`;
}

/** Lower case, no trailing dot, IDN in A-label form; null when it cannot be a hostname. */
export function asciiHostname(name: string): string | null {
  const trimmed = name.trim().replace(/\.$/, '');
  if (trimmed === '' || /[\s/\\@]/.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed);
  return ascii === '' ? null : ascii.toLowerCase();
}

/** Mail clients verify names as RFC 6125 says: SANs only, a wildcard stands for one whole left-most label. */
const MAIL_NAME_MATCHING = { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false } as const;

/** The SAN entry that covers `hostname` (A-label form), or undefined. */
export function coveringName(certificate: X509Certificate, hostname: string): string | undefined {
  return certificate.checkHost(hostname, MAIL_NAME_MATCHING);
}

/** `2027-02-25 01:02:49 UTC`: exact, and readable in a terminal. */
export function formatUtc(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function validity(certificate: X509Certificate): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
}

/** A certificate as the report shows it. */
export function summarize(certificate: X509Certificate): Record<string, string> {
  const { notBefore, notAfter } = validity(certificate);
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    sha256: certificate.fingerprint256,
  };
}

function issued(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function isSelfSigned(certificate: X509Certificate): boolean {
  return issued(certificate, certificate);
}

/** How the certificates of a file link up to a root. */
export type ChainVerdict =
  | { kind: 'trusted'; path: X509Certificate[]; root: X509Certificate; unused: X509Certificate[]; outOfOrder: boolean }
  | { kind: 'untrusted-root'; path: X509Certificate[]; unused: X509Certificate[] }
  | { kind: 'incomplete'; path: X509Certificate[]; unused: X509Certificate[] };

const MAX_CHAIN_LENGTH = 10;

/**
 * Follows issuers from the leaf: a trusted root first, else the next certificate of the file
 * (in any order) whose key signed the current one, until a root or a dead end.
 */
export function buildChain(certificates: X509Certificate[], roots: X509Certificate[]): ChainVerdict {
  const [leaf, ...extras] = certificates;
  const rootPrints = new Set(roots.map((root) => root.fingerprint256));
  const path = [leaf];
  const unused = () => extras.filter((candidate) => !path.includes(candidate));
  let current = leaf;
  while (path.length <= MAX_CHAIN_LENGTH) {
    const root = rootPrints.has(current.fingerprint256) ? current : roots.find((candidate) => issued(current, candidate));
    if (root) {
      const fromFile = path.slice(1);
      const outOfOrder = fromFile.some((certificate, index) => extras[index] !== certificate);
      return { kind: 'trusted', path, root, unused: unused(), outOfOrder };
    }
    const next = extras.find((candidate) => !path.includes(candidate) && issued(current, candidate));
    if (!next) break;
    path.push(next);
    current = next;
  }
  return { kind: isSelfSigned(current) ? 'untrusted-root' : 'incomplete', path, unused: unused() };
}

/** Parses PEM root certificates, ignoring any that do not parse. */
export function parseRoots(pems: string[]): X509Certificate[] {
  const roots: X509Certificate[] = [];
  for (const pem of pems) {
    for (const block of pemBlocks(pem)) {
      if (block.label !== 'CERTIFICATE') continue;
      try {
        roots.push(new X509Certificate(block.der));
      } catch {
        // a broken store entry cannot anchor anything
      }
    }
  }
  return roots;
}
