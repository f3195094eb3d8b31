import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probes } from '../../src/probes/types.js';
import { createFileProbe } from '../../src/probes/files.js';
import type { PkiFile, TestPki } from './pki.js';

export const CONFIG_DIR = '/opt/postal/config';

/** A host tree (for `--host-root`) holding Postal's config directory with the given certificate and key. */
export interface TlsHost {
  root: string;
  certificatePath: string;
  keyPath: string;
  cleanup(): void;
}

export function tlsHost(pki: TestPki, files: { cert?: PkiFile; key?: PkiFile; certMode?: number; keyMode?: number; owner?: number }): TlsHost {
  const root = mkdtempSync(join(tmpdir(), 'pd-tls-host-'));
  const dir = join(root, CONFIG_DIR);
  mkdirSync(dir, { recursive: true });
  const place = (source: PkiFile | undefined, name: string, mode: number) => {
    if (!source) return;
    const target = join(dir, name);
    copyFileSync(pki.path(source), target);
    // Postal's user (999) owns its files. Without root the copy stays ours, so it is made world-readable instead.
    if (process.getuid?.() === 0) {
      chownSync(target, files.owner ?? 999, files.owner ?? 999);
      chmodSync(target, mode);
    } else {
      chmodSync(target, mode | 0o444);
    }
  };
  place(files.cert, 'smtp.cert', files.certMode ?? 0o644);
  place(files.key, 'smtp.key', files.keyMode ?? 0o600);
  return {
    root,
    certificatePath: `${CONFIG_DIR}/smtp.cert`,
    keyPath: `${CONFIG_DIR}/smtp.key`,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** postal.yml for a TLS deployment named after the test PKI; `smtpServer` and `dns` add lines to those groups. */
export function tlsYaml(
  pki: TestPki,
  extra: { tlsEnabled?: boolean; smtpHostname?: string; mx?: string[]; port?: number; smtpServer?: string[]; dns?: string[] } = {},
): string {
  const mx = extra.mx ?? [pki.names.mx1, pki.names.mx2];
  return [
    'version: 2',
    'postal:',
    `  smtp_hostname: ${extra.smtpHostname ?? pki.names.smtp}`,
    'smtp_server:',
    `  tls_enabled: ${extra.tlsEnabled ?? true}`,
    `  default_port: ${extra.port ?? 25}`,
    ...(extra.smtpServer ?? []).map((line) => `  ${line}`),
    'dns:',
    '  mx_records:',
    ...mx.map((name) => `    - ${name}`),
    ...(extra.dns ?? []).map((line) => `  ${line}`),
    '',
  ].join('\n');
}

/** Probes for the file checks: the real file probe on the host tree, the test root as the only trust anchor, the PKI's clock. */
export function fileProbes(pki: TestPki, host: TlsHost, overrides: Partial<Probes> = {}): Partial<Probes> {
  return {
    files: createFileProbe(host.root),
    trust: { roots: async () => [pki.rootPem] },
    clock: { now: () => pki.now },
    ...overrides,
  };
}
